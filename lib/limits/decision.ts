/** What every limiter answers, shared by the counting backends (`limiter.ts`) and the leases (`leases.ts`). */
export type LimitName = 'token' | 'failedAuth' | 'register' | 'mcp';

export const LIMIT_NAMES: readonly LimitName[] = ['token', 'failedAuth', 'register', 'mcp'];

export type LimitDecision =
  | { readonly outcome: 'allowed'; readonly limit: number; readonly remaining: number; readonly resetAt: number }
  | {
      readonly outcome: 'limited';
      readonly limit: number;
      readonly remaining: 0;
      readonly resetAt: number;
      readonly retryAfterSeconds: number;
    }
  /** The backing store could not answer in time; the caller decides (503, or let through). */
  | { readonly outcome: 'unavailable' };

export interface RateLimiter {
  readonly backend: 'upstash' | 'memory';
  /** Counts one hit of `id` (already a hash or fingerprint, never a secret) against `name`. */
  count(name: LimitName, id: string): Promise<LimitDecision>;
  /** The decision a hit would get, without counting one (to refuse before verifying a secret). */
  look(name: LimitName, id: string): Promise<LimitDecision>;
}

/** The one mapping from counts to a decision, shared by every backend and the leases. */
export function decide(
  limit: number,
  remaining: number,
  resetAt: number,
  allowed: boolean,
  now: number,
): LimitDecision {
  if (allowed) return { outcome: 'allowed', limit, remaining, resetAt };
  return {
    outcome: 'limited',
    limit,
    remaining: 0,
    resetAt,
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
  };
}
