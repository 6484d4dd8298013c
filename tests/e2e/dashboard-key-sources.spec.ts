/**
 * The dashboard of gateways whose keys live elsewhere, in Debian's Chromium: a key service (a real
 * one on node:http) and the upstream as judge (the SDK v2 API-key MCP server). The server-status
 * panel names the key source and how the key service's last question went; "Test your key" works
 * with each, and the deployment check's key-source step turns red when the service goes down.
 */
import { expect, test, type Page } from '@playwright/test';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import { startApiKeyServer, type ApiKeyServer } from '@/kit/fakeServers/apiKeyServer';
import { startKeyService, type KeyServiceFixture } from '@/kit/fakeServers/keyService';

const SERVICE_KEY = 'sk_live_dashboard_0123456789abcdef';

let keyService: KeyServiceFixture;
let upstream: ApiKeyServer;
let serviceApp: AppInstance;
let judgeApp: AppInstance;

test.beforeAll(async () => {
  [keyService, upstream] = await Promise.all([
    startKeyService(),
    startApiKeyServer({ header: 'x-api-key', keys: [KEY_A] }),
  ]);
  keyService.add(SERVICE_KEY, 'cus_dashboard');
  [serviceApp, judgeApp] = await Promise.all([
    startApp({ MCP_API_KEYS: undefined, MCP_KEY_SERVICE_URL: keyService.url, MCP_KEY_SERVICE_TOKEN: keyService.token }),
    startApp({
      MCP_API_KEYS: undefined,
      MCP_KEY_SOURCE: 'upstream',
      MCP_UPSTREAM_URL: upstream.url,
      MCP_UPSTREAM_KEY_HEADER: 'X-API-Key',
    }),
  ]);
});

test.afterAll(async () => {
  await Promise.all([serviceApp?.stop(), judgeApp?.stop()]);
  await Promise.all([keyService?.stop(), upstream?.stop()]);
});

const status = (page: Page) => page.getByRole('region', { name: 'Server status' });

async function testKey(page: Page, key: string) {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Test key' }).click();
  await expect(page.getByRole('status')).toContainText('Your key works', { timeout: 15_000 });
}

// @req KEYS-SERVICE
test('a key service: named in the status panel with its last answer; Test your key works; the check turns red when it is down', async ({
  page,
}) => {
  await page.goto(serviceApp.url);
  await expect(status(page)).toContainText('API keysYour key service: not asked yet');
  await testKey(page, SERVICE_KEY);
  await expect(page.getByRole('list', { name: 'Tools' })).toContainText('whoami');
  await page.reload();
  await expect(status(page)).toContainText('Your key service: answered its last question');
  await expect(status(page)).not.toContainText(keyService.url);

  keyService.mode = 'down';
  try {
    await page.getByRole('button', { name: 'Check this deployment' }).click();
    const step = page.locator('li[data-check="key-source"]');
    await expect(step).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
    await expect(step).toContainText('the key service (MCP_KEY_SERVICE_URL) could not answer');
    await expect(step).toContainText('Fix: Check MCP_KEY_SERVICE_URL and MCP_KEY_SERVICE_TOKEN');
    await page.reload();
    await expect(status(page)).toContainText('Your key service: did not answer its last question');
  } finally {
    keyService.mode = 'ok';
  }
});

// @req KEYS-UPSTREAM-JUDGE
test("the upstream as judge: named in the status panel; Test your key lists the upstream's tools", async ({ page }) => {
  await page.goto(judgeApp.url);
  await expect(status(page)).toContainText('API keysThe upstream MCP server (it judges each key)');
  await testKey(page, KEY_A);
  await expect(page.getByRole('list', { name: 'Tools' })).toContainText('whoami');
});
