import { AsyncLocalStorage } from 'node:async_hooks';
import { bench, describe } from 'vitest';
import { mcpGate } from '@/lib/mcp/gate';
import { observe } from '@/lib/observability/context';
import { emit } from '@/lib/observability/log';
import { benchServices, keyAClaims, OPTIONS, pingRequest } from './support';

// What logging adds to an authenticated /mcp request: the request context around the handler
// (`observe`: id, AsyncLocalStorage, X-Request-Id header) and the one count a served request
// costs, against the gate's own work on the same request. A refused request's line (JSON to a
// console that goes nowhere here) is measured apart: refusals are not the hot path.
const services = await benchServices();
const { token } = await services.tokens.issue('access', await keyAClaims(), 3600);
const request = pingRequest(services, token);
const passed = new Response(null);
const gateOnly = async () => (await mcpGate(request(), services)) ?? passed;
const observed = observe(async () => {
  const refused = await mcpGate(request(), services);
  emit('mcp', 'served');
  return refused ?? new Response(null);
});
process.env.LOG_FORMAT = 'json';
console.log = () => {};

// Next.js itself runs every route handler and the middleware inside its own AsyncLocalStorage
// stores (work, work-unit, action, after-task...), so the promise hooks are already on there: what
// logging adds is one more store, not the hooks. Three foreign stores stand in for Next's.
const foreign = [new AsyncLocalStorage<object>(), new AsyncLocalStorage<object>(), new AsyncLocalStorage<object>()];
const insideNext = <T>(fn: () => Promise<T>): Promise<T> =>
  foreign[0]!.run({}, () => foreign[1]!.run({}, () => foreign[2]!.run({}, fn)));

describe('an authenticated /mcp request at the gate, inside Next-like request stores', () => {
  bench(
    'gate alone',
    async () => {
      await insideNext(gateOnly);
    },
    OPTIONS,
  );
  bench(
    'gate inside the request context, plus the served count',
    async () => {
      await insideNext(() => observed(request()));
    },
    OPTIONS,
  );
});

describe('an authenticated /mcp request at the gate, no other store', () => {
  bench(
    'gate alone',
    async () => {
      await gateOnly();
    },
    OPTIONS,
  );
  bench(
    'gate inside the request context, plus the served count',
    async () => {
      await observed(request());
    },
    OPTIONS,
  );
});

describe('one event', () => {
  const refusal = observe(async () => {
    emit('mcp', 'token_invalid');
    return new Response(null);
  });
  bench(
    'a refusal logged as a JSON line, in its request context',
    async () => {
      await refusal(request());
    },
    OPTIONS,
  );
});
