import { afterAll, bench, describe } from 'vitest';
import { startRedisStack } from '@/kit/redis';
import { mcpGate } from '@/lib/mcp/gate';
import { createSeedTokenStore } from '../seed';
import { benchServices, keyAClaims, OPTIONS, pingRequest } from './support';

// The middleware's whole decision for a valid token, with the in-memory limiter (Redis excluded):
// rebinding guard, header parsing, JWT verify, key-source re-check, scope, limiter hit.
const services = await benchServices();
const claims = await keyAClaims();
const { token } = await services.tokens.issue('access', claims, 3600);
const request = pingRequest(services, token);
if ((await mcpGate(request(), services)) !== null) throw new Error('the gate refused a valid token');

// The seed design's per-request work: one GET through the Upstash REST protocol to a real
// redis-server on loopback (no network distance: a lower bound on what it costs in production).
const redis = await startRedisStack();
afterAll(() => redis.stop());
const seed = createSeedTokenStore(redis.restUrl, redis.restToken);
const seedToken = await seed.issue(claims, 3600);
const seedAuthorization = `Bearer ${seedToken}`;
if ((await seed.authenticate(seedAuthorization, services.keys)) === null)
  throw new Error('the seed store lost its token');

describe('authenticating one /mcp request', () => {
  bench(
    'this design: mcpGate, valid token, memory limiter',
    async () => {
      await mcpGate(request(), services);
    },
    OPTIONS,
  );
  bench(
    'seed design: opaque id looked up via Upstash REST',
    async () => {
      await seed.authenticate(seedAuthorization, services.keys);
    },
    OPTIONS,
  );
});
