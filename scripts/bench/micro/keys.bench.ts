import { bench, describe } from 'vitest';
import { createListKeySource, fingerprintOf } from '@/lib/keys';
import { apiKeys, OPTIONS } from './support';

// Membership must not depend on how many keys are configured: it is a lookup in a Map.
const sizes = [1, 100, 10_000] as const;
const sources = await Promise.all(
  sizes.map(async (size) => {
    const keys = apiKeys(size);
    const presented = keys[size - 1]!;
    return { size, source: await createListKeySource(keys), presented, fingerprint: await fingerprintOf(presented) };
  }),
);
for (const { source, presented, fingerprint } of sources) {
  const known = await source.identify(presented);
  if (
    known.outcome !== 'known' ||
    known.fingerprint !== fingerprint ||
    (await source.isActive(fingerprint)) !== 'active'
  ) {
    throw new Error('key source does not know its key');
  }
}

describe('keys.identify (SHA-256 of the presented key, then a Map lookup)', () => {
  for (const { size, source, presented } of sources) {
    bench(
      `identify, ${size} keys`,
      async () => {
        await source.identify(presented);
      },
      OPTIONS,
    );
  }
});

// A Map lookup takes nanoseconds, below the timer's resolution per call: timed in batches.
const IS_ACTIVE_BATCH = 1000;

describe(`keys.isActive (fingerprint from a token, a Map lookup), ${IS_ACTIVE_BATCH} calls per sample`, () => {
  for (const { size, source, fingerprint } of sources) {
    bench(
      `isActive x${IS_ACTIVE_BATCH}, ${size} keys`,
      async () => {
        for (let i = 0; i < IS_ACTIVE_BATCH; i++) await source.isActive(fingerprint);
      },
      OPTIONS,
    );
  }
});
