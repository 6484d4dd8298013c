/**
 * mcp-remote 0.15.1 (the stdio bridge Claude Desktop users run for remote servers) against the
 * gateway: its own OAuth flow with the consent filled in Chromium, then MCP over its stdio. The
 * "browser" mcp-remote opens is a script that records the URL (BROWSER, through xdg-open), so the
 * test opens it in Playwright's Chromium instead.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createTokenService } from '@/lib/tokens';
import { KEY_A, ROOT } from '@/kit/app';
import { freePort, waitFor } from '@/kit/ports';

const base = () => process.env.E2E_BASE_URL!;

type Bridge = {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  opened: () => string[];
  configDir: string;
  callbackPort: number;
  close(): Promise<void>;
};

async function startBridge(configDir: string, callbackPort?: number): Promise<Bridge> {
  const work = mkdtempSync(join(tmpdir(), 'mcp-remote-'));
  const urls = join(work, 'opened.txt');
  const browser = join(work, 'browser.sh');
  writeFileSync(browser, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urls}'\n`);
  chmodSync(browser, 0o755);
  callbackPort ??= await freePort();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/mcp-remote/dist/proxy.js'), `${base()}/mcp`, String(callbackPort), '--allow-http'],
    {
      cwd: work,
      // No DISPLAY: xdg-open falls back to $BROWSER, our recorder.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        BROWSER: browser,
        MCP_REMOTE_CONFIG_DIR: configDir,
      } as unknown as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    stderr: () => stderr,
    opened: () => (existsSync(urls) ? readFileSync(urls, 'utf8').split('\n').filter(Boolean) : []),
    configDir,
    callbackPort,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Sends JSON-RPC messages over the bridge's stdin and collects the answers by id. */
function rpc(child: ChildProcessWithoutNullStreams) {
  let buffer = '';
  const waiting = new Map<number, (message: Record<string, unknown>) => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      const message = JSON.parse(line) as { id?: number };
      if (typeof message.id === 'number') waiting.get(message.id)?.(message);
    }
  });
  return {
    send(message: Record<string, unknown>) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    },
    request(id: number, method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
      const answer = new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${method}`)), 30_000);
        waiting.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      return answer;
    },
  };
}

async function consentInChromium(page: Page, bridge: Bridge, authorizationUrl: string) {
  await page.goto(authorizationUrl);
  await expect(page.getByTestId('redirect-host')).toHaveText(`localhost:${bridge.callbackPort}`);
  await expect(page.getByTestId('localhost-warning')).toBeVisible();
  await page.getByLabel('API key').fill(KEY_A);
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.waitForURL((url) => url.port === String(bridge.callbackPort));
}

async function expectMcpOverStdio(bridge: Bridge) {
  const session = rpc(bridge.child);
  const init = await session.request(1, 'initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'e2e', version: '1.0.0' },
  });
  expect(init.result).toMatchObject({ serverInfo: expect.any(Object) });
  session.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const tools = (await session.request(2, 'tools/list')) as { result: { tools: Array<{ name: string }> } };
  expect(tools.result.tools.map((t) => t.name)).toContain('whoami');
}

/** Waits for the bridge to open the authorization URL; on failure, says what the bridge printed. */
async function waitForOpened(bridge: Bridge): Promise<void> {
  await waitFor(async () => bridge.opened().length > 0, 30_000, 'mcp-remote to open the authorization URL').catch(
    (error: Error) => {
      throw new Error(`${error.message}; mcp-remote printed:\n${bridge.stderr()}`);
    },
  );
}

function clientIdOf(url: string): string {
  return new URL(url).searchParams.get('client_id')!;
}

// @req CONN-MCP-REMOTE
test('mcp-remote registers, gets consent in Chromium, and serves initialize and tools/list over stdio', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const configDir = mkdtempSync(join(tmpdir(), 'mcp-remote-store-'));
  const bridge = await startBridge(configDir);
  try {
    await waitForOpened(bridge);
    const [opened] = bridge.opened();
    expect(new URL(opened!).origin + new URL(opened!).pathname).toBe(`${base()}/oauth/authorize`);
    await consentInChromium(page, bridge, opened!);
    await expectMcpOverStdio(bridge);
    expect(bridge.opened()).toHaveLength(1);
  } finally {
    await bridge.close();
    rmSync(configDir, { recursive: true, force: true });
  }
});

// @req CONN-MCP-REMOTE-STALE
// @req AUTHZ-JSON-REFUSAL
test('mcp-remote with a cached registration signed by another AUTH_SECRET gets a JSON invalid_client, re-registers once, and signs in', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const configDir = mkdtempSync(join(tmpdir(), 'mcp-remote-store-'));
  // First run: a real registration lands in the store; stop before signing in.
  const first = await startBridge(configDir);
  await waitForOpened(first);
  await first.close();
  const storeDir = join(configDir, 'mcp-remote-v1');
  const infoFile = readdirSync(storeDir).find((name) => name.endsWith('_client_info.json'))!;
  const info = JSON.parse(readFileSync(join(storeDir, infoFile), 'utf8')) as { client_id: string };

  // The same registration, as a server with another AUTH_SECRET signed it: it no longer verifies.
  const other = await createTokenService({
    secret: new Uint8Array(32).fill(7),
    issuer: base(),
    resource: `${base()}/mcp`,
  });
  const { token: stale } = await other.issue(
    'client',
    { ru: ['http://localhost/oauth/callback'], am: 'none', cn: 'MCP CLI Proxy' },
    null,
  );
  writeFileSync(join(storeDir, infoFile), JSON.stringify({ ...info, client_id: stale }));
  for (const name of readdirSync(storeDir)) if (!name.endsWith('_client_info.json')) rmSync(join(storeDir, name));

  // The same callback port: otherwise mcp-remote drops the cached registration itself.
  const stuck = await startBridge(configDir, first.callbackPort);
  const savedId = () => (JSON.parse(readFileSync(join(storeDir, infoFile), 'utf8')) as { client_id: string }).client_id;
  let fresh: string;
  try {
    // It printed the URL for the stale client, checked it itself (Accept: application/json), got
    // JSON invalid_client, and registered again; no browser was sent to an error page.
    await waitFor(async () => savedId() !== stale, 30_000, 'mcp-remote to re-register').catch((error: Error) => {
      throw new Error(`${error.message}; mcp-remote printed:\n${stuck.stderr()}`);
    });
    fresh = savedId();
    expect(stuck.stderr()).toContain(`client_id=${encodeURIComponent(stale)}`);
    expect(fresh).not.toBe(info.client_id);
    // mcp-remote 0.15.1 then suppresses its own second redirect in the same process ("a sign-in
    // for this server is already under way"): the user's next start (Reconnect) signs in.
    await waitFor(async () => stuck.stderr().includes('already under way'), 10_000, 'mcp-remote to settle');
    expect(stuck.opened()).toHaveLength(0);
  } finally {
    await stuck.close();
  }

  const bridge = await startBridge(configDir, first.callbackPort);
  try {
    await waitForOpened(bridge);
    const [opened] = bridge.opened();
    expect(clientIdOf(opened!)).toBe(fresh);
    await consentInChromium(page, bridge, opened!);
    await expectMcpOverStdio(bridge);
    expect(bridge.opened()).toHaveLength(1);
    // One re-registration in all: the sign-in used the registration made after the refusal.
    expect(savedId()).toBe(fresh);
  } finally {
    await bridge.close();
    rmSync(configDir, { recursive: true, force: true });
  }
});
