/** Real services (real key source, real jose, real limiter) built from a test configuration. */
import { loadConfig, type Config } from '@/lib/config';
import { validateAuthorizationRequest } from '@/lib/oauth/authorize';
import { issueConsentToken } from '@/lib/oauth/consentRequest';
import { decideConsent } from '@/lib/oauth/consent';
import { registerClient } from '@/lib/oauth/register';
import { createServices, type Services } from '@/lib/services';
import type { LimitName, RateLimiter } from '@/lib/limits/decision';
import { createMemoryRateLimiter } from '@/lib/limits/limiter';
import { createTokenService } from '@/lib/tokens';
import { KEY_A, KEY_B, TEST_SECRET } from '@/kit/app';
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION, pkcePair } from './oauth';

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

/** The parameters of a claude.ai-style authorization request to `ISSUER` for `challenge` (S256). */
export function authorizationParams(
  clientId: string,
  challenge: string,
  extra: Record<string, string> = {},
): URLSearchParams {
  return new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CLAUDE_CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's1',
    resource: `${ISSUER}/mcp`,
    ...extra,
  });
}

/**
 * A claude.ai-style client registered with `services`, and a code for it issued through the real
 * authorization request and consent decision (KEY_A authorizes), with the client as it presents
 * itself at the token endpoint.
 */
export async function consentedCode(services: Services) {
  const client = (await registerClient(CLAUDE_REGISTRATION, services)) as { client_id: string; client_secret: string };
  const { verifier, challenge } = pkcePair();
  const request = await validateAuthorizationRequest(authorizationParams(client.client_id, challenge), services);
  const consent = await decideConsent(
    { request: await issueConsentToken(request, services), apiKey: KEY_A, action: 'authorize', viaFetch: false },
    services,
    'ip',
  );
  if (consent.kind !== 'redirect') throw new Error('no code');
  const code = new URL(consent.location).searchParams.get('code')!;
  const presented = { method: 'client_secret_post' as const, clientId: client.client_id, secret: client.client_secret };
  return { client, verifier, code, presented };
}
