/** Real services (real key source, real jose, real limiter) built from a test configuration. */
import { loadConfig, type Config } from '@/lib/config';
import { createServices, type Services } from '@/lib/services';
import type { LimitName, RateLimiter } from '@/lib/limits/decision';
import { createMemoryRateLimiter } from '@/lib/limits/limiter';
import { createTokenService } from '@/lib/tokens';
import { KEY_A, KEY_B, TEST_SECRET } from '@/kit/app';

export const ISSUER = 'https://mcp.example.com';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'production',
    PUBLIC_URL: ISSUER,
    AUTH_SECRET: TEST_SECRET,
    MCP_API_KEYS: `${KEY_A},${KEY_B}`,
    ...env,
  });
}

export async function testServices(env: Record<string, string> = {}): Promise<Services> {
  return createServices(testConfig(env));
}

/** The same services with the token clock set to `now()` (jose's `currentDate`), for expiry tests. */
export async function withClock(services: Services, now: () => number): Promise<Services> {
  const { config } = services;
  const tokens = await createTokenService({
    secret: config.authSecret,
    previousSecret: config.authSecretPrevious,
    issuer: config.issuer,
    resource: config.resource,
    now,
  });
  return { ...services, tokens };
}

/**
 * The real in-memory limiter for `services`, on a fixed clock (so no window boundary can fall
 * inside a test), wrapped only to record each call as `count <limit>` or `look <limit>`.
 */
export function recordingLimiter(services: Services): { limiter: RateLimiter; calls: string[] } {
  const calls: string[] = [];
  const real = createMemoryRateLimiter(services.config.limits, () => 1_800_000_030_000);
  const limiter: RateLimiter = {
    backend: real.backend,
    count: (name: LimitName, id: string) => (calls.push(`count ${name}`), real.count(name, id)),
    look: (name: LimitName, id: string) => (calls.push(`look ${name}`), real.look(name, id)),
  };
  return { limiter, calls };
}
