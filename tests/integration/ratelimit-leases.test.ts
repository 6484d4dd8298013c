/**
 * The `/mcp` limit leased in blocks (`lib/limits/leases.ts`) on two instances sharing one real
 * Redis, under concurrent load: the limit is never exceeded, stays within 10% of its configured
 * value, and the instances make far fewer Redis calls than requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseBlock } from '../../lib/limits/leases';
import { apiKey, startApp, type AppInstance } from '@/kit/app';
import { clientCredentialsToken } from '@/kit/http';
import { awaitRoomInWindow } from '../support/limiterContract';
import { startRedisStack, type RedisStack } from '@/kit/redis';

const LIMIT = 400;
const KEY = apiKey('leased');
const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

let stack: RedisStack;
let a: AppInstance;
let b: AppInstance;

beforeAll(async () => {
  stack = await startRedisStack();
  const env = {
    PUBLIC_URL: 'https://mcp.test',
    MCP_API_KEYS: KEY,
    RATE_LIMIT_MCP_PER_MINUTE: String(LIMIT),
    UPSTASH_REDIS_REST_URL: stack.restUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.restToken,
  };
  [a, b] = await Promise.all([startApp(env), startApp(env)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await stack?.stop();
});

async function evalCalls(): Promise<number> {
  const info = String(await stack.command('INFO', 'commandstats'));
  return Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('the leased /mcp limit on two instances', () => {
  // @req RL-MCP-LEASES
  it('serves between 90% and 100% of the limit across both instances under concurrent load, with a Redis call per block, not per request', async () => {
    const token = await clientCredentialsToken(a.url, KEY);
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: '*/*' };
    await awaitRoomInWindow(30_000);
    const callsBefore = await evalCalls();
    const statuses: number[] = [];
    // 16 connections, alternating instances, each until it meets a 429 twice.
    await Promise.all(
      Array.from({ length: 16 }, async (_, connection) => {
        let refused = 0;
        for (let i = 0; refused < 2; i++) {
          const app = (connection + i) % 2 ? a : b;
          const res = await fetch(`${app.url}/mcp`, { method: 'POST', headers, body: PING });
          await res.arrayBuffer();
          statuses.push(res.status);
          if (res.status === 429) refused += 1;
          else expect(res.status).toBe(200);
        }
      }),
    );
    const served = statuses.filter((s) => s === 200).length;
    const calls = (await evalCalls()) - callsBefore;
    console.log(
      `[measure] leased /mcp limit ${LIMIT}: ${served} served, ${statuses.length} requests, ${calls} Redis calls (block ${leaseBlock(LIMIT)})`,
    );
    expect(served).toBeLessThanOrEqual(LIMIT);
    expect(served).toBeGreaterThanOrEqual(LIMIT * 0.9);
    // One call per block per instance, plus the calls that found the window used up.
    expect(calls).toBeLessThanOrEqual(Math.ceil(LIMIT / leaseBlock(LIMIT)) + 4);
    expect(calls).toBeLessThan(statuses.length / 10);
  });
});
