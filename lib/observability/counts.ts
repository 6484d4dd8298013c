/**
 * Counts of events per event and reason since the process started, for `/api/health`.
 *
 * The middleware and the route handlers are bundled apart and, with the Edge runtime, run with
 * separate globals, so a counter on a module or on `globalThis` in the middleware could be
 * invisible to the health route. The store hangs on the host's `performance` object under a
 * `Symbol.for` key instead: under `next start` the Node-runtime middleware shares it with the
 * routes, and even the Edge sandbox is handed the host's own `performance`
 * (`next/dist/server/web/sandbox/context.js`) while `Symbol.for` is one registry per V8 isolate.
 * Where the middleware runs in another process (on Vercel it is its own function) each side has
 * its own store; `sources` says which sides have counted into the store a report reads
 * (tests/integration/observability.test.ts checks it on `next start`).
 */
import { EVENTS, type EventName, type Reason } from './catalogue';

export type Runtime = 'edge' | 'node';

/** Which wall counted: the `/mcp` middleware, or a route handler. */
export type CountSource = 'routes' | 'middleware';

type Store = {
  readonly since: string;
  readonly counts: Record<string, number>;
  readonly sources: Record<string, true>;
};

export type CountsReport = {
  /** ISO time the store was created (process start, near enough). */
  readonly since: string;
  /** Whose events these counts include: the routes always; the middleware when it shares the store. */
  readonly sources: readonly CountSource[];
  /** Event → reason → count, for the reasons seen at least once. */
  readonly counts: Partial<Record<EventName, Partial<Record<Reason, number>>>>;
};

declare const EdgeRuntime: string | undefined;
export const RUNTIME: Runtime = typeof EdgeRuntime === 'string' ? 'edge' : 'node';

const STORE_KEY = Symbol.for('mcp-oauth-gateway.observability.counts');

function store(): Store {
  const host = (typeof performance === 'object' ? performance : globalThis) as unknown as Record<
    symbol,
    Store | undefined
  >;
  // Plain objects, not a Map: the Edge sandbox and Node are separate realms.
  return (host[STORE_KEY] ??= { since: new Date().toISOString(), counts: {}, sources: {} });
}

export function countEvent(event: EventName, reason: Reason, source: CountSource): void {
  const { counts, sources } = store();
  const key = `${event} ${reason}`;
  counts[key] = (counts[key] ?? 0) + 1;
  sources[source] = true;
}

/** This instance's counts; numbers and codes only, nothing that names a caller. */
export function countsReport(): CountsReport {
  const { since, counts, sources } = store();
  const events: Record<string, Record<string, number>> = {};
  for (const [key, n] of Object.entries(counts)) {
    const [event, reason] = key.split(' ') as [EventName, Reason];
    if (!(event in EVENTS)) continue;
    (events[event] ??= {})[reason] = n;
  }
  return { since, sources: (['routes', 'middleware'] as const).filter((s) => sources[s]), counts: events };
}
