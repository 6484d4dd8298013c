'use client';

import { useId, useRef, useState, type FormEvent } from 'react';
import { describeFailure } from '@/lib/dashboard/failures';
import { KEY_TEST_STEPS, runKeyTest, type KeyTestResult, type StepId, type StepStatus } from '@/lib/dashboard/keyTest';
import styles from '../page.module.css';

type Props = {
  /** The pre-registered `client_credentials` client id (`OAUTH_CLIENT_ID`). */
  readonly clientId: string;
};

type Steps = Record<StepId, StepStatus>;

const ALL_PENDING: Steps = { token: 'pending', initialize: 'pending', tools: 'pending' };

const STATUS_TEXT: Record<StepStatus, string> = {
  pending: 'Pending',
  running: 'Running…',
  done: 'Done',
  failed: 'Failed',
  skipped: 'Not run',
};

function formatExpiry(expiresAt: number, now: number): string {
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' }).format(
    new Date(expiresAt),
  );
  const minutes = Math.round((expiresAt - now) / 60_000);
  return minutes >= 1 ? `${when} (in ${minutes} minute${minutes === 1 ? '' : 's'})` : when;
}

/**
 * "Test your key": runs `client_credentials` → `initialize` → `tools/list` from this page. The key
 * is read from the field at submit time and handed to the runner; it is never put in state,
 * storage, a cookie, the URL or the console, and the field has no `name`, so even a submission
 * without JavaScript carries nothing.
 */
export function KeyTester({ clientId }: Props) {
  const keyRef = useRef<HTMLInputElement>(null);
  const [steps, setSteps] = useState<Steps | null>(null);
  const [result, setResult] = useState<{ value: KeyTestResult; finishedAt: number } | null>(null);
  const [running, setRunning] = useState(false);
  const inputId = useId();
  const hintId = useId();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (running) return;
    const apiKey = keyRef.current?.value.trim() ?? '';
    if (apiKey === '') {
      keyRef.current?.focus();
      return;
    }
    setRunning(true);
    setResult(null);
    setSteps(ALL_PENDING);
    const value = await runKeyTest({
      apiKey,
      clientId,
      tokenUrl: '/oauth/token',
      mcpUrl: '/mcp',
      clientInfo: { name: 'dashboard', version: '1.0.0' },
      onStep: (step, status) => setSteps((current) => ({ ...(current ?? ALL_PENDING), [step]: status })),
    });
    if (!value.ok) {
      // Later steps never ran; say so rather than leave them "pending".
      setSteps((current) => {
        const next = { ...(current ?? ALL_PENDING) };
        for (const { id } of KEY_TEST_STEPS) if (next[id] === 'pending') next[id] = 'skipped';
        return next;
      });
    }
    setResult({ value, finishedAt: Date.now() });
    setRunning(false);
  }

  const outcome = result?.value;
  const failedStep = outcome && !outcome.ok ? KEY_TEST_STEPS.find((s) => s.id === outcome.step) : undefined;

  return (
    <>
      <form method="post" className={styles.keyForm} onSubmit={(event) => void onSubmit(event)}>
        <label htmlFor={inputId} className={styles.label}>
          API key
        </label>
        <div className={styles.keyRow}>
          <input
            ref={keyRef}
            id={inputId}
            type="password"
            className={styles.input}
            autoComplete="off"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            required
            aria-describedby={hintId}
          />
          <button type="submit" className={styles.primaryButton} aria-disabled={running}>
            Test key
          </button>
        </div>
        <p id={hintId} className={styles.hint}>
          Your browser sends the key once, to this server&apos;s token endpoint, exactly as a script would. It is not
          stored anywhere and is never shown back.
        </p>
      </form>

      <div role="status" className={styles.statusRegion} aria-busy={running}>
        {steps ? (
          <ol className={styles.steps} aria-label="Test steps">
            {KEY_TEST_STEPS.map((step) => (
              <li key={step.id} className={styles.step} data-status={steps[step.id]}>
                <span className={styles.stepBadge}>{STATUS_TEXT[steps[step.id]]}</span>
                <span className={styles.stepText}>
                  {step.label} <span className={styles.muted}>· {step.request}</span>
                </span>
              </li>
            ))}
          </ol>
        ) : null}
        {outcome?.ok ? (
          <p className={styles.successText}>
            Your key works: this server issued a token and listed {outcome.tools.length} tool
            {outcome.tools.length === 1 ? '' : 's'}.
          </p>
        ) : null}
        {outcome && !outcome.ok ? (
          <p className={styles.failureText}>
            <strong>{failedStep ? `${failedStep.label} failed.` : 'The test failed.'}</strong>{' '}
            {describeFailure(outcome.failure)}
          </p>
        ) : null}
      </div>

      {outcome?.ok && result ? (
        <section className={styles.result} aria-labelledby={`${inputId}-result`}>
          <h3 id={`${inputId}-result`}>What a connector will see</h3>
          <dl className={styles.facts}>
            <dt>Key fingerprint</dt>
            <dd>
              <code data-testid="fingerprint">{outcome.fingerprint}</code>
              <span className={styles.muted}>
                {' '}
                (first 16 hex characters of the key&apos;s SHA-256; logs and tokens carry this, never the key)
              </span>
            </dd>
            <dt>Token expires</dt>
            <dd>
              <time dateTime={new Date(outcome.expiresAt).toISOString()}>
                {formatExpiry(outcome.expiresAt, result.finishedAt)}
              </time>
            </dd>
            <dt>Scope</dt>
            <dd>{outcome.scope ?? '(none)'}</dd>
            <dt>Protocol</dt>
            <dd>
              MCP {outcome.protocolVersion}
              {outcome.serverName ? `, server ${outcome.serverName}` : ''}
            </dd>
          </dl>
          <h4>Tools</h4>
          {outcome.tools.length === 0 ? (
            <p>The server lists no tools.</p>
          ) : (
            <ul className={styles.tools} aria-label="Tools">
              {outcome.tools.map((tool) => (
                <li key={tool.name}>
                  <code className={styles.toolName}>{tool.name}</code>
                  {tool.title ? <span className={styles.toolTitle}> {tool.title}</span> : null}
                  <p className={styles.toolDescription}>{tool.description || 'No description.'}</p>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </>
  );
}
