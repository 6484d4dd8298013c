import { bench, describe } from 'vitest';
import { createKeyring, fingerprintOf } from '@/lib/keys';
import { apiKeys, OPTIONS } from './support';

// Membership must not depend on how many keys are configured: it is a lookup in a Map/Set.
const sizes = [1, 100, 10_000] as const;
const rings = await Promise.all(
  sizes.map(async (size) => {
    const keys = apiKeys(size);
    const presented = keys[size - 1]!;
    return { size, ring: await createKeyring(keys), presented, fingerprint: await fingerprintOf(presented) };
  }),
);
for (const { ring, presented, fingerprint } of rings) {
  if ((await ring.identify(presented)) !== fingerprint || !ring.isCurrent(fingerprint)) throw new Error('keyring does not know its key');
}

describe('keyring.identify (SHA-256 of the presented key, then a Map lookup)', () => {
  for (const { size, ring, presented } of rings) {
    bench(`identify, ${size} keys`, async () => {
      await ring.identify(presented);
    }, OPTIONS);
  }
});

// A Set lookup takes nanoseconds, below the timer's resolution per call: timed in batches.
const IS_CURRENT_BATCH = 1000;

describe(`keyring.isCurrent (fingerprint from a token, a Set lookup), ${IS_CURRENT_BATCH} calls per sample`, () => {
  for (const { size, ring, fingerprint } of rings) {
    bench(`isCurrent x${IS_CURRENT_BATCH}, ${size} keys`, () => {
      for (let i = 0; i < IS_CURRENT_BATCH; i++) ring.isCurrent(fingerprint);
    }, OPTIONS);
  }
});
