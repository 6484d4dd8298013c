/**
 * The behaviour every rate-limiter backend must show, run against the in-memory backend (with an
 * injected clock) and against Upstash on a real Redis (with the real clock).
 */
import { expect, it } from 'vitest';
import type { RateLimits } from '../../lib/config';
import type { LimitDecision, RateLimiter } from '../../lib/limits/decision';
import { WINDOW_MS } from '../../lib/limits/limiter';
import { randomHex } from '../../lib/crypto/random';

export const CONTRACT_LIMITS: RateLimits = {
  tokenPerMinute: 10,
  failedAuthPerMinute: 3,
  registrationPerMinute: 5,
  mcpPerMinute: 4,
};

/**
 * Waits, when fewer than `marginMs` are left in the current one-minute window, for the next one,
 * so that a sequence of hits with the real clock cannot straddle a window boundary.
 */
export async function awaitRoomInWindow(marginMs = 8000, now: () => number = Date.now): Promise<void> {
  const left = WINDOW_MS - (now() % WINDOW_MS);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50));
}

export type ContractSubject = {
  readonly limiter: RateLimiter;
  /** The clock the limiter reads. */
  readonly now: () => number;
  /** Called before each sequence that must stay within one window. */
  readonly settle: () => Promise<void>;
};

function freshId(): string {
  return `id-${randomHex(8)}`;
}

export function limiterContract(subject: () => ContractSubject): void {
  it('allows exactly the limit within a window and limits the next hit', async () => {
    const { limiter, now, settle } = subject();
    await settle();
    const id = freshId();
    const decisions: LimitDecision[] = [];
    for (let i = 0; i < 11; i++) decisions.push(await limiter.count('token', id));
    expect(decisions.slice(0, 10).map((d) => d.outcome)).toEqual(new Array(10).fill('allowed'));
    expect(decisions.slice(0, 10).map((d) => (d.outcome === 'allowed' ? d.remaining : -1))).toEqual([
      9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
    ]);
    const last = decisions[10]!;
    expect(last).toMatchObject({ outcome: 'limited', limit: 10, remaining: 0 });
    if (last.outcome !== 'limited') throw new Error('unreachable');
    const t = now();
    expect(last.resetAt).toBeGreaterThan(t);
    expect(last.resetAt).toBeLessThanOrEqual(t + WINDOW_MS);
    expect(last.resetAt % WINDOW_MS).toBe(0);
    expect(Number.isInteger(last.retryAfterSeconds)).toBe(true);
    expect(last.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(last.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(last.retryAfterSeconds).toBe(Math.max(1, Math.ceil((last.resetAt - t) / 1000)));
  });

  it('keeps limiting every further hit in the same window', async () => {
    const { limiter, settle } = subject();
    await settle();
    const id = freshId();
    for (let i = 0; i < 3; i++) expect((await limiter.count('failedAuth', id)).outcome).toBe('allowed');
    for (let i = 0; i < 3; i++) expect((await limiter.count('failedAuth', id)).outcome).toBe('limited');
  });

  it('peeks without counting', async () => {
    const { limiter, settle } = subject();
    await settle();
    const id = freshId();
    for (let i = 0; i < 8; i++)
      expect(await limiter.look('register', id)).toMatchObject({ outcome: 'allowed', limit: 5, remaining: 5 });
    expect(await limiter.count('register', id)).toMatchObject({ outcome: 'allowed', remaining: 4 });
    expect(await limiter.look('register', id)).toMatchObject({ outcome: 'allowed', remaining: 4 });
  });

  it('peeks limited once the limit is used up, like the hit it stands for', async () => {
    const { limiter, settle } = subject();
    await settle();
    const id = freshId();
    for (let i = 0; i < 2; i++) await limiter.count('failedAuth', id);
    expect(await limiter.look('failedAuth', id)).toMatchObject({ outcome: 'allowed', remaining: 1 });
    await limiter.count('failedAuth', id);
    const peeked = await limiter.look('failedAuth', id);
    expect(peeked).toMatchObject({ outcome: 'limited', limit: 3, remaining: 0 });
    expect(peeked.outcome === 'limited' && peeked.retryAfterSeconds >= 1).toBe(true);
  });

  it('gives each id its own bucket', async () => {
    const { limiter, settle } = subject();
    await settle();
    const [a, b] = [freshId(), freshId()];
    for (let i = 0; i < 5; i++) await limiter.count('register', a);
    expect((await limiter.count('register', a)).outcome).toBe('limited');
    expect(await limiter.count('register', b)).toMatchObject({ outcome: 'allowed', remaining: 4 });
  });

  it('gives each limit its own bucket for the same id', async () => {
    const { limiter, settle } = subject();
    await settle();
    const id = freshId();
    for (let i = 0; i < 3; i++) await limiter.count('failedAuth', id);
    expect((await limiter.count('failedAuth', id)).outcome).toBe('limited');
    expect(await limiter.count('register', id)).toMatchObject({ outcome: 'allowed', limit: 5, remaining: 4 });
    expect(await limiter.look('token', id)).toMatchObject({ outcome: 'allowed', limit: 10, remaining: 10 });
  });
}
