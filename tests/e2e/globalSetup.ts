/**
 * A real Redis behind the Upstash REST protocol and one production app instance for the browser
 * suites; workers read the URL from `E2E_BASE_URL`.
 */
import { startApp } from '@/kit/app';
import { startRedisStack } from '@/kit/redis';

export default async function globalSetup() {
  const redis = await startRedisStack();
  const app = await startApp({
    UPSTASH_REDIS_REST_URL: redis.restUrl,
    UPSTASH_REDIS_REST_TOKEN: redis.restToken,
    RATE_LIMIT_TOKEN_PER_MINUTE: '1000',
    RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '1000',
    RATE_LIMIT_MCP_PER_MINUTE: '1000',
  });
  process.env.E2E_BASE_URL = app.url;
  process.env.E2E_REDIS_REST_URL = redis.restUrl;
  process.env.E2E_REDIS_REST_TOKEN = redis.restToken;
  return async () => {
    await app.stop();
    await redis.stop();
  };
}
