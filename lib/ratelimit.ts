/**
 * Rate limiting: one interface, a decision out; callers build the 429 (see `lib/http/rateLimited.ts`).
 * The in-memory backend serves local runs only: its counters live in one process.
 */
import type { RateLimits } from './config';

export type LimitName = 'token' | 'failedAuth' | 'register' | 'mcp';

export type LimitDecision =
  | { readonly outcome: 'allowed'; readonly limit: number; readonly remaining: number; readonly resetAt: number }
  | { readonly outcome: 'limited'; readonly limit: number; readonly remaining: 0; readonly resetAt: number; readonly retryAfterSeconds: number }
  /** The backing store could not answer in time; the caller decides (503, or let through). */
  | { readonly outcome: 'unavailable' };

export interface RateLimiter {
  readonly backend: 'upstash' | 'memory';
  /** Counts one hit of `id` (already a hash or fingerprint, never a secret) against `name`. */
  hit(name: LimitName, id: string): Promise<LimitDecision>;
  /** The decision a hit would get, without counting one (to refuse before verifying a secret). */
  peek(name: LimitName, id: string): Promise<LimitDecision>;
}

const WINDOW_MS = 60_000;

export function limitFor(limits: RateLimits, name: LimitName): number {
  switch (name) {
    case 'token':
      return limits.tokenPerMinute;
    case 'failedAuth':
      return limits.failedAuthPerMinute;
    case 'register':
      return limits.registrationPerMinute;
    case 'mcp':
      return limits.mcpPerMinute;
  }
}

/** Fixed one-minute windows per (limit, id), swept as they expire. */
export function createMemoryRateLimiter(limits: RateLimits, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  const decide = (name: LimitName, id: string, count: boolean): LimitDecision => {
      const t = now();
      if (t - lastSweep > WINDOW_MS) {
        for (const [k, w] of windows) if (t - w.start >= WINDOW_MS) windows.delete(k);
        lastSweep = t;
      }
      const limit = limitFor(limits, name);
      const key = `${name}:${id}`;
      let w = windows.get(key);
      if (!w || t - w.start >= WINDOW_MS) {
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      const resetAt = w.start + WINDOW_MS;
      if (w.count >= limit) {
        return { outcome: 'limited', limit, remaining: 0, resetAt, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - t) / 1000)) };
      }
      if (count) w.count += 1;
      return { outcome: 'allowed', limit, remaining: limit - w.count, resetAt };
  };
  return {
    backend: 'memory',
    hit: async (name, id) => decide(name, id, true),
    peek: async (name, id) => decide(name, id, false),
  };
}
