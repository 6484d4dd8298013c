/** How much each caller may do (`RATE_LIMIT_*`) and how long what we issue lives (`*_TTL_SECONDS`, the reuse grace). */
import { z } from 'zod';
import { integerSetting, parseOrRefuse, type Env } from './settings';

const MAX_ACCESS_TOKEN_TTL_SECONDS = 3600;
const MAX_REFRESH_REUSE_GRACE_SECONDS = 300;

export type RateLimits = {
  /** Token requests per verified grant per minute (`lib/oauth/grantLimit.ts`). */
  readonly tokenPerMinute: number;
  /** Failed client authentications and consent attempts per client IP per minute. */
  readonly failedAuthPerMinute: number;
  /** Dynamic client registrations per client IP per minute. */
  readonly registrationPerMinute: number;
  /** `/mcp` requests per key fingerprint per minute. */
  readonly mcpPerMinute: number;
};

export type LifetimeSettings = {
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /**
   * A refresh token presented again within this many seconds of its first use gets the first
   * answer again, byte for byte (a twin); later, the reuse kills its family
   * (`lib/oauth/state/refreshFamilies.ts`).
   */
  readonly refreshReuseGraceSeconds: number;
};

const RateLimitEnv = z
  .object({
    RATE_LIMIT_TOKEN_PER_MINUTE: integerSetting('RATE_LIMIT_TOKEN_PER_MINUTE', 10),
    RATE_LIMIT_FAILED_AUTH_PER_MINUTE: integerSetting('RATE_LIMIT_FAILED_AUTH_PER_MINUTE', 20),
    RATE_LIMIT_REGISTER_PER_MINUTE: integerSetting('RATE_LIMIT_REGISTER_PER_MINUTE', 120),
    RATE_LIMIT_MCP_PER_MINUTE: integerSetting('RATE_LIMIT_MCP_PER_MINUTE', 120),
  })
  .transform((n): RateLimits => ({
    tokenPerMinute: n.RATE_LIMIT_TOKEN_PER_MINUTE,
    failedAuthPerMinute: n.RATE_LIMIT_FAILED_AUTH_PER_MINUTE,
    registrationPerMinute: n.RATE_LIMIT_REGISTER_PER_MINUTE,
    mcpPerMinute: n.RATE_LIMIT_MCP_PER_MINUTE,
  }));

const LifetimeEnv = z
  .object({
    ACCESS_TOKEN_TTL_SECONDS: integerSetting('ACCESS_TOKEN_TTL_SECONDS', 3600, MAX_ACCESS_TOKEN_TTL_SECONDS),
    REFRESH_TOKEN_TTL_SECONDS: integerSetting('REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 90 * 24 * 3600),
    // 0 turns twins off; at most 5 minutes, well inside any access token's life.
    REFRESH_REUSE_GRACE_SECONDS: integerSetting('REFRESH_REUSE_GRACE_SECONDS', 60, MAX_REFRESH_REUSE_GRACE_SECONDS, 0),
  })
  .transform((n): LifetimeSettings => ({
    accessTokenTtlSeconds: n.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: n.REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseGraceSeconds: n.REFRESH_REUSE_GRACE_SECONDS,
  }));

export function rateLimits(env: Env): RateLimits {
  return parseOrRefuse(RateLimitEnv, env, 'invalid numeric setting');
}

export function lifetimeSettings(env: Env): LifetimeSettings {
  return parseOrRefuse(LifetimeEnv, env, 'invalid numeric setting');
}
