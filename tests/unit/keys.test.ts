/**
 * The key-source contract, run against every source: the list of keys (`MCP_API_KEYS`) and the
 * list of digests (`MCP_API_KEY_HASHES`). Both must answer the same for the same keys.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDigestKeySource, createListKeySource, fingerprintOf, type KeySource } from '@/lib/keys';

const KEY = 'key_alpha_0123456789abcdefghijkl';
const OTHER = 'key_bravo_0123456789abcdefghijkl';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

describe('fingerprintOf', () => {
  // @req KEY-FINGERPRINT
  it('is the first 16 hex characters of the SHA-256 of the key', async () => {
    expect(await fingerprintOf(KEY)).toBe(sha256(KEY).slice(0, 16));
  });
});

const sources: Array<[string, (keys: string[]) => Promise<KeySource>]> = [
  ['createListKeySource', (keys) => createListKeySource(keys)],
  ['createDigestKeySource', async (keys) => createDigestKeySource(keys.map(sha256))],
];

describe.each(sources)('%s (key-source contract)', (_name, create) => {
  // @req KEY-SOURCE-CONTRACT
  it('identifies a configured key by its fingerprint', async () => {
    const source = await create([KEY, OTHER]);
    expect(await source.identify(KEY)).toEqual({ outcome: 'known', fingerprint: await fingerprintOf(KEY) });
    expect(source.size).toBe(2);
  });

  // @req KEY-MEMBERSHIP
  it('rejects a key that differs by one character, a prefix, an extension, the empty string and an oversized value', async () => {
    const source = await create([KEY]);
    for (const wrong of [KEY.slice(0, -1) + 'X', KEY.slice(0, -1), KEY + 'x', '', ' '.repeat(600)]) {
      expect(await source.identify(wrong)).toEqual({ outcome: 'unknown' });
    }
  });

  // @req KEY-SOURCE-CONTRACT
  it('knows active fingerprints and forgets removed ones', async () => {
    const before = await create([KEY]);
    const after = await create([OTHER]);
    const fp = await fingerprintOf(KEY);
    expect(await before.isActive(fp)).toBe('active');
    expect(await after.isActive(fp)).toBe('inactive');
    // A token subject is opaque: the key itself, or a full digest, is not a fingerprint.
    expect(await before.isActive(KEY)).toBe('inactive');
    expect(await before.isActive(sha256(KEY))).toBe('inactive');
  });

  it('holds 10,000 keys and still identifies each one', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `bulk_key_${i.toString().padStart(20, '0')}`);
    const source = await create(keys);
    expect(source.size).toBe(10_000);
    expect(await source.identify(keys[9_999]!)).toEqual({
      outcome: 'known',
      fingerprint: await fingerprintOf(keys[9_999]!),
    });
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
