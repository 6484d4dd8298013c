'use client';

import { useEffect, useState } from 'react';
import styles from '../page.module.css';

type EventCounts = { since: string; sources: string[]; counts: Record<string, Record<string, number>> };

type Health = {
  status: string;
  version: string;
  limiter: 'upstash' | 'memory';
  issuer: string;
  backend?: 'tools' | 'upstream';
  keySource?: 'list' | 'digests' | 'service' | 'upstream';
  keyService?: 'answered' | 'unavailable' | 'bad answer' | 'not asked yet';
  upstream?: { host: string; reached: boolean | null };
  events?: EventCounts;
};

type State = { phase: 'loading' } | { phase: 'ok'; health: Health } | { phase: 'error'; message: string };

function isHealth(value: unknown): value is Health {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.status === 'string' &&
    typeof v.version === 'string' &&
    (v.limiter === 'upstash' || v.limiter === 'memory') &&
    typeof v.issuer === 'string'
  );
}

function isEventCounts(value: unknown): value is EventCounts {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.since === 'string' && Array.isArray(v.sources) && typeof v.counts === 'object' && v.counts !== null;
}

/** Event, reason and count rows, most frequent first. */
function countRows(events: EventCounts): Array<{ event: string; reason: string; count: number }> {
  const rows = Object.entries(events.counts).flatMap(([event, reasons]) =>
    Object.entries(reasons)
      .filter(([, count]) => typeof count === 'number')
      .map(([reason, count]) => ({ event, reason, count })),
  );
  return rows.sort((a, b) => b.count - a.count || a.event.localeCompare(b.event) || a.reason.localeCompare(b.reason));
}

function EventCountsTable({ events }: { events: EventCounts }) {
  const rows = countRows(events);
  const since = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(
    new Date(events.since),
  );
  return (
    <>
      <h3>Authentication events on this instance</h3>
      <p className={styles.muted}>
        Since {since}
        {events.sources.includes('middleware')
          ? ', including the /mcp gate (middleware)'
          : '; the /mcp gate (middleware) has counted nothing here (where it runs apart, as on Vercel, its refusals are in the log)'}
        . Each code is explained in docs/observability.md.
      </p>
      {rows.length === 0 ? (
        <p className={styles.muted}>No events yet.</p>
      ) : (
        <table className={styles.counts}>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Reason</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.event} ${row.reason}`}>
                <td>
                  <code>{row.event}</code>
                </td>
                <td>
                  <code>{row.reason}</code>
                </td>
                <td>{row.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const KEY_SOURCES = {
  list: 'The keys in MCP_API_KEYS',
  digests: 'Key digests in MCP_API_KEY_HASHES',
  service: 'Your key service',
  upstream: 'The upstream MCP server (it judges each key)',
} as const;

const KEY_SERVICE_ANSWERS = {
  answered: 'answered its last question',
  unavailable: 'did not answer its last question',
  'bad answer': 'answered its last question outside the contract',
  'not asked yet': 'not asked yet',
} as const;

/** Where valid keys live, and for a key service how its last question went. */
function keySourceText(health: Health): string | null {
  if (health.keySource === undefined || !(health.keySource in KEY_SOURCES)) return null;
  const source = KEY_SOURCES[health.keySource];
  if (health.keySource !== 'service' || health.keyService === undefined || !(health.keyService in KEY_SERVICE_ANSWERS))
    return source;
  return `${source}: ${KEY_SERVICE_ANSWERS[health.keyService]}`;
}

/** This instance as `/api/health` reports it: limiter backend, key source, issuer, version, event counts. */
export function ServerStatus() {
  const [state, setState] = useState<State>({ phase: 'loading' });
  const [pageOrigin, setPageOrigin] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setPageOrigin(window.location.origin);
    fetch('/api/health', { cache: 'no-store', credentials: 'omit', signal: controller.signal })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body: unknown = await res.json();
        if (!isHealth(body)) throw new Error('unexpected answer');
        setState({ phase: 'ok', health: body });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState({
          phase: 'error',
          message: error instanceof Error && error.message.startsWith('HTTP') ? error.message : 'no answer',
        });
      });
    return () => controller.abort();
  }, []);

  if (state.phase === 'loading') return <p className={styles.muted}>Checking the server…</p>;
  if (state.phase === 'error') {
    return (
      <p className={styles.failureText}>
        The server status is unavailable ({state.message}). The server may be restarting or unreachable.
      </p>
    );
  }
  const { health } = state;
  return (
    <>
      <dl className={styles.facts}>
        <dt>Status</dt>
        <dd>{health.status}</dd>
        <dt>Rate limiter</dt>
        <dd>
          {health.limiter === 'upstash' ? 'Upstash Redis (shared by all instances)' : 'In-memory (this process only)'}
        </dd>
        {keySourceText(health) !== null ? (
          <>
            <dt>API keys</dt>
            <dd>{keySourceText(health)}</dd>
          </>
        ) : null}
        <dt>Serves /mcp</dt>
        <dd>
          {health.backend === 'upstream' && health.upstream ? (
            <>
              Upstream MCP server <code className={styles.wrap}>{health.upstream.host}</code>
              {health.upstream.reached === false
                ? ' (not reached at the last check)'
                : health.upstream.reached
                  ? ' (reached)'
                  : ''}
            </>
          ) : (
            'In-process tools'
          )}
        </dd>
        <dt>Issuer</dt>
        <dd>
          <code className={styles.wrap}>{health.issuer}</code>
        </dd>
        <dt>Version</dt>
        <dd>{health.version}</dd>
      </dl>
      {health.limiter === 'memory' ? (
        <p className={styles.warning}>
          <strong>In-memory rate limiting is for local runs.</strong> Each instance counts on its own, so on Vercel or
          behind several instances the limits do not hold. Set <code>UPSTASH_REDIS_REST_URL</code> and{' '}
          <code>UPSTASH_REDIS_REST_TOKEN</code>.
        </p>
      ) : null}
      {pageOrigin !== null && pageOrigin !== health.issuer ? (
        <p className={styles.warning}>
          You opened this page at <code className={styles.wrap}>{pageOrigin}</code>, but connectors use{' '}
          <code className={styles.wrap}>{health.issuer}</code> (<code>PUBLIC_URL</code>). Test from that address to see
          what they see.
        </p>
      ) : null}
      {isEventCounts(health.events) ? <EventCountsTable events={health.events} /> : null}
    </>
  );
}
