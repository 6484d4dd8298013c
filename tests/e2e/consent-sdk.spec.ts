/**
 * The official MCP clients complete the connector flow as claude.ai does, with the consent page
 * filled in Chromium: 401 → discovery → registration → authorization URL → consent → finishAuth →
 * tools/list → whoami → refresh.
 */
import { expect, test, type Page } from '@playwright/test';
import { KEY_A } from '@/kit/app';
import { CLAUDE_CALLBACK } from '../support/oauth';
import { runConnectorFlow, type FlowReport } from '../support/sdkFlow';
import { sdkV1, sdkV2 } from '../support/sdkClients';

const base = () => process.env.E2E_BASE_URL!;

function consentInBrowser(page: Page) {
  return async (authorizationUrl: URL): Promise<URL> => {
    await page
      .context()
      .route('https://claude.ai/**', (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<p>callback reached</p>' }),
      );
    await page.goto(authorizationUrl.toString());
    await expect(page.getByTestId('client-name')).toHaveText('Claude');
    await page.getByLabel('API key').fill(KEY_A);
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.href.startsWith(CLAUDE_CALLBACK));
    return new URL(page.url());
  };
}

function expectComplete(report: FlowReport) {
  expect(report.provider.clientInfo?.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(report.callback.searchParams.get('iss')).toBe(base());
  expect(report.tools).toContain('whoami');
  expect(report.whoami).toMatchObject({
    client_id: report.provider.clientInfo!.client_id,
    authenticated_by: 'oauth_bearer',
  });
  expect(report.provider.tokenHistory).toHaveLength(2);
  expect(report.whoamiAfterRefresh).toMatchObject({ fingerprint: report.whoami.fingerprint });
}

// @req CONN-SDK-V2
test('SDK v2 client completes the claude.ai flow with consent filled in Chromium', async ({ page }) => {
  expectComplete(await runConnectorFlow(sdkV2(`${base()}/mcp`), consentInBrowser(page)));
});

// @req CONN-SDK-V1
test('SDK v1 client (as mcp-remote) completes the claude.ai flow with consent filled in Chromium', async ({ page }) => {
  expectComplete(await runConnectorFlow(sdkV1(`${base()}/mcp`), consentInBrowser(page)));
});
