/**
 * The dashboard of a gateway in front of a real upstream MCP server (server-everything,
 * session-ful), in Debian's Chromium: the server-status panel names the backend, and "Test your
 * key" lists the upstream's tools through its session.
 */
import { expect, test } from '@playwright/test';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import { startEverything, type EverythingServer } from '@/kit/fakeServers/everything';

let upstream: EverythingServer;
let app: AppInstance;

test.beforeAll(async () => {
  upstream = await startEverything();
  app = await startApp({ MCP_UPSTREAM_URL: upstream.url });
});

test.afterAll(async () => {
  await app?.stop();
  await upstream?.stop();
});

test.describe('dashboard with an upstream backend', () => {
  // @req UP-HEALTH
  test('the server status says an upstream MCP server serves /mcp, by host only', async ({ page }) => {
    await page.goto(app.url);
    const status = page.getByRole('region', { name: 'Server status' });
    const { host } = new URL(upstream.url);
    await expect(status).toContainText(`Upstream MCP server ${host} (reached)`);
    await expect(status).not.toContainText(`${host}/`);
  });

  // @req UP-DASHBOARD
  test('"Test your key" lists the upstream server\'s tools', async ({ page }) => {
    await page.goto(app.url);
    await page.getByLabel('API key').fill(KEY_A);
    await page.getByRole('button', { name: 'Test key' }).click();
    await expect(page.getByRole('status')).toContainText('Your key works');
    const tools = page.getByRole('list', { name: 'Tools' });
    await expect(tools).toContainText('trigger-long-running-operation');
    await expect(tools).toContainText('get-sum');
    await expect(tools).not.toContainText('whoami');
    await expect.poll(() => upstream.output()).toMatch(/Received session termination request/);
  });
});
