/**
 * Counts of events per event and reason since the process started, for `/api/health`.
 *
 * Next runs Edge middleware and Node route handlers with separate globals, so a counter on
 * `globalThis` in the middleware would be invisible to the health route. Under `next start` both
 * run in one Node process and the Edge sandbox is handed the host's own `performance` object
 * (`next/dist/server/web/sandbox/context.js`), and `Symbol.for` is one registry per V8 isolate,
 * so the store hangs there and both runtimes add to the same numbers. Where middleware runs
 * elsewhere (Vercel's Edge network) each side has its own store and `/api/health` shows the Node
 * side only; `runtimes` says which sides have counted into the store it reports
 * (tests/integration/observability.test.ts checks this on `next start`).
 */
import { EVENTS, type EventName, type Reason } from './catalogue';

export type Runtime = 'edge' | 'node';

type Store = { readonly since: string; readonly counts: Record<string, number>; readonly runtimes: Record<string, true> };

export type CountsReport = {
  /** ISO time the store was created (process start, near enough). */
  readonly since: string;
  /** The runtimes whose events these counts include. */
  readonly runtimes: readonly Runtime[];
  /** Event → reason → count, for the reasons seen at least once. */
  readonly counts: Partial<Record<EventName, Partial<Record<Reason, number>>>>;
};

declare const EdgeRuntime: string | undefined;
export const RUNTIME: Runtime = typeof EdgeRuntime === 'string' ? 'edge' : 'node';

const STORE_KEY = Symbol.for('mcp-oauth-gateway.observability.counts');

function store(): Store {
  const host = (typeof performance === 'object' ? performance : globalThis) as unknown as Record<symbol, Store | undefined>;
  // Plain objects, not a Map: the Edge sandbox and Node are separate realms.
  return (host[STORE_KEY] ??= { since: new Date().toISOString(), counts: {}, runtimes: {} });
}

export function countEvent(event: EventName, reason: Reason): void {
  const { counts, runtimes } = store();
  const key = `${event} ${reason}`;
  counts[key] = (counts[key] ?? 0) + 1;
  runtimes[RUNTIME] = true;
}

/** This instance's counts; numbers and codes only, nothing that names a caller. */
export function countsReport(): CountsReport {
  const { since, counts, runtimes } = store();
  const events: Record<string, Record<string, number>> = {};
  for (const [key, n] of Object.entries(counts)) {
    const [event, reason] = key.split(' ') as [EventName, Reason];
    if (!(event in EVENTS)) continue;
    (events[event] ??= {})[reason] = n;
  }
  return { since, runtimes: (['node', 'edge'] as const).filter((r) => runtimes[r]), counts: events };
}
