/** Services for the micro-benchmarks: the production configuration of the test harness, in-process. */
import { loadConfig } from '@/lib/config';
import { fingerprintOf, type Fingerprint } from '@/lib/keys';
import { createServices, type Services } from '@/lib/services';
import { baseEnv, KEY_A } from '@/kit/app';

/** Limits raised so the memory limiter runs on every call but never refuses one. */
export async function benchServices(overrides: Record<string, string> = {}): Promise<Services> {
  return createServices(loadConfig({ ...baseEnv(3000), RATE_LIMIT_MCP_PER_MINUTE: '1000000', ...overrides }));
}

/** KEY_A's full-access claims, as `client_credentials` issues them. */
export async function keyAClaims(): Promise<{ sub: Fingerprint; client_id: string; scope: string }> {
  return { sub: await fingerprintOf(KEY_A), client_id: 'mcp', scope: 'mcp' };
}

/** `count` distinct well-formed API keys. */
export function apiKeys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench_key_${String(i).padStart(6, '0')}_abcdefghijklmnop`);
}

/** Long enough for a stable median on a shared, noisy machine; short enough to run often. */
export const OPTIONS = { time: 1500, warmupTime: 300 } as const;

/**
 * A fresh authenticated `ping` to `/mcp` per call, as the middleware gets one: the gate reads the
 * body to its end, and a body can be read once.
 */
export function pingRequest(services: Services, token: string): () => Request {
  return () =>
    new Request(services.config.resource, {
      method: 'POST',
      headers: {
        Host: new URL(services.config.publicUrl).host,
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
}
