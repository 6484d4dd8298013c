/**
 * The dashboard in Debian's Chromium against a real `next start`: connect instructions, "Test your
 * key" for a good key, a bad key and a rate-limited key, keyboard-only use, accessibility (axe),
 * layout at 360 px and 1280 px (screenshots kept under test-results/screenshots), and that the key
 * ends up nowhere: not in storage, cookies, the URL, the DOM, the console or any request but one.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page, type Request, type TestInfo } from '@playwright/test';
import { KEY_A, KEY_B, ROOT, startApp, type AppInstance } from '@/kit/app';

const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');
const WRONG_KEY = 'key_wrong_0123456789abcdefghijklm';

function baseUrl(): string {
  const url = process.env.E2E_BASE_URL;
  if (!url) throw new Error('E2E_BASE_URL is not set: run through playwright.config.ts');
  return url;
}

/** Independent of lib/keys: the first 16 hex characters of SHA-256 of the key. */
function expectedFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

type Watch = { consoleErrors: string[]; consoleAll: string[]; requests: Request[] };

function watch(page: Page): Watch {
  const w: Watch = { consoleErrors: [], consoleAll: [], requests: [] };
  page.on('console', (message) => {
    w.consoleAll.push(message.text());
    if (message.type() === 'error') w.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => w.consoleErrors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => w.requests.push(request));
  return w;
}

/** Chromium reports every non-2xx fetch as a console error; only the expected statuses may appear. */
function unexpectedConsoleErrors(w: Watch, allowedStatuses: readonly number[] = []): string[] {
  return w.consoleErrors.filter(
    (text) =>
      !allowedStatuses.some(
        (status) =>
          text === `Failed to load resource: the server responded with a status of ${status} (${statusText(status)})`,
      ),
  );
}

function statusText(status: number): string {
  return ({ 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' } as Record<number, string>)[status] ?? '';
}

/** The key is in no URL, storage, cookie, console line, rendered text or serialized DOM, and in token request bodies only. */
async function expectKeyNowhere(page: Page, w: Watch, key: string) {
  expect(page.url()).not.toContain(key);
  expect(new URL(page.url()).search).toBe('');
  const stored = await page.evaluate(() =>
    JSON.stringify({
      local: { ...localStorage },
      session: { ...sessionStorage },
      cookie: document.cookie,
      history: history.length,
    }),
  );
  expect(stored).not.toContain(key);
  expect(JSON.stringify(await page.context().cookies())).not.toContain(key);
  expect(JSON.stringify(await page.context().storageState())).not.toContain(key);
  expect(w.consoleAll.join('\n')).not.toContain(key);
  expect(await page.locator('body').innerText()).not.toContain(key);
  expect(await page.content()).not.toContain(key);

  const carrying = w.requests.filter(
    (r) => r.url().includes(key) || (r.postData() ?? '').includes(key) || JSON.stringify(r.headers()).includes(key),
  );
  expect(carrying.length).toBeGreaterThan(0);
  expect(new Set(carrying.map((r) => `${r.method()} ${new URL(r.url()).pathname}`))).toEqual(
    new Set(['POST /oauth/token']),
  );
}

function steps(page: Page) {
  return page.getByRole('status').getByRole('listitem');
}

async function testKey(page: Page, key: string) {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Test key' }).click();
}

async function saveScreenshot(page: Page, testInfo: TestInfo, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

async function expectNoHorizontalOverflow(page: Page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test.describe('dashboard', () => {
  // @req DASH-CONNECT
  test('shows the connector URL, the Claude Code command and a curl example built from PUBLIC_URL', async ({
    page,
  }) => {
    const w = watch(page);
    await page.goto(baseUrl());
    await expect(page).toHaveTitle('MCP OAuth gateway');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByText(`${baseUrl()}/mcp`, { exact: true })).toBeVisible();
    await expect(
      page.getByText(`claude mcp add --transport http gateway ${baseUrl()}/mcp`, { exact: true }),
    ).toBeVisible();
    const curl = page.locator('pre', { hasText: 'grant_type=client_credentials' });
    await expect(curl).toContainText(`${baseUrl()}/oauth/token`);
    await expect(curl).toContainText('client_id=mcp');
    await expect(curl).toContainText('client_secret=$MCP_API_KEY');
    expect(unexpectedConsoleErrors(w)).toEqual([]);
  });

  // @req DASH-INSTALL-LINKS
  test('lists ChatGPT, Cursor and VS Code, with install links that decode to this /mcp URL', async ({ page }) => {
    const w = watch(page);
    await page.goto(baseUrl());
    for (const name of ['ChatGPT', 'Cursor', 'VS Code']) {
      await expect(page.getByRole('heading', { level: 3, name, exact: true })).toBeVisible();
    }
    const cursor = new URL((await page.getByRole('link', { name: 'Add to Cursor' }).getAttribute('href'))!);
    expect(cursor.protocol).toBe('cursor:');
    expect(JSON.parse(Buffer.from(cursor.searchParams.get('config')!, 'base64').toString('utf8'))).toEqual({
      url: `${baseUrl()}/mcp`,
    });
    const vscode = (await page.getByRole('link', { name: 'Add to VS Code' }).getAttribute('href'))!;
    expect(JSON.parse(decodeURIComponent(vscode.replace(/^vscode:mcp\/install\?/, '')))).toMatchObject({
      type: 'http',
      url: `${baseUrl()}/mcp`,
    });
    await expect(page.locator('pre', { hasText: '"mcpServers"' })).toContainText(`"url": "${baseUrl()}/mcp"`);
    expect(unexpectedConsoleErrors(w)).toEqual([]);
  });

  // @req DASH-CONNECT
  test('copies the connector URL to the clipboard', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() });
    const w = watch(page);
    await page.goto(baseUrl());
    await page.getByRole('button', { name: 'Copy connector URL' }).click();
    await expect(page.getByText('Copied.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseUrl()}/mcp`);
    expect(unexpectedConsoleErrors(w)).toEqual([]);
  });

  // @req DASH-KEY-TEST @req DASH-KEY-PRIVACY
  test('a good key shows its fingerprint, the token expiry and the whoami tool', async ({ page }) => {
    const w = watch(page);
    await page.goto(baseUrl());
    const before = Date.now();
    await testKey(page, KEY_A);

    await expect(steps(page)).toHaveCount(3);
    for (const item of await steps(page).all()) await expect(item).toContainText('Done');
    await expect(page.getByRole('status')).toContainText('Your key works');
    await expect(page.getByTestId('fingerprint')).toHaveText(expectedFingerprint(KEY_A));
    const expiry = Date.parse((await page.locator('time').getAttribute('datetime')) ?? '');
    // The server's default access-token lifetime is one hour.
    expect(expiry).toBeGreaterThan(before + 59 * 60_000);
    expect(expiry).toBeLessThan(Date.now() + 61 * 60_000);
    const whoami = page.getByRole('list', { name: 'Tools' }).getByRole('listitem').filter({ hasText: 'whoami' });
    await expect(whoami).toContainText('Shows how this connection is authenticated');

    await expectKeyNowhere(page, w, KEY_A);
    expect(unexpectedConsoleErrors(w)).toEqual([]);
  });

  // @req DASH-KEY-FAILURES @req DASH-KEY-PRIVACY @req DASH-A11Y
  test('a key that is not valid gets a plain message, and the later steps do not run', async ({ page }, testInfo) => {
    const w = watch(page);
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(baseUrl());
    await testKey(page, WRONG_KEY);

    const status = page.getByRole('status');
    await expect(status).toContainText('Get an access token failed. This API key is not valid.');
    await expect(steps(page).nth(0)).toContainText('Failed');
    await expect(steps(page).nth(1)).toContainText('Not run');
    await expect(steps(page).nth(2)).toContainText('Not run');
    await expect(page.getByTestId('fingerprint')).toHaveCount(0);
    expect(w.requests.filter((r) => new URL(r.url()).pathname === '/mcp')).toHaveLength(0);

    await expectNoHorizontalOverflow(page);
    await saveScreenshot(page, testInfo, 'dashboard-360-bad-key');
    await expectKeyNowhere(page, w, WRONG_KEY);
    expect(unexpectedConsoleErrors(w, [401])).toEqual([]);
  });

  // @req DASH-KEY-FAILURES
  test('reports a network error when the request never reaches the server', async ({ page }) => {
    await page.goto(baseUrl());
    await page.route('**/oauth/token', (route) => route.abort('internetdisconnected'));
    await testKey(page, KEY_A);
    await expect(page.getByRole('status')).toContainText(
      'Get an access token failed. Network error: the request did not reach the server.',
    );
  });

  // @req DASH-A11Y @req DASH-KEY-PRIVACY
  test('runs from the keyboard alone, with a visible focus ring', async ({ page }) => {
    const w = watch(page);
    await page.goto(baseUrl());
    const input = page.getByLabel('API key');

    let tabs = 0;
    const visited: string[] = [];
    while (!(await input.evaluate((el) => el === document.activeElement))) {
      await page.keyboard.press('Tab');
      visited.push(
        await page.evaluate(
          () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName ?? '',
        ),
      );
      expect(++tabs, `API key field not reached; visited ${visited.join(', ')}`).toBeLessThan(20);
    }
    // Every copy button is on the way, in reading order.
    expect(visited.filter((v) => v.startsWith('Copy '))).toEqual([
      'Copy connector URL',
      'Copy Claude Code command',
      'Copy Cursor configuration',
      'Copy VS Code configuration',
      'Copy token request',
      'Copy MCP request',
    ]);
    await expect(input).toHaveCSS('outline-style', 'solid');
    await page.keyboard.type(KEY_B);
    await page.keyboard.press('Tab');
    const button = page.getByRole('button', { name: 'Test key' });
    await expect(button).toBeFocused();
    await expect(button).toHaveCSS('outline-style', 'solid');
    await expect(button).toHaveCSS('outline-width', '3px');
    await page.keyboard.press('Enter');

    await expect(page.getByTestId('fingerprint')).toHaveText(expectedFingerprint(KEY_B));
    await expect(page.getByRole('list', { name: 'Tools' })).toContainText('whoami');
    // Pressing Enter in the field submits too, and the focus is not lost while the test runs.
    await input.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status')).toContainText('Your key works');
    await expect(input).toBeFocused();
    await expectKeyNowhere(page, w, KEY_B);
    expect(unexpectedConsoleErrors(w)).toEqual([]);
  });

  // @req DASH-A11Y
  test('axe finds no serious or critical violation before a test, after a success and after a failure', async ({
    page,
  }) => {
    const w = watch(page);
    await page.goto(baseUrl());
    await expect(page.getByText('Rate limiter')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await testKey(page, KEY_A);
    await expect(page.getByTestId('fingerprint')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await testKey(page, WRONG_KEY);
    await expect(page.getByRole('status')).toContainText('not valid');
    expect(await seriousViolations(page)).toEqual([]);
    expect(unexpectedConsoleErrors(w, [401])).toEqual([]);
  });

  // @req DASH-A11Y
  test('axe finds no serious or critical violation in the dark colour scheme', async ({ page }, testInfo) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 360, height: 800 });
    await page.goto(baseUrl());
    await testKey(page, KEY_A);
    await expect(page.getByTestId('fingerprint')).toBeVisible();
    await expect(page.getByText('Rate limiter')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await testKey(page, WRONG_KEY);
    await expect(page.getByRole('status')).toContainText('not valid');
    expect(await seriousViolations(page)).toEqual([]);
    await saveScreenshot(page, testInfo, 'dashboard-360-dark-bad-key');
  });

  // @req DASH-A11Y
  test('lays out without horizontal overflow at 360 px and 1280 px', async ({ page }, testInfo) => {
    const w = watch(page);
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(baseUrl());
      await testKey(page, KEY_A);
      await expect(page.getByRole('list', { name: 'Tools' })).toContainText('whoami');
      await expectNoHorizontalOverflow(page);
      const button = await page.getByRole('button', { name: 'Test key' }).boundingBox();
      expect(button).not.toBeNull();
      expect(button!.x + button!.width).toBeLessThanOrEqual(width);
      await saveScreenshot(page, testInfo, `dashboard-${width}`);
    }
    expect(unexpectedConsoleErrors(w)).toEqual([]);
  });

  // @req DASH-STATUS
  test('shows the limiter backend, issuer and version that /api/health reports', async ({ page, request }) => {
    const health = (await (await request.get(`${baseUrl()}/api/health`)).json()) as {
      limiter: string;
      issuer: string;
      version: string;
    };
    await page.goto(baseUrl());
    const status = page.getByRole('region', { name: 'Server status' });
    await expect(status).toContainText(health.limiter === 'upstash' ? 'Upstash Redis' : 'In-memory');
    await expect(status).toContainText(health.issuer);
    await expect(status).toContainText(health.version);
  });

  // @req DASH-STATUS @req DASH-KEY-FAILURES
  test('opened at another address than PUBLIC_URL, it warns and says why /mcp refuses', async ({ page }) => {
    const elsewhere = baseUrl().replace('127.0.0.1', 'localhost');
    const w = watch(page);
    await page.goto(elsewhere);
    await expect(page.getByRole('region', { name: 'Server status' })).toContainText(
      `You opened this page at ${elsewhere}, but connectors use ${baseUrl()}`,
    );
    // The instructions still name PUBLIC_URL, never the address the request came in on.
    await expect(page.getByText(`${baseUrl()}/mcp`, { exact: true })).toBeVisible();
    await testKey(page, KEY_A);
    await expect(page.getByRole('status')).toContainText(
      'Connect to the MCP endpoint failed. The MCP endpoint refuses requests sent to the address this page was opened at.',
    );
    expect(unexpectedConsoleErrors(w, [403])).toEqual([]);
  });

  // @req DASH-KEY-PRIVACY
  test('without JavaScript, submitting the form sends no key and puts nothing in the URL', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const w = watch(page);
    await page.goto(baseUrl());
    await page.getByLabel('API key').fill(KEY_A);
    await page.getByRole('button', { name: 'Test key' }).click();
    await page.waitForLoadState();
    expect(page.url()).not.toContain(KEY_A);
    expect(new URL(page.url()).search).toBe('');
    expect(w.requests.filter((r) => r.url().includes(KEY_A) || (r.postData() ?? '').includes(KEY_A))).toEqual([]);
    await context.close();
  });
});

test.describe('dashboard on an instance with a low token limit and the in-memory limiter', () => {
  let app: AppInstance;
  test.beforeAll(async () => {
    app = await startApp({ RATE_LIMIT_TOKEN_PER_MINUTE: '1' });
  });
  test.afterAll(async () => {
    await app?.stop();
  });

  // @req DASH-KEY-FAILURES @req DASH-KEY-PRIVACY
  test('a rate-limited key is told how many seconds to wait', async ({ page }, testInfo) => {
    const w = watch(page);
    await page.goto(app.url);
    await testKey(page, KEY_A);
    await expect(page.getByRole('status')).toContainText('Your key works');
    await testKey(page, KEY_A);
    const status = page.getByRole('status');
    await expect(status).toContainText('Get an access token failed. Rate limited');
    const wait = /Wait (\d+) seconds?, then try again\./.exec(await status.innerText());
    expect(wait, await status.innerText()).not.toBeNull();
    expect(Number(wait![1])).toBeGreaterThanOrEqual(1);
    expect(Number(wait![1])).toBeLessThanOrEqual(60);
    await expect(page.getByTestId('fingerprint')).toHaveCount(0);
    await saveScreenshot(page, testInfo, 'dashboard-1280-rate-limited');
    await expectKeyNowhere(page, w, KEY_A);
    expect(unexpectedConsoleErrors(w, [429])).toEqual([]);
  });

  // @req DASH-STATUS
  test('the server status warns that the in-memory limiter is for local runs', async ({ page }) => {
    await page.goto(app.url);
    const status = page.getByRole('region', { name: 'Server status' });
    await expect(status).toContainText('In-memory (this process only)');
    await expect(status).toContainText('In-memory rate limiting is for local runs.');
  });
});
