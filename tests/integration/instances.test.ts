import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_A, KEY_B, runNextStart, startApp, TEST_SECRET, type AppInstance } from '@/kit/app';
import { clientCredentialsToken, INITIALIZE, postMcp } from '@/kit/http';
import { freePort } from '@/kit/ports';

// Instances behind one public origin, as several serverless instances would be. A non-loopback
// PUBLIC_URL also means each instance is reachable on its own port without the rebinding guard.
const PUBLIC = { PUBLIC_URL: 'https://mcp.test' };
const NEW_SECRET = 'b'.repeat(64);

let first: AppInstance;
let withoutKeyA: AppInstance;
let rotated: AppInstance;

beforeAll(async () => {
  [first, withoutKeyA, rotated] = await Promise.all([
    startApp(PUBLIC),
    startApp({ ...PUBLIC, MCP_API_KEYS: KEY_B }),
    startApp({ ...PUBLIC, AUTH_SECRET: NEW_SECRET, AUTH_SECRET_PREVIOUS: TEST_SECRET }),
  ]);
});
afterAll(async () => {
  await Promise.all([first, withoutKeyA, rotated].map((app) => app?.stop()));
});

const status = async (app: AppInstance, token: string) =>
  (await postMcp(app.url, INITIALIZE, { Authorization: `Bearer ${token}` })).status;

describe('instances that share nothing but configuration', () => {
  // @req KEY-REVOCATION
  it('revokes the live tokens of a key removed from MCP_API_KEYS and accepts the others', async () => {
    const tokenA = await clientCredentialsToken(first.url, KEY_A);
    const tokenB = await clientCredentialsToken(first.url, KEY_B);
    expect(await status(first, tokenA)).toBe(200);
    const revoked = await postMcp(withoutKeyA.url, INITIALIZE, { Authorization: `Bearer ${tokenA}` });
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await status(withoutKeyA, tokenB)).toBe(200);
  });

  // @req TOK-ROTATION
  it('accepts tokens of AUTH_SECRET_PREVIOUS after a rotation, while the old instance refuses the new ones', async () => {
    const old = await clientCredentialsToken(first.url, KEY_A);
    expect(await status(rotated, old)).toBe(200);
    const fresh = await clientCredentialsToken(rotated.url, KEY_A);
    expect(await status(rotated, fresh)).toBe(200);
    expect(await status(first, fresh)).toBe(401);
  });
});

describe('instances configured by digests, and without a trusted address', () => {
  // @req KEY-SOURCE-CONTRACT
  it('serves a key listed only by its SHA-256 digest, holding no key at all', async () => {
    const { createHash } = await import('node:crypto');
    const digests = startApp({
      ...PUBLIC,
      MCP_API_KEYS: undefined,
      MCP_API_KEY_HASHES: createHash('sha256').update(KEY_A).digest('hex'),
    });
    const app = await digests;
    try {
      const token = await clientCredentialsToken(app.url, KEY_A);
      expect(await status(app, token)).toBe(200);
      expect((await postMcp(app.url, INITIALIZE, { 'X-API-Key': KEY_A })).status).toBe(200);
      expect((await postMcp(app.url, INITIALIZE, { 'X-API-Key': KEY_B })).status).toBe(401);
    } finally {
      await app.stop();
    }
  });

  // @req RL-NO-TRUSTED-ADDRESS
  it('warns once at start that no client address can be trusted, and lets a right key through after many wrong ones', async () => {
    expect(first.output().match(/^Warning: no client address can be trusted/gm)).toHaveLength(1);
    for (let i = 0; i < 25; i++)
      expect((await postMcp(first.url, INITIALIZE, { 'X-API-Key': `wrong_${i}_0123456789abcdefghijkl` })).status).toBe(
        401,
      );
    expect((await postMcp(first.url, INITIALIZE, { 'X-API-Key': KEY_A })).status).toBe(200);
  });
});

describe('next start with an unsafe production configuration', () => {
  // @req CFG-PROD-REFUSE
  it.each([
    ['AUTH_SECRET', { AUTH_SECRET: undefined }],
    ['AUTH_SECRET', { AUTH_SECRET: 'ab'.repeat(16) }],
    ['MCP_API_KEYS', { MCP_API_KEYS: undefined }],
    ['MCP_API_KEYS', { MCP_API_KEYS: `${KEY_A},too-short-key` }],
    ['PUBLIC_URL', { PUBLIC_URL: undefined }],
    // @req CFG-MALFORMED-ONE-LINE
    ['AUTH_SECRET', { AUTH_SECRET: 'short' }],
    ['AUTH_SECRET', { AUTH_SECRET: 'ab cd'.repeat(20) }],
    ['AUTH_SECRET', { AUTH_SECRET: 'a'.repeat(100_000) }],
    ['MCP_API_KEY_HASHES', { MCP_API_KEYS: undefined, MCP_API_KEY_HASHES: `${'a'.repeat(64)},not-a-digest` }],
    ['MCP_API_KEY_HASHES', { MCP_API_KEY_HASHES: 'a'.repeat(64) }],
    ['MCP_UPSTREAM_URL', { MCP_UPSTREAM_URL: 'http://upstream.example.com/mcp' }],
  ])('exits non-zero naming %s and never serves a request', async (setting, override) => {
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      AUTH_SECRET: TEST_SECRET,
      MCP_API_KEYS: KEY_A,
      NEXT_TELEMETRY_DISABLED: '1',
    };
    for (const [name, value] of Object.entries(override)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const { exited } = runNextStart(env, port);
    let served = false;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      served ||= await fetch(`http://127.0.0.1:${port}/api/health`).then(
        () => true,
        () => false,
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    const { code, output } = await exited;
    expect(code).not.toBe(0);
    expect(served).toBe(false);
    const refusal = output.split('\n').filter((line) => line.startsWith('Refusing to start:'));
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toContain(setting);
    expect(output).not.toContain(TEST_SECRET);
  });
});
