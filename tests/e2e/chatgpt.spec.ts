/**
 * ChatGPT connecting, with a person at the consent page in Chromium: for each of ChatGPT's two
 * document shapes (served by a real HTTPS server with a throwaway CA), the browser is sent to the
 * consent page with the document's URL as client_id, the user pastes a key and authorizes, and the
 * browser lands on ChatGPT's callback with the code. ChatGPT's servers then redeem it with a signed
 * assertion (jose, a real RSA or EC key), call a tool on /mcp, refresh with a new assertion and
 * revoke. chatgpt.com itself is answered by the browser's request interception: nothing leaves.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import {
  clientAssertion,
  PER_APP_DOCUMENT,
  serveChatGpt,
  SHARED_DOCUMENT,
  signer,
  withAssertion,
  type Signer,
} from '../support/chatgpt';
import { startCimdServer, type CimdServer } from '@/kit/fakeServers/cimdServer';
import { postForm, whoamiWithToken } from '@/kit/http';
import { authorizeParams, authorizeUrl, pkcePair } from '../support/oauth';

let docs: CimdServer;
let app: AppInstance;
let rsa: Signer;
let ec: Signer;

test.beforeAll(async () => {
  [docs, rsa, ec] = await Promise.all([startCimdServer(), signer('RS256', 'rsa-1'), signer('ES256', 'ec-1')]);
  serveChatGpt(docs, SHARED_DOCUMENT.path, SHARED_DOCUMENT.redirect, () => ({ keys: [rsa.jwk] }), {
    token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
  });
  serveChatGpt(docs, PER_APP_DOCUMENT.path, PER_APP_DOCUMENT.redirect, () => ({ keys: [rsa.jwk, ec.jwk] }));
  app = await startApp({ NODE_EXTRA_CA_CERTS: docs.caFile, CIMD_ALLOW_PRIVATE_HOSTS: '1' });
});

test.afterAll(async () => {
  await app?.stop();
  await docs?.stop();
});

for (const [shape, document, key] of [
  ['the shared document (none and private_key_jwt)', SHARED_DOCUMENT, () => rsa],
  ['a per-app document (private_key_jwt only), ES256', PER_APP_DOCUMENT, () => ec],
] as const) {
  // @req CIMD-PRIVATE-KEY-JWT
  test(`ChatGPT connects through the consent page: ${shape}`, async ({ page }) => {
    const clientId = `${docs.origin}${document.path}`;
    const tokenEndpoint = `${app.url}/oauth/token`;
    const { verifier, challenge } = pkcePair();
    const params = authorizeParams(app.url, clientId, document.redirect, challenge);
    // chatgpt.com is not reachable from here: the browser's arrival there is answered locally.
    await page.route('https://chatgpt.com/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<title>ChatGPT</title>Connected' }),
    );

    await page.goto(authorizeUrl(app.url, params));
    await expect(page.getByTestId('client-name')).toHaveText('ChatGPT');
    await expect(page.getByTestId('client-id-host')).toHaveText(new URL(docs.origin).host);
    await expect(page.getByTestId('redirect-host')).toHaveText('chatgpt.com');
    await expect(page.getByTestId('localhost-warning')).toHaveCount(0);
    const violations = (await new AxeBuilder({ page }).analyze()).violations.filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(violations.map((v) => v.id)).toEqual([]);
    await page.getByLabel('API key').fill(KEY_A);
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.href.startsWith(document.redirect));

    const callback = new URL(page.url());
    expect(callback.origin + callback.pathname).toBe(document.redirect);
    expect(callback.searchParams.get('state')).toBe(params.state);
    expect(callback.searchParams.get('iss')).toBe(app.url);
    const code = callback.searchParams.get('code')!;
    expect(code).toMatch(/^[\w.-]{20,}$/);

    const exchanged = await postForm(tokenEndpoint, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: document.redirect,
      resource: `${app.url}/mcp`,
      ...withAssertion(await clientAssertion(tokenEndpoint, clientId, key()), clientId),
    });
    expect(exchanged.status, await exchanged.clone().text()).toBe(200);
    const tokens = (await exchanged.json()) as { access_token: string; refresh_token: string; scope: string };
    expect(tokens.scope).toBe('mcp offline_access');
    expect(await whoamiWithToken(app.url, tokens.access_token)).toMatchObject({
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    });

    const refreshed = await postForm(tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      ...withAssertion(await clientAssertion(tokenEndpoint, clientId, key())),
    });
    expect(refreshed.status, await refreshed.clone().text()).toBe(200);
    const second = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect(await whoamiWithToken(app.url, second.access_token)).toMatchObject({ fingerprint: expect.any(String) });

    const revoked = await postForm(`${app.url}/oauth/revoke`, {
      token: second.refresh_token,
      ...withAssertion(await clientAssertion(tokenEndpoint, clientId, key()), clientId),
    });
    expect(revoked.status).toBe(200);
    const dead = await postForm(tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token,
      ...withAssertion(await clientAssertion(tokenEndpoint, clientId, key()), clientId),
    });
    expect(dead.status).toBe(400);
    expect(((await dead.json()) as { error: string }).error).toBe('invalid_grant');
  });
}
