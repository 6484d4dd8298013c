/**
 * "Check this deployment" in Chromium against real instances: all green on a correct instance
 * (the CIMD step follows what the metadata really says), red with the right fix when the page is
 * opened at another origin than PUBLIC_URL; keyboard use and axe; the event counts it leaves in
 * the server-status panel.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { freePort } from '../support/ports';
import { startApp } from '../support/app';

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
  'registration',
  'challenge',
  'cors',
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

test.describe('check this deployment', () => {
  // @req DASH-DEPLOY-CHECK
  test('is green on a correct instance, the CIMD step following what the metadata says', async ({ page, request }) => {
    const metadata = (await (
      await request.get(`${baseUrl()}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    const cimdAdvertised =
      metadata.client_id_metadata_document_supported === true &&
      Array.isArray(metadata.token_endpoint_auth_methods_supported) &&
      metadata.token_endpoint_auth_methods_supported.includes('none');

    await page.goto(baseUrl());
    await runCheck(page);
    for (const id of CHECKS) {
      if (id === 'cimd') continue;
      await expect(check(page, id), id).toHaveAttribute('data-status', 'done');
      await expect(check(page, id)).toContainText('Passed');
      await expect(check(page, id)).not.toContainText('Fix:');
    }
    if (cimdAdvertised) {
      await expect(check(page, 'cimd')).toHaveAttribute('data-status', 'done');
      await expect(page.getByText('Every check passed')).toBeVisible();
    } else {
      // Until this deployment advertises CIMD, the step is red and says what to do.
      await expect(check(page, 'cimd')).toHaveAttribute('data-status', 'failed');
      await expect(check(page, 'cimd')).toContainText('client_id_metadata_document_supported is not true');
      await expect(check(page, 'cimd')).toContainText(
        'Fix: Upgrade to a gateway version that supports Client ID Metadata Documents',
      );
      await expect(page.getByText('1 check failed. Each one names its fix.')).toBeVisible();
    }
    await expect(check(page, 'challenge')).toContainText(
      `resource_metadata="${baseUrl()}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(await seriousViolations(page)).toEqual([]);
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
