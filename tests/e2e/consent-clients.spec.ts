/**
 * The consent page says plainly where the code goes: the client's name (known or self-declared),
 * the redirect host, and a warning when only a program on this computer receives it.
 */
import { expect, test, type Page } from '@playwright/test';
import { KEY_A } from '@/kit/app';
import { authorizeParams, authorizeUrl, pkcePair, REAL_PAYLOADS, register } from '../support/oauth';

const base = () => process.env.E2E_BASE_URL!;

async function open(page: Page, clientId: string, redirectUri: string) {
  const response = await page.goto(
    authorizeUrl(base(), authorizeParams(base(), clientId, redirectUri, pkcePair().challenge)),
  );
  expect(response?.status()).toBe(200);
}

// @req CONSENT-WHERE
test('VS Code on a loopback port: its own name, not vouched for, the loopback host and the localhost warning', async ({
  page,
}) => {
  // Any local program can register VS Code's web callbacks next to its own loopback one: only a
  // known callback makes the name a known one.
  const vscode = await register(base(), REAL_PAYLOADS['VS Code']);
  await open(page, vscode.client_id, 'http://127.0.0.1:33418/');
  await expect(page.getByTestId('client-name')).toHaveText('Visual Studio Code');
  await expect(page.getByTestId('client-known')).toContainText('not one this server knows');
  await expect(page.getByTestId('redirect-host')).toHaveText('127.0.0.1:33418');
  await expect(page.getByTestId('localhost-warning')).toBeVisible();
  await expect(page.getByTestId('localhost-warning')).toContainText('a program on this computer');
});

// @req CONSENT-WHERE
test('VS Code on vscode.dev: the known name, the web host and no localhost warning', async ({ page }) => {
  const vscode = await register(base(), REAL_PAYLOADS['VS Code']);
  await open(page, vscode.client_id, 'https://vscode.dev/redirect');
  await expect(page.getByTestId('client-name')).toHaveText('VS Code');
  await expect(page.getByTestId('client-known')).toContainText('This is a known client');
  await expect(page.getByTestId('redirect-host')).toHaveText('vscode.dev');
  await expect(page.getByTestId('localhost-warning')).toHaveCount(0);
});

// @req CONSENT-WHERE
test("Cursor's app callback: the app's scheme and authority, and authorizing sends the browser there", async ({
  page,
}) => {
  const cursor = await register(base(), REAL_PAYLOADS.Cursor);
  await open(page, cursor.client_id, 'cursor://anysphere.cursor-mcp/oauth/callback');
  await expect(page.getByTestId('client-name')).toHaveText('Cursor');
  await expect(page.getByTestId('redirect-host')).toHaveText('cursor://anysphere.cursor-mcp');
  await page.getByLabel('API key').fill(KEY_A);
  const [reply] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/oauth/authorize/submit')),
    page.getByRole('button', { name: 'Authorize' }).click(),
  ]);
  const { location } = (await reply.json()) as { location: string };
  expect(location).toMatch(/^cursor:\/\/anysphere\.cursor-mcp\/oauth\/callback\?code=[^&]+&(.+&)?iss=/);
});

// @req CONSENT-WHERE
test('an unknown client that calls itself Claude: its own name, marked as not known, with the localhost warning', async ({
  page,
}) => {
  const impostor = await register(base(), {
    client_name: 'Claude',
    redirect_uris: ['http://localhost:9999/cb'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
  });
  await open(page, impostor.client_id, 'http://localhost:9999/cb');
  await expect(page.getByTestId('client-name')).toHaveText('Claude');
  await expect(page.getByTestId('client-known')).toContainText('not one this server knows');
  await expect(page.getByTestId('redirect-host')).toHaveText('localhost:9999');
  await expect(page.getByTestId('localhost-warning')).toBeVisible();
});
