/**
 * "Check this deployment" in Chromium against real instances: all green on a correct instance
 * (a ChatGPT-shaped document and key set on a real HTTPS server, fetched by the gateway), red with
 * the right fix for a broken document, and when the page is
 * opened at another origin than PUBLIC_URL; keyboard use and axe; the event counts it leaves in
 * the server-status panel.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { freePort } from '@/kit/ports';
import { startApp } from '@/kit/app';
import { serveChatGpt, SHARED_DOCUMENT, signer } from '../support/chatgpt';
import { startCimdServer, type CimdServer } from '@/kit/fakeServers/cimdServer';

function baseUrl(): string {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set: run through playwright.config.ts');
  return url;
}

const CHECKS = [
  'prm-root',
  'prm-path',
  'as-metadata',
  'issuer',
  'resource',
  'cimd',
  'client-document',
  'registration',
  'challenge',
  'cors',
  'key-source',
] as const;

function check(page: Page, id: (typeof CHECKS)[number]) {
  return page.locator(`li[data-check="${id}"]`);
}

/** Runs the check from the keyboard and waits until every step has an answer. */
async function runCheck(page: Page) {
  const button = page.getByRole('button', { name: 'Check this deployment' });
  await button.focus();
  await expect(button).toBeFocused();
  await page.keyboard.press('Enter');
  for (const id of CHECKS)
    await expect(check(page, id)).toHaveAttribute('data-status', /^(done|failed)$/, { timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Check this deployment' })).toBeVisible();
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

let docs: CimdServer;

test.beforeAll(async () => {
  docs = await startCimdServer();
  const rsa = await signer('RS256', 'rsa-1');
  serveChatGpt(docs, SHARED_DOCUMENT.path, SHARED_DOCUMENT.redirect, () => ({ keys: [rsa.jwk] }), {
    token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
  });
});

test.afterAll(async () => {
  await docs?.stop();
});

test.describe('check this deployment', () => {
  // @req DASH-DEPLOY-CHECK
  test('is green on a correct instance, a ChatGPT-shaped document and its key set fetched by the server', async ({
    page,
  }) => {
    const port = await freePort();
    const app = await startApp({ NODE_EXTRA_CA_CERTS: docs.caFile, CIMD_ALLOW_PRIVATE_HOSTS: '1' }, port);
    try {
      await page.goto(app.url);
      const documentField = page.getByLabel('Client metadata document to fetch');
      await expect(documentField).toHaveValue('https://chatgpt.com/oauth/client.json');
      await documentField.fill(`${docs.origin}/oauth/client.json`);
      await runCheck(page);
      for (const id of CHECKS) {
        await expect(check(page, id), id).toHaveAttribute('data-status', 'done');
        await expect(check(page, id)).toContainText('Passed');
        await expect(check(page, id)).not.toContainText('Fix:');
      }
      await expect(page.getByText('Every check passed')).toBeVisible();
      await expect(check(page, 'client-document')).toContainText(
        `"ChatGPT": private_key_jwt (also public), 1 key (RSA) from ${docs.origin}/oauth/jwks.json`,
      );
      await expect(check(page, 'key-source')).toContainText('2 keys from MCP_API_KEYS');
      await expect(check(page, 'challenge')).toContainText(
        `resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      expect(await seriousViolations(page)).toEqual([]);

      // A broken document turns its step red with the reason and the fix, and only that step.
      await documentField.fill(`${docs.origin}/oauth/missing/client.json`);
      await runCheck(page);
      await expect(check(page, 'client-document')).toHaveAttribute('data-status', 'failed');
      await expect(check(page, 'client-document')).toContainText(
        'the document could not be fetched: answered status 404',
      );
      await expect(check(page, 'client-document')).toContainText('Fix: The URL must serve the document itself');
      await expect(page.getByText('1 check failed. Each one names its fix.')).toBeVisible();
    } finally {
      await app.stop();
    }
  });

  // @req DASH-DEPLOY-CHECK
  test('is red with the fix when the page is opened at another origin than PUBLIC_URL', async ({ page }) => {
    const port = await freePort();
    const publicUrl = `http://localhost:${port}`;
    const app = await startApp({ PUBLIC_URL: publicUrl }, port);
    try {
      const opened = `http://127.0.0.1:${port}`;
      await page.goto(opened);
      await runCheck(page);
      await expect(check(page, 'issuer')).toHaveAttribute('data-status', 'failed');
      await expect(check(page, 'issuer')).toContainText(
        `issuer ${publicUrl}, PUBLIC_URL ${publicUrl}, page opened at ${opened}`,
      );
      await expect(check(page, 'issuer')).toContainText(
        `Fix: Set PUBLIC_URL to the exact origin clients use (${opened} if that is the public address) and redeploy, or open this page at ${publicUrl}.`,
      );
      await expect(check(page, 'resource')).toHaveAttribute('data-status', 'failed');
      // The loopback DNS-rebinding guard (lib/mcp/auth.ts) refuses /mcp under this Host.
      await expect(check(page, 'challenge')).toHaveAttribute('data-status', 'failed');
      await expect(check(page, 'challenge')).toContainText(
        `Fix: Open this page at ${publicUrl}, the address PUBLIC_URL names.`,
      );
      // What does not depend on the origin stays green.
      for (const id of ['prm-root', 'prm-path', 'as-metadata', 'registration'] as const)
        await expect(check(page, id), id).toHaveAttribute('data-status', 'done');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await app.stop();
    }
  });

  // @req OBS-COUNTS
  test('leaves its registration in the event counts of the server-status panel', async ({ page }) => {
    await page.goto(baseUrl());
    await runCheck(page);
    await page.reload();
    const table = page.getByRole('table');
    await expect(table).toBeVisible();
    await expect(table.getByRole('row').filter({ hasText: 'registered' })).toContainText('register');
    await expect(page.getByText('including the /mcp gate (middleware)')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    // The checks' details and the counts table wrap at 360 px instead of widening the page.
    await page.setViewportSize({ width: 360, height: 800 });
    await runCheck(page);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await page.screenshot({ path: 'test-results/screenshots/deployment-check-360.png', fullPage: true });
  });
});
