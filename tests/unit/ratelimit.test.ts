import { describe, expect, it } from 'vitest';
import { LIMIT_NAMES } from '../../lib/limits/decision';
import { createMemoryRateLimiter, limitFor, WINDOW_MS } from '../../lib/limits/limiter';
import { createMemorySingleUseStore } from '../../lib/oauth/state/singleUse';
import { CONTRACT_LIMITS, limiterContract } from '../support/limiterContract';

/** A clock the test moves; it starts 30 s into an epoch minute. */
function manualClock(start = 1_767_225_600_000 + 30_000) {
  let t = start;
  return { now: () => t, set: (value: number) => (t = value), advance: (ms: number) => (t += ms) };
}

describe('createMemoryRateLimiter', () => {
  // @req RL-MEMORY-PARITY
  describe('the behaviour shared with the Upstash backend', () => {
    limiterContract(() => {
      const clock = manualClock();
      return { limiter: createMemoryRateLimiter(CONTRACT_LIMITS, clock.now), now: clock.now, settle: async () => {} };
    });
  });

  it('names itself the memory backend', () => {
    expect(createMemoryRateLimiter(CONTRACT_LIMITS).backend).toBe('memory');
  });

  it('counts in windows aligned to the epoch minute, so the first hit after Retry-After passes', async () => {
    const clock = manualClock();
    const limiter = createMemoryRateLimiter(CONTRACT_LIMITS, clock.now);
    for (let i = 0; i < 10; i++) await limiter.count('token', 'cred');
    const limited = await limiter.count('token', 'cred');
    expect(limited).toMatchObject({ outcome: 'limited', retryAfterSeconds: 30 });
    if (limited.outcome !== 'limited') throw new Error('unreachable');
    clock.set(limited.resetAt - 1);
    expect(await limiter.count('token', 'cred')).toMatchObject({ outcome: 'limited', retryAfterSeconds: 1 });
    clock.set(limited.resetAt);
    expect(await limiter.count('token', 'cred')).toMatchObject({
      outcome: 'allowed',
      remaining: 9,
      resetAt: limited.resetAt + WINDOW_MS,
    });
  });

  it('starts a window afresh even when the previous one was used up just before its end', async () => {
    const clock = manualClock(1_767_225_600_000 + WINDOW_MS - 100);
    const limiter = createMemoryRateLimiter(CONTRACT_LIMITS, clock.now);
    for (let i = 0; i < 4; i++) await limiter.count('mcp', 'fp');
    expect(await limiter.look('mcp', 'fp')).toMatchObject({ outcome: 'limited', retryAfterSeconds: 1 });
    clock.advance(100);
    expect(await limiter.look('mcp', 'fp')).toMatchObject({ outcome: 'allowed', remaining: 4 });
  });

  it('forgets ids of past windows', async () => {
    const clock = manualClock();
    const limiter = createMemoryRateLimiter(CONTRACT_LIMITS, clock.now);
    for (let i = 0; i < 3; i++) await limiter.count('failedAuth', 'ip');
    clock.advance(10 * WINDOW_MS);
    expect(await limiter.count('failedAuth', 'ip')).toMatchObject({ outcome: 'allowed', remaining: 2 });
  });

  it('reads each limit from the configuration', () => {
    expect(LIMIT_NAMES.map((name) => limitFor(CONTRACT_LIMITS, name))).toEqual([10, 3, 5, 4]);
  });
});

describe('createMemorySingleUseStore', () => {
  it('answers first once per id and replayed after', async () => {
    const store = createMemorySingleUseStore(manualClock().now);
    expect(await store.claim('code-1', 60)).toBe('first');
    expect(await store.claim('code-1', 60)).toBe('replayed');
    expect(await store.claim('code-2', 60)).toBe('first');
  });

  it('forgets an id once its time to live has passed', async () => {
    const clock = manualClock();
    const store = createMemorySingleUseStore(clock.now);
    expect(await store.claim('code', 60)).toBe('first');
    clock.advance(59_999);
    expect(await store.claim('code', 60)).toBe('replayed');
    clock.advance(1);
    expect(await store.claim('code', 60)).toBe('first');
  });
});
