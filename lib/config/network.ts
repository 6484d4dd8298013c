/** What the deployment talks to and trusts: the Upstash REST database, and the proxy that names client addresses. */
import { ConfigError, flagSetting, parseOrRefuse, parseUrl, trimmed, type Env } from './settings';

export type RedisSettings = { readonly url: string; readonly token: string };

/** `null` without Redis: in-memory limits and marks, one instance only. */
export function redisSettings(env: Env): RedisSettings | null {
  const url = trimmed(env.UPSTASH_REDIS_REST_URL ?? env.KV_REST_API_URL);
  const token = trimmed(env.UPSTASH_REDIS_REST_TOKEN ?? env.KV_REST_API_TOKEN);
  if (Boolean(url) !== Boolean(token))
    throw new ConfigError('UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together');
  if (!url || !token) return null;
  const parsed = parseUrl(url);
  // The REST URL (https://…upstash.io), not a redis:// connection string.
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new ConfigError('UPSTASH_REDIS_REST_URL must be the https REST URL of the database (not a redis:// URL)');
  }
  return { url, token };
}

/**
 * Whether `x-real-ip`/`x-forwarded-for` name the client: on Vercel (its edge sets them), or when
 * `TRUST_PROXY_HEADERS` says the operator's own proxy sets them (see `lib/http/clientIp.ts`).
 */
export function trustsProxyHeaders(env: Env): boolean {
  const flag = parseOrRefuse(
    flagSetting('TRUST_PROXY_HEADERS'),
    env.TRUST_PROXY_HEADERS,
    'TRUST_PROXY_HEADERS is invalid',
  );
  return flag ?? Boolean(env.VERCEL);
}
