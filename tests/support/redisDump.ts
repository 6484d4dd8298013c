/**
 * Everything a Redis holds, keys and values, as one text, for tests that promise what is never
 * stored there (keys, digests, subjects, tokens). Reads with `redis-cli --scan`, then each value
 * by its type through the REST stack.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RedisStack } from '@/kit/redis';

export type RedisEntry = { readonly key: string; readonly type: string; readonly value: unknown };

export async function dumpRedis(stack: RedisStack): Promise<{ entries: RedisEntry[]; text: string }> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(stack.redisPort), '--scan']);
  const entries: RedisEntry[] = [];
  for (const key of stdout.split('\n').filter(Boolean)) {
    const type = String(await stack.command('TYPE', key));
    const read: Record<string, () => Promise<unknown>> = {
      string: () => stack.command('GET', key),
      hash: () => stack.command('HGETALL', key),
      zset: () => stack.command('ZRANGE', key, '0', '-1', 'WITHSCORES'),
      list: () => stack.command('LRANGE', key, '0', '-1'),
      set: () => stack.command('SMEMBERS', key),
    };
    entries.push({ key, type, value: await (read[type] ?? (async () => null))() });
  }
  return { entries, text: entries.map((e) => `${e.key}\n${JSON.stringify(e.value)}`).join('\n') };
}
