/**
 * The token endpoint's time for a wrong key must not depend on how much of it matches a real key:
 * membership is a lookup of the presented key's hash. Interleaved samples, medians compared with a
 * loose bound, so machine noise cannot make it flaky while a prefix-dependent compare would show.
 */
import { describe, expect, inject, it } from 'vitest';
import { KEY_A } from '@/kit/app';
import { postForm } from '@/kit/http';

const SAMPLES = 120;

async function timeWrongKey(secret: string): Promise<number> {
  const start = performance.now();
  const res = await postForm(`${inject('appUrl')}/oauth/token`, {
    grant_type: 'client_credentials',
    client_id: 'mcp',
    client_secret: secret,
  });
  await res.text();
  expect(res.status).toBe(401);
  return performance.now() - start;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('token endpoint timing', () => {
  // @req ADV-TIMING
  it('takes as long for a wrong key sharing all but one character with a real key as for an unrelated one', async () => {
    const nearMiss = `${KEY_A.slice(0, -1)}#`;
    const unrelated = `#${'z'.repeat(KEY_A.length - 1)}`;
    const near: number[] = [];
    const far: number[] = [];
    for (let i = 0; i < 10; i++) await timeWrongKey(unrelated); // warm-up
    for (let i = 0; i < SAMPLES; i++) {
      near.push(await timeWrongKey(nearMiss));
      far.push(await timeWrongKey(unrelated));
    }
    const ratio = median(near) / median(far);
    expect(ratio).toBeGreaterThan(0.67);
    expect(ratio).toBeLessThan(1.5);
  });
});
