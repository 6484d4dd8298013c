'use client';

import { useEffect, useState } from 'react';
import styles from '../page.module.css';

type Health = {
  status: string;
  version: string;
  limiter: 'upstash' | 'memory';
  issuer: string;
  backend?: 'tools' | 'upstream';
  upstream?: { host: string; reached: boolean | null };
};

type State = { phase: 'loading' } | { phase: 'ok'; health: Health } | { phase: 'error'; message: string };

function isHealth(value: unknown): value is Health {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.status === 'string' && typeof v.version === 'string' && (v.limiter === 'upstash' || v.limiter === 'memory') && typeof v.issuer === 'string';
}

/** This instance as `/api/health` reports it: limiter backend, issuer, version. */
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
        setState({ phase: 'error', message: error instanceof Error && error.message.startsWith('HTTP') ? error.message : 'no answer' });
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
        <dd>{health.limiter === 'upstash' ? 'Upstash Redis (shared by all instances)' : 'In-memory (this process only)'}</dd>
        <dt>Serves /mcp</dt>
        <dd>
          {health.backend === 'upstream' && health.upstream ? (
            <>
              Upstream MCP server <code className={styles.wrap}>{health.upstream.host}</code>
              {health.upstream.reached === false ? ' (not reached at the last check)' : health.upstream.reached ? ' (reached)' : ''}
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
          <strong>In-memory rate limiting is for local runs.</strong> Each instance counts on its own, so on Vercel or behind
          several instances the limits do not hold. Set <code>UPSTASH_REDIS_REST_URL</code> and <code>UPSTASH_REDIS_REST_TOKEN</code>.
        </p>
      ) : null}
      {pageOrigin !== null && pageOrigin !== health.issuer ? (
        <p className={styles.warning}>
          You opened this page at <code className={styles.wrap}>{pageOrigin}</code>, but connectors use{' '}
          <code className={styles.wrap}>{health.issuer}</code> (<code>PUBLIC_URL</code>). Test from that address to see what they see.
        </p>
      ) : null}
    </>
  );
}
