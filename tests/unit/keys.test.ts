import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyring, fingerprintOf } from '@/lib/keys';

const KEY = 'key_alpha_0123456789abcdefghijkl';

describe('fingerprintOf', () => {
  // @req KEY-FINGERPRINT
  it('is the first 16 hex characters of the SHA-256 of the key', async () => {
    expect(await fingerprintOf(KEY)).toBe(createHash('sha256').update(KEY).digest('hex').slice(0, 16));
  });
});

describe('createKeyring', () => {
  it('identifies a configured key by its fingerprint', async () => {
    const ring = await createKeyring([KEY, 'key_bravo_0123456789abcdefghijkl']);
    expect(await ring.identify(KEY)).toBe(await fingerprintOf(KEY));
    expect(ring.size).toBe(2);
  });

  // @req KEY-MEMBERSHIP
  it('rejects a key that differs by one character, a prefix, an extension and the empty string', async () => {
    const ring = await createKeyring([KEY]);
    for (const wrong of [KEY.slice(0, -1) + 'X', KEY.slice(0, -1), KEY + 'x', '', ' '.repeat(600)]) {
      expect(await ring.identify(wrong)).toBeNull();
    }
  });

  it('knows current fingerprints and forgets removed ones', async () => {
    const before = await createKeyring([KEY]);
    const after = await createKeyring(['key_bravo_0123456789abcdefghijkl']);
    const fp = await fingerprintOf(KEY);
    expect(before.isCurrent(fp)).toBe(true);
    expect(after.isCurrent(fp)).toBe(false);
    expect(before.isCurrent(KEY)).toBe(false);
  });

  it('holds 10,000 keys and still identifies each one', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `bulk_key_${i.toString().padStart(20, '0')}`);
    const ring = await createKeyring(keys);
    expect(ring.size).toBe(10_000);
    expect(await ring.identify(keys[9_999]!)).toBe(await fingerprintOf(keys[9_999]!));
  });
});
