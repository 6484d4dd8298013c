/**
 * Keys that live in the operator's own system (`MCP_KEY_SERVICE_URL`, lib/keys/service.ts): a key
 * service fixture whose table the tests change while a real `next start` runs, asked over HTTP
 * with a bearer token, never with a key or digest in a URL.
 */
import { createHash } from 'node:crypto';
import autocannon from 'autocannon';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyTest } from '@/lib/dashboard/keyTest';
import { startApp, type AppInstance } from '@/kit/app';
import { eventsFor, newRequestId } from '../support/events';
import { postForm, postMcp, rpcMessages } from '@/kit/http';
import { authorizeParams, authorizeUrl, openConsent, pkcePair, submitConsent } from '../support/oauth';
import { startKeyService, type KeyServiceFixture } from '@/kit/fakeServers/keyService';
import { startRedisStack, type RedisStack } from '@/kit/redis';
import { dumpRedis } from '../support/redisDump';

const CACHE_SECONDS = 1;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
let counter = 0;
/** Every key and subject this file issued: none may ever reach Redis. */
const issued: { key: string; subject: string }[] = [];
/** A fresh key and subject for one test, added to the service. */
function newKey(service: KeyServiceFixture): { key: string; subject: string } {
  counter += 1;
  const key = `sk_live_${sha256(`key-${counter}-${Math.random()}`).slice(0, 32)}`;
  const subject = `cus_${counter.toString().padStart(6, '0')}`;
  service.add(key, subject);
  issued.push({ key, subject });
  return { key, subject };
}

let ks: KeyServiceFixture;
let app: AppInstance;
let stack: RedisStack;

beforeAll(async () => {
  [ks, stack] = await Promise.all([startKeyService(), startRedisStack()]);
  app = await startApp({
    UPSTASH_REDIS_REST_URL: stack.restUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.restToken,
    MCP_API_KEYS: undefined,
    MCP_KEY_SERVICE_URL: ks.url,
    MCP_KEY_SERVICE_TOKEN: ks.token,
    MCP_KEY_SERVICE_CACHE_SECONDS: String(CACHE_SECONDS),
    MCP_KEY_SERVICE_STALE_SECONDS: '30',
    MCP_KEY_SERVICE_TIMEOUT_MS: '500',
    RATE_LIMIT_MCP_PER_MINUTE: '1000000',
  });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await Promise.all([ks?.stop(), stack?.stop()]);
});

const tokenFor = (key: string, instance: AppInstance = app) =>
  postForm(`${instance.url}/oauth/token`, { grant_type: 'client_credentials', client_id: 'mcp', client_secret: key });

async function whoami(headers: Record<string, string>): Promise<{ status: number; fingerprint?: unknown }> {
  const res = await postMcp(
    app.url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    { 'Mcp-Protocol-Version': '2025-11-25', ...headers },
  );
  if (res.status !== 200) {
    await res.text();
    return { status: res.status };
  }
  const [message] = await rpcMessages(res);
  return {
    status: 200,
    fingerprint: (message as { result: { structuredContent: { fingerprint: unknown } } }).result.structuredContent
      .fingerprint,
  };
}

describe('a key service', () => {
  // @req KEYS-SERVICE
  it('accepts a key added at runtime, with the subject in tokens and only a keyed hash of it in events', async () => {
    const { key, subject } = newKey(ks);
    const res = await tokenFor(key);
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    expect(decodeJwt(access_token).sub).toBe(subject);
    const served = await whoami({ Authorization: `Bearer ${access_token}` });
    expect(served.status).toBe(200);
    expect(served.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(served.fingerprint).not.toBe(sha256(key).slice(0, 16));
    expect((await whoami({ 'X-API-Key': key })).fingerprint).toBe(served.fingerprint);
    expect(app.output()).not.toContain(subject);
  });

  // @req KEYS-SERVICE
  it('is asked with digests only, a bearer token, and nothing in the URL', async () => {
    const { key } = newKey(ks);
    const before = ks.questions.length;
    expect((await whoami({ 'X-API-Key': key })).status).toBe(200);
    const asked = ks.questions.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    for (const q of asked) {
      expect(q.url).toBe('/v1/mcp-keys');
      expect(q.authorization).toBe(`Bearer ${ks.token}`);
      expect(q.body).not.toContain(key);
    }
    expect(asked.map((q) => JSON.parse(q.body) as unknown)).toContainEqual({ digest: sha256(key) });
  });

  // @req KEYS-SERVICE
  it('refuses a removed key at /mcp and at refresh once the cache period has passed', async () => {
    const { key } = newKey(ks);
    const { access_token } = (await (await tokenFor(key)).json()) as { access_token: string };
    expect((await whoami({ Authorization: `Bearer ${access_token}` })).status).toBe(200);
    ks.remove(key);
    await new Promise((done) => setTimeout(done, CACHE_SECONDS * 1000 + 300));
    expect((await whoami({ Authorization: `Bearer ${access_token}` })).status).toBe(401);
    expect((await whoami({ 'X-API-Key': key })).status).toBe(401);
    expect((await tokenFor(key)).status).toBe(401);
  });

  // @req KEYS-SERVICE-OUTAGE
  it('answers 503 with Retry-After for new keys in an outage, and keeps recently active users working', async () => {
    const known = newKey(ks);
    const { access_token } = (await (await tokenFor(known.key)).json()) as { access_token: string };
    expect((await whoami({ Authorization: `Bearer ${access_token}` })).status).toBe(200);
    const fresh = newKey(ks);
    ks.mode = 'down';
    try {
      await new Promise((done) => setTimeout(done, CACHE_SECONDS * 1000 + 300));
      // The cache has expired: the known subject is served on the stale window.
      expect((await whoami({ Authorization: `Bearer ${access_token}` })).status).toBe(200);
      const requestId = newRequestId('ks-down');
      const res = await postMcp(
        app.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { 'X-API-Key': fresh.key, 'X-Request-Id': requestId },
      );
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      await res.text();
      const events = await eventsFor(app, requestId, 2);
      expect(events.map((e) => [e.event, e.reason])).toEqual([
        ['key_service', 'key_service_unavailable'],
        ['mcp', 'key_source_unavailable'],
      ]);
      const token = await tokenFor(fresh.key);
      expect(token.status).toBe(503);
      expect(((await token.json()) as { error: string }).error).toBe('temporarily_unavailable');
    } finally {
      ks.mode = 'ok';
    }
    expect((await tokenFor(fresh.key)).status).toBe(200);
  });

  // @req KEYS-SERVICE-OUTAGE
  it('answers the consent page 503 in an outage, never "wrong key"', async () => {
    const { key } = newKey(ks);
    const { challenge } = pkcePair();
    const { request } = await openConsent(
      authorizeUrl(app.url, authorizeParams(app.url, 'mcp', 'https://claude.ai/api/mcp/auth_callback', challenge)),
    );
    ks.mode = 'down';
    try {
      const requestId = newRequestId('ks-consent');
      const res = await submitConsent(
        app.url,
        { request, api_key: key, action: 'authorize' },
        { 'X-Request-Id': requestId },
      );
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.text()).not.toContain('not accepted');
      const events = await eventsFor(app, requestId, 2);
      expect(events.map((e) => [e.event, e.reason])).toEqual([
        ['key_service', 'key_service_unavailable'],
        ['consent', 'key_source_unavailable'],
      ]);
    } finally {
      ks.mode = 'ok';
    }
  });

  // @req KEYS-SERVICE-OUTAGE
  it('treats a slow service and a garbage answer as unavailable, never as a wrong key', async () => {
    for (const [mode, reason] of [
      ['slow', 'key_service_unavailable'],
      ['garbage', 'key_service_bad_answer'],
    ] as const) {
      const { key } = newKey(ks);
      ks.mode = mode;
      try {
        const requestId = newRequestId(`ks-${mode}`);
        const res = await postForm(
          `${app.url}/oauth/token`,
          { grant_type: 'client_credentials', client_id: 'mcp', client_secret: key },
          { 'X-Request-Id': requestId },
        );
        expect(res.status, mode).toBe(503);
        const events = await eventsFor(app, requestId, 2);
        expect(events.map((e) => [e.event, e.reason])).toEqual([
          ['key_service', reason],
          ['token', 'key_source_unavailable'],
        ]);
      } finally {
        ks.mode = 'ok';
      }
    }
  });

  // @req KEYS-SERVICE
  it('asks once per subject per cache period under concurrent load, both walls together', async () => {
    const { key, subject } = newKey(ks);
    const { access_token } = (await (await tokenFor(key)).json()) as { access_token: string };
    // Past the cache of the token request's own answer: the next request asks afresh, once.
    await new Promise((done) => setTimeout(done, CACHE_SECONDS * 1000 + 300));
    const before = ks.questions.length;
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: 32 }, () => whoami({ Authorization: `Bearer ${access_token}` }).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array.from({ length: 32 }, () => 200));
    const aboutSubject = ks.questions.slice(before).filter((q) => q.body.includes(subject));
    // One question per cache period that the burst spanned (a loaded machine may need more than
    // one); a cache per wall would ask twice as often.
    const periods = Math.ceil((Date.now() - started) / (CACHE_SECONDS * 1000));
    expect(aboutSubject.length).toBeGreaterThanOrEqual(1);
    expect(aboutSubject.length).toBeLessThanOrEqual(periods);
  });

  // @req KEYS-SERVICE
  it('under 16-connection load for 3 s, asks at most once per subject per cache period', async () => {
    const { key, subject } = newKey(ks);
    const { access_token } = (await (await tokenFor(key)).json()) as { access_token: string };
    const before = ks.questions.length;
    const started = Date.now();
    const result = await autocannon({
      url: `${app.url}/mcp`,
      connections: 16,
      duration: 3,
      method: 'POST',
      headers: {
        Authorization: `Bearer ${access_token}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Protocol-Version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    const elapsed = Date.now() - started;
    const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count]));
    expect(Object.keys(statuses)).toEqual(['200']);
    expect(result.errors + result.timeouts).toBe(0);
    expect(result.requests.total).toBeGreaterThan(200);
    const aboutSubject = ks.questions.slice(before).filter((q) => q.body.includes(subject)).length;
    // One question per cache period the run spanned, both walls together; a cache per wall, or
    // none, would ask twice per period, or per request.
    expect(aboutSubject).toBeGreaterThanOrEqual(1);
    expect(aboutSubject).toBeLessThanOrEqual(Math.ceil(elapsed / (CACHE_SECONDS * 1000)));
  });

  // @req KEYS-SERVICE
  it('is named in /api/health with its last answer, and never its URL or token', async () => {
    const health = await (await fetch(`${app.url}/api/health`)).text();
    expect(JSON.parse(health)).toMatchObject({ keySource: 'service', keyService: 'answered' });
    expect(health).not.toContain(ks.url);
    expect(health).not.toContain(ks.token);
  });
});

describe('the dashboard with a key service', () => {
  // @req KEYS-SERVICE
  it('"Test your key" works with a key the service knows, and says no to one it does not', async () => {
    const { key } = newKey(ks);
    const options = { clientId: 'mcp', tokenUrl: `${app.url}/oauth/token`, mcpUrl: `${app.url}/mcp` };
    const result = await runKeyTest({ ...options, apiKey: key });
    expect(result).toMatchObject({ ok: true, scope: 'mcp' });
    if (!result.ok) return;
    expect(result.tools.map((t) => t.name)).toContain('whoami');
    const unknown = await runKeyTest({ ...options, apiKey: 'sk_live_never_issued_0123456789abcdef' });
    expect(unknown).toMatchObject({ ok: false, step: 'token', failure: { kind: 'invalid_key' } });
  });

  // @req DASH-DEPLOY-CHECK
  it('the deployment check asks the service about a made-up key, by digest, and names what is wrong', async () => {
    const check = async () => {
      const res = await fetch(`${app.url}/api/check/key-source`, { method: 'POST' });
      expect(res.status).toBe(200);
      return (await res.json()) as { ok: boolean; detail: string; fix?: string };
    };
    const before = ks.questions.length;
    const green = await check();
    expect(green.ok).toBe(true);
    expect(green.detail).toMatch(
      /^the key service \(MCP_KEY_SERVICE_URL\) answered in \d+ ms and refused a made-up key, as it must$/,
    );
    const asked = ks.questions.slice(before).map((q) => JSON.parse(q.body) as Record<string, string>);
    expect(asked).toHaveLength(1);
    expect(Object.keys(asked[0]!)).toEqual(['digest']);
    expect(asked[0]!.digest).toMatch(/^[0-9a-f]{64}$/);

    const verdicts: Record<string, { ok: boolean; detail: string; fix?: string }> = {};
    for (const mode of ['yes', 'garbage', 'down'] as const) {
      ks.mode = mode;
      try {
        verdicts[mode] = await check();
      } finally {
        ks.mode = 'ok';
      }
    }
    expect(verdicts.yes).toEqual({
      ok: false,
      detail: 'the key service (MCP_KEY_SERVICE_URL) accepted a made-up key',
      fix: 'Your key service answered {"valid": true} for a digest nobody issued: it must answer {"valid": false} for digests it does not know (docs/key-service.md).',
    });
    expect(verdicts.garbage!.ok).toBe(false);
    expect(verdicts.garbage!.detail).toMatch(/could not answer \(its answer was not the contract after \d+ ms\)$/);
    expect(verdicts.garbage!.fix).toContain('not with {"valid": true, "subject": …} or {"valid": false}');
    expect(verdicts.down!.detail).toMatch(/could not answer \(no usable answer after \d+ ms\)$/);
    expect(verdicts.down!.fix).toContain('Check MCP_KEY_SERVICE_URL and MCP_KEY_SERVICE_TOKEN');
    const all = JSON.stringify(verdicts);
    expect(all).not.toContain(ks.url);
    expect(all).not.toContain(ks.token);
  });
});

describe('MCP_KEY_SERVICE_SEND_KEY', () => {
  // @req KEYS-SERVICE
  it('sends the key itself, for stores that hash with a salt', async () => {
    const other = await startApp({
      MCP_API_KEYS: undefined,
      MCP_KEY_SERVICE_URL: ks.url,
      MCP_KEY_SERVICE_TOKEN: ks.token,
      MCP_KEY_SERVICE_SEND_KEY: '1',
    });
    try {
      const { key } = newKey(ks);
      const before = ks.questions.length;
      expect((await tokenFor(key, other)).status).toBe(200);
      expect(ks.questions.slice(before).map((q) => JSON.parse(q.body) as unknown)).toContainEqual({ key });
    } finally {
      await other.stop();
    }
  }, 60_000);
});

describe('what Redis holds after the key-service tests', () => {
  // @req KEYS-SERVICE
  it('no key, digest or subject the service issued, nor any prefix of them, in any Redis key or value', async () => {
    const { entries, text } = await dumpRedis(stack);
    // The limits and single-use marks of every test above are there (so the dump is not empty).
    expect(entries.length).toBeGreaterThan(5);
    expect(issued.length).toBeGreaterThan(10);
    for (const { key, subject } of issued) {
      for (const secret of [key, key.slice(0, 16), sha256(key), sha256(key).slice(0, 16), subject])
        expect(text).not.toContain(secret);
    }
  });
});
