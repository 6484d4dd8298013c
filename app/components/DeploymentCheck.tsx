'use client';

import { useState } from 'react';
import {
  CHECK_STEPS,
  checkDeployment,
  DEFAULT_CHECK_DOCUMENT,
  type CheckId,
  type CheckResult,
} from '@/lib/dashboard/deploymentCheck';
import styles from '../page.module.css';

type Props = {
  /** `PUBLIC_URL` as the server knows it (the issuer). */
  readonly publicUrl: string;
};

type Status = 'pending' | 'running' | 'passed' | 'failed';

const STATUS_TEXT: Record<Status, string> = {
  pending: 'Pending',
  running: 'Running…',
  passed: 'Passed',
  failed: 'Failed',
};

/**
 * "Check this deployment": the discovery and registration requests claude.ai makes, run from this
 * page against the origin it was opened on (`lib/dashboard/deploymentCheck.ts`). No API key.
 */
export function DeploymentCheck({ publicUrl }: Props) {
  const [results, setResults] = useState<Partial<Record<CheckId, CheckResult>> | null>(null);
  const [running, setRunning] = useState(false);
  const [clientDocument, setClientDocument] = useState(DEFAULT_CHECK_DOCUMENT);

  async function run() {
    if (running) return;
    setRunning(true);
    setResults({});
    await checkDeployment(
      {
        origin: window.location.origin,
        publicUrl,
        fetch: window.fetch.bind(window),
        clientDocument: clientDocument.trim(),
      },
      (id, result) => setResults((current) => ({ ...current, [id]: result })),
    );
    setRunning(false);
  }

  const statusOf = (id: CheckId): Status => {
    const result = results?.[id];
    if (result) return result.ok ? 'passed' : 'failed';
    return running && CHECK_STEPS.find((s) => !results?.[s.id])?.id === id ? 'running' : 'pending';
  };
  const finished = results !== null && !running;
  const failures = finished ? CHECK_STEPS.filter((s) => results[s.id] && !results[s.id]!.ok).length : 0;

  return (
    <>
      <label className={styles.label} htmlFor="check-client-document">
        Client metadata document to fetch
      </label>
      <div className={styles.keyRow}>
        <input
          id="check-client-document"
          className={styles.input}
          type="url"
          value={clientDocument}
          spellCheck={false}
          autoComplete="off"
          onChange={(event) => setClientDocument(event.target.value)}
          aria-describedby="check-client-document-hint"
        />
        <button type="button" className={styles.primaryButton} aria-disabled={running} onClick={() => void run()}>
          {running ? 'Checking…' : 'Check this deployment'}
        </button>
      </div>
      <p id="check-client-document-hint" className={styles.hint}>
        ChatGPT&apos;s by default; any client&apos;s https document URL works. The server fetches it and its key set
        exactly as the token endpoint will.
      </p>
      <div aria-live="polite" className={styles.statusRegion} aria-busy={running}>
        {results !== null ? (
          <ol className={styles.steps} aria-label="Deployment checks">
            {CHECK_STEPS.map((step) => {
              const status = statusOf(step.id);
              const result = results[step.id];
              return (
                <li
                  key={step.id}
                  className={styles.step}
                  data-status={status === 'passed' ? 'done' : status}
                  data-check={step.id}
                >
                  <span className={styles.stepBadge}>{STATUS_TEXT[status]}</span>
                  <span className={styles.stepText}>
                    {step.label} <span className={styles.muted}>· {step.request}</span>
                    {result ? <span className={styles.checkDetail}>{result.detail}</span> : null}
                    {result?.fix ? <span className={styles.checkFix}>Fix: {result.fix}</span> : null}
                  </span>
                </li>
              );
            })}
          </ol>
        ) : null}
        {finished ? (
          failures === 0 ? (
            <p className={styles.successText}>
              Every check passed: claude.ai and ChatGPT will find and connect to this deployment.
            </p>
          ) : (
            <p className={styles.failureText}>
              {failures} check{failures === 1 ? '' : 's'} failed. Each one names its fix.
            </p>
          )
        ) : null}
      </div>
    </>
  );
}
