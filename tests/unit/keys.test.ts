/**
 * The key-source contract, run against every source: the list of keys (`MCP_API_KEYS`), the list
 * of digests (`MCP_API_KEY_HASHES`), a key service (a real one on node:http) and the upstream as
 * judge (a real SDK v2 MCP server that takes API keys). All must answer the same for the same keys;
 * the one difference is where a removed key is noticed (below).
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDigestKeySource,
  createKeyServiceSource,
  createListKeySource,
  createUpstreamJudgeSource,
  fingerprintOf,
  type Identification,
  type KeySource,
} from '@/lib/keys';
import { startApiKeyServer, type ApiKeyServer } from '@/kit/fakeServers/apiKeyServer';
import { startKeyService, type KeyServiceFixture } from '@/kit/fakeServers/keyService';

const KEY = 'key_alpha_0123456789abcdefghijkl';
const OTHER = 'key_bravo_0123456789abcdefghijkl';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('fingerprintOf', () => {
  // @req KEY-FINGERPRINT
  it('is the first 16 hex characters of the SHA-256 of the key', async () => {
    expect(await fingerprintOf(KEY)).toBe(sha256(KEY).slice(0, 16));
  });
});

const services: KeyServiceFixture[] = [];
const upstreams: ApiKeyServer[] = [];
let subjects = 0;
afterAll(async () => {
  await Promise.all([...services.map((s) => s.stop()), ...upstreams.map((u) => u.stop())]);
});

/** The upstream as judge, in front of a real API-key MCP server that accepts exactly `keys`. */
async function upstreamJudgeSource(keys: string[]): Promise<KeySource> {
  const upstream = await startApiKeyServer({ header: 'x-api-key', keys });
  upstreams.push(upstream);
  return createUpstreamJudgeSource(
    { url: upstream.url, apiKeyHeader: 'x-api-key', timeoutMs: 5000 },
    { isolated: true },
  );
}

/** A real key service (node:http) holding `keys`, each under a subject of its own, and a source asking it. */
async function keyServiceSource(keys: string[]): Promise<KeySource> {
  const service = await startKeyService();
  services.push(service);
  // Subjects unique across services, as a real store's customer ids are.
  for (const key of keys) service.add(key, `cus_${(subjects += 1)}`);
  return createKeyServiceSource({
    settings: {
      kind: 'service',
      url: service.url,
      token: service.token,
      sendKey: false,
      timeoutMs: 3000,
      cacheSeconds: 60,
      staleSeconds: 300,
    },
    subjectHashKey: new Uint8Array(32).fill(7),
    isolated: true,
  });
}

const sources: Array<[string, (keys: string[]) => Promise<KeySource>]> = [
  ['createListKeySource', (keys) => createListKeySource(keys)],
  ['createDigestKeySource', async (keys) => createDigestKeySource(keys.map(sha256))],
  ['createKeyServiceSource', keyServiceSource],
  ['createUpstreamJudgeSource', upstreamJudgeSource],
];

/** The known answer's subject; fails the test on any other outcome. */
function subjectOf(answer: Identification): string {
  if (answer.outcome !== 'known') throw new Error(`expected a known key, got ${answer.outcome}`);
  expect(answer.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  return answer.subject;
}

describe.each(sources)('%s (key-source contract)', (_name, create) => {
  // @req KEY-SOURCE-CONTRACT
  it('identifies a configured key by a subject whose fingerprint it gives', async () => {
    const source = await create([KEY, OTHER]);
    const answer = await source.identify(KEY);
    const subject = subjectOf(answer);
    expect(answer).toEqual({ outcome: 'known', subject, fingerprint: source.fingerprintOfSubject(subject) });
    expect(subjectOf(await source.identify(OTHER))).not.toBe(subject);
    expect([2, null]).toContain(source.size);
  });

  // @req KEY-MEMBERSHIP
  it('rejects a key that differs by one character, a prefix, an extension, the empty string and an oversized value', async () => {
    const source = await create([KEY]);
    for (const wrong of [KEY.slice(0, -1) + 'X', KEY.slice(0, -1), KEY + 'x', '', ' '.repeat(600)]) {
      expect(await source.identify(wrong)).toEqual({ outcome: 'unknown' });
    }
  });

  it('holds 10,000 keys and still identifies each one', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `bulk_key_${i.toString().padStart(20, '0')}`);
    const source = await create(keys);
    expect([10_000, null]).toContain(source.size);
    const subject = subjectOf(await source.identify(keys[9_999]!));
    expect(subjectOf(await source.identify(keys[0]!))).not.toBe(subject);
  });
});

// The judge holds no key to ask about a subject: a removed key is its upstream's 401 at /mcp and
// a fresh "no" at refresh (below, and tests/integration/upstream-judge.test.ts).
describe.each(sources.filter(([name]) => name !== 'createUpstreamJudgeSource'))(
  '%s (key-source contract: activity)',
  (_name, create) => {
    // @req KEY-SOURCE-CONTRACT
    it('knows active subjects and forgets removed ones', async () => {
      const before = await create([KEY]);
      const after = await create([OTHER]);
      const subject = subjectOf(await before.identify(KEY));
      expect(await before.isActive(subject)).toBe('active');
      expect(await after.isActive(subject)).toBe('inactive');
      // A token subject is opaque: the key itself, or a full digest, is not a fingerprint.
      expect(await before.isActive(KEY)).toBe('inactive');
      expect(await before.isActive(sha256(KEY))).toBe('inactive');
    });
  },
);

describe('the upstream as judge', () => {
  // @req KEY-SOURCE-CONTRACT
  it('asks a modern upstream with server/discover, no session; a removed key is a fresh "no"', async () => {
    const upstream = await startApiKeyServer({ header: 'x-api-key', keys: [KEY] });
    upstreams.push(upstream);
    const judge = createUpstreamJudgeSource(
      { url: upstream.url, apiKeyHeader: 'x-api-key', timeoutMs: 5000 },
      { isolated: true },
    );
    const subject = subjectOf(await judge.identify(KEY));
    expect(subject).toBe(await fingerprintOf(KEY));
    expect(upstream.seen.map((r) => [r.method, r.headers['mcp-protocol-version']])).toEqual([['POST', '2026-07-28']]);
    upstream.revoke(KEY);
    // Cached for a minute, so /mcp stays fast; the refresh grant asks afresh.
    expect((await judge.identify(KEY)).outcome).toBe('known');
    expect(await judge.identify(KEY, { fresh: true })).toEqual({ outcome: 'unknown' });
  });
});

describe('the list and digest sources', () => {
  // @req KEY-SOURCE-CONTRACT
  it("name a key by its fingerprint: subject and fingerprint are both SHA-256's first 16 hex", async () => {
    for (const source of [await createListKeySource([KEY]), createDigestKeySource([sha256(KEY)])]) {
      const fingerprint = await fingerprintOf(KEY);
      expect(await source.identify(KEY)).toEqual({ outcome: 'known', subject: fingerprint, fingerprint });
    }
  });
});

describe('holdsKeys', () => {
  // @req KEY-SOURCE-CONTRACT
  it('hands a key back by fingerprint only from the list source; the digest source holds none', async () => {
    const list = await createListKeySource([KEY]);
    const digests = createDigestKeySource([sha256(KEY)]);
    expect(list.holdsKeys && (await list.keyFor(await fingerprintOf(KEY)))).toBe(KEY);
    expect(list.holdsKeys && (await list.keyFor(await fingerprintOf(OTHER)))).toBeNull();
    expect(digests.holdsKeys).toBe(false);
    expect('keyFor' in digests).toBe(false);
  });
});
