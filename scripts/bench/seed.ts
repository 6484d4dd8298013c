/**
 * The seed design, rebuilt only for the benchmark: an access token is an opaque random id, and
 * every `/mcp` request looks it up in Redis through the Upstash REST protocol (the design this
 * project replaces). Nothing in the app uses this module.
 *
 * To keep the comparison fair, after the lookup it does exactly what the stateless path does after
 * verifying a JWT: re-check the fingerprint against the key source and require the `mcp` scope.
 */
import { Redis } from '@upstash/redis';
import type { Fingerprint, KeySource } from '@/lib/keys';
import { randomBase64Url } from '@/lib/crypto/random';

export type SeedRecord = { sub: Fingerprint; client_id: string; scope: string; exp: number };

export type SeedTokenStore = {
  issue(record: Omit<SeedRecord, 'exp'>, ttlSeconds: number): Promise<string>;
  /** The record behind a presented bearer value, or `null` when it is unknown, expired or revoked. */
  authenticate(authorization: string | null, keys: KeySource): Promise<SeedRecord | null>;
};

const PREFIX = 'bench:seed:at:';

export function createSeedTokenStore(url: string, token: string): SeedTokenStore {
  // The same client the app uses for Upstash; telemetry off, keep-alive on (its defaults in Node).
  const redis = new Redis({ url, token, enableTelemetry: false, automaticDeserialization: false });
  return {
    async issue(record, ttlSeconds) {
      const id = randomBase64Url(32);
      const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
      await redis.set(`${PREFIX}${id}`, JSON.stringify({ ...record, exp }), { ex: ttlSeconds });
      return id;
    },
    async authenticate(authorization, keys) {
      const bearer = authorization === null ? null : /^bearer[ \t]+(.*)$/i.exec(authorization.trim());
      if (!bearer) return null;
      const id = bearer[1]!.trim();
      if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
      const raw = await redis.get<string>(`${PREFIX}${id}`);
      if (typeof raw !== 'string') return null;
      const record = JSON.parse(raw) as SeedRecord;
      if (record.exp <= Math.floor(Date.now() / 1000)) return null;
      if ((await keys.isActive(record.sub)) !== 'active') return null;
      if (!record.scope.split(' ').includes('mcp')) return null;
      return record;
    },
  };
}
