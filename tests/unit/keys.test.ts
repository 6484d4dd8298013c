/**
 * The key-source contract, run against every source: the list of keys (`MCP_API_KEYS`) and the
 * list of digests (`MCP_API_KEY_HASHES`). Both must answer the same for the same keys.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDigestKeySource,
  createKeyServiceSource,
  createListKeySource,
  fingerprintOf,
  type Identification,
  type KeySource,
} from '@/lib/keys';
import { startKeyService, type KeyServiceFixture } from '../support/keyService';

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
let subjects = 0;
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
});

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

  it('holds 10,000 keys and still identifies each one', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `bulk_key_${i.toString().padStart(20, '0')}`);
    const source = await create(keys);
    expect([10_000, null]).toContain(source.size);
    const subject = subjectOf(await source.identify(keys[9_999]!));
    expect(subjectOf(await source.identify(keys[0]!))).not.toBe(subject);
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
