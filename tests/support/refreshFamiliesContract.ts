/**
 * The behaviour every refresh-family backend must show (`lib/oauth/state/refreshFamilies.ts`), run against the
 * in-memory backend and against Upstash on a real Redis. Spend times are passed explicitly, as the
 * grant passes its clock; only expiry needs real time to pass for Redis (`advance`).
 */
import { expect, it } from 'vitest';
import { randomHex } from '../../lib/crypto/random';
import type { RefreshFamilies, SpendRequest } from '../../lib/oauth/state/refreshFamilies';

export type FamiliesSubject = {
  readonly families: RefreshFamilies;
  /** Lets `seconds` pass for the backend's expiry (a real wait for Redis; nothing for memory, which follows the `now` it is given). */
  readonly advance: (seconds: number) => Promise<void>;
};

const T = 1_900_000_000;

function request(family: string, generation: number, now: number, extra: Partial<SpendRequest> = {}): SpendRequest {
  return { family, generation, now, spentTtlSeconds: 3600, familyTtlSeconds: 7200, graceSeconds: 60, ...extra };
}

function freshFamily(): string {
  return `fam-${randomHex(12)}`;
}

export function refreshFamiliesContract(subject: () => FamiliesSubject): void {
  it('spends a generation once and answers a repeat within the grace window as a twin of the first use', async () => {
    const { families } = subject();
    const family = freshFamily();
    expect(await families.spend(request(family, 0, T))).toEqual({ outcome: 'first', spentAt: T });
    expect(await families.spend(request(family, 0, T + 5))).toEqual({ outcome: 'twin', spentAt: T });
    expect(await families.spend(request(family, 0, T + 60))).toEqual({ outcome: 'twin', spentAt: T });
  });

  it('answers 8 concurrent spends of one generation with exactly one first use and 7 twins of it', async () => {
    const { families } = subject();
    const family = freshFamily();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => families.spend(request(family, 3, T + (i % 2)))),
    );
    expect(outcomes.filter((o) => o.outcome === 'first')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'twin')).toHaveLength(7);
    const first = outcomes.find((o) => o.outcome === 'first');
    for (const o of outcomes) expect(o).toMatchObject({ spentAt: first && 'spentAt' in first ? first.spentAt : -1 });
  });

  it('kills the family on a repeat after the grace window, and then refuses every generation of it', async () => {
    const { families } = subject();
    const family = freshFamily();
    await families.spend(request(family, 0, T));
    expect(await families.spend(request(family, 1, T + 10))).toMatchObject({ outcome: 'first' });
    expect(await families.spend(request(family, 0, T + 61))).toEqual({ outcome: 'reused' });
    expect(await families.spend(request(family, 1, T + 62))).toEqual({ outcome: 'dead' });
    expect(await families.spend(request(family, 2, T + 62))).toEqual({ outcome: 'dead' });
    expect(await families.spend(request(family, 0, T + 62))).toEqual({ outcome: 'dead' });
  });

  it('treats every repeat as a reuse when the grace window is 0', async () => {
    const { families } = subject();
    const family = freshFamily();
    await families.spend(request(family, 0, T, { graceSeconds: 0 }));
    expect(await families.spend(request(family, 0, T, { graceSeconds: 0 }))).toEqual({ outcome: 'reused' });
    expect(await families.spend(request(family, 1, T, { graceSeconds: 0 }))).toEqual({ outcome: 'dead' });
  });

  it('keeps families and generations apart', async () => {
    const { families } = subject();
    const [a, b] = [freshFamily(), freshFamily()];
    await families.spend(request(a, 0, T));
    expect(await families.spend(request(a, 1, T))).toMatchObject({ outcome: 'first' });
    expect(await families.spend(request(b, 0, T))).toMatchObject({ outcome: 'first' });
    await families.spend(request(a, 0, T + 100));
    expect(await families.spend(request(b, 1, T + 100))).toMatchObject({ outcome: 'first' });
  });

  it('refuses every generation of a killed family, spent or not, and leaves other families alone', async () => {
    const { families } = subject();
    const [a, b] = [freshFamily(), freshFamily()];
    await families.spend(request(a, 0, T));
    expect(await families.kill(a, 7200, T + 1)).toBe('killed');
    expect(await families.spend(request(a, 0, T + 2))).toEqual({ outcome: 'dead' });
    expect(await families.spend(request(a, 1, T + 2))).toEqual({ outcome: 'dead' });
    expect(await families.spend(request(b, 0, T + 2))).toMatchObject({ outcome: 'first' });
  });

  it('forgets a spent generation once the token would have expired, and a killed family once its tokens would have', async () => {
    const { families, advance } = subject();
    const [spent, killed, longKilled] = [freshFamily(), freshFamily(), freshFamily()];
    await families.spend(request(spent, 0, T, { spentTtlSeconds: 1 }));
    await families.kill(killed, 1, T);
    await families.kill(longKilled, 3600, T);
    // A later, shorter kill does not shorten the first.
    await families.kill(longKilled, 1, T);
    await advance(2.2);
    expect(await families.spend(request(spent, 0, T + 3))).toEqual({ outcome: 'first', spentAt: T + 3 });
    expect(await families.spend(request(killed, 0, T + 3))).toMatchObject({ outcome: 'first' });
    expect(await families.spend(request(longKilled, 0, T + 3))).toEqual({ outcome: 'dead' });
  });
}
