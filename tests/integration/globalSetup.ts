/**
 * One real Redis (behind the Upstash REST protocol) and one shared app instance for the
 * integration suite. Limits are raised on the shared instance so suites do not trip each other;
 * the rate-limit suites start their own instances with the defaults.
 */
import type { TestProject } from 'vitest/node';
import { startApp, type AppInstance } from '@/kit/app';
import { startRedisStack, type RedisStack } from '@/kit/redis';

let redis: RedisStack | undefined;
let app: AppInstance | undefined;

export async function setup(project: TestProject) {
  redis = await startRedisStack();
  app = await startApp({
    UPSTASH_REDIS_REST_URL: redis.restUrl,
    UPSTASH_REDIS_REST_TOKEN: redis.restToken,
    RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
    RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_REGISTER_PER_MINUTE: '100000',
    RATE_LIMIT_MCP_PER_MINUTE: '100000',
  });
  project.provide('appUrl', app.url);
  project.provide('redisRestUrl', redis.restUrl);
  project.provide('redisRestToken', redis.restToken);
}

export async function teardown() {
  await app?.stop();
  await redis?.stop();
}
