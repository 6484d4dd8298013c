/**
 * Emitting an authentication event: one line per decision (JSON on stdout in production, a
 * readable one-liner in development, `LOG_FORMAT` overrides) and one count. The schema is the
 * `AuthEvent` type below and docs/observability.md; nothing outside `EventFields` is ever logged,
 * so no key, token, secret, code or client id can reach a line.
 */
import { outcomeOf, type EventName, type Outcome, type Reason } from './catalogue';
import { countEvent, RUNTIME, type Runtime } from './counts';
import { currentContext, type EventFields } from './context';
import { logFormatOf, type LogFormat } from './logFormat';

export type AuthEvent = {
  readonly time: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly event: EventName;
  readonly outcome: Outcome;
  readonly reason: Reason;
  readonly request_id: string | null;
  /** Milliseconds since the request reached this runtime's handler. */
  readonly duration_ms: number | null;
  readonly runtime: Runtime;
  /** For `server_error` only: the stack of the unexpected error. */
  readonly error?: string;
} & EventFields;

const LEVEL: Record<Outcome, AuthEvent['level']> = { success: 'info', refused: 'warn', failed: 'error' };
const MAX_NAME = 100;
const MAX_ERROR = 2000;

let format: LogFormat | null = null;

function logFormat(): LogFormat {
  return (format ??= logFormatOf(process.env));
}

/**
 * The host of a URI for an event (`redirect_host`): what tells an operator which client and which
 * callback was involved, without its path or query. A non-URL yields a fixed placeholder.
 */
export function hostOf(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  try {
    const url = new URL(uri);
    return url.host || `${url.protocol}`;
  } catch {
    return '(not a URL)';
  }
}

/** Client-controlled text, made safe for one log line. */
function clean(text: string, max: number): string {
  return text.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').slice(0, max);
}

function describeError(error: unknown): string {
  return clean(error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error), MAX_ERROR);
}

export function formatPretty(e: AuthEvent): string {
  const who = [
    e.grant && `grant=${e.grant}`,
    e.client_kind && `client=${e.client_kind}${e.client_name ? `:"${e.client_name}"` : ''}`,
    e.redirect_host && `redirect=${e.redirect_host}`,
    e.fingerprint && `fp=${e.fingerprint}`,
  ].filter(Boolean);
  const tail = [
    `rid=${e.request_id ?? '-'}`,
    e.duration_ms === null ? null : `${e.duration_ms} ms`,
    e.runtime === 'edge' ? 'edge' : null,
  ].filter(Boolean);
  return `[${e.event}] ${e.outcome} ${e.reason}${who.length ? ` ${who.join(' ')}` : ''} (${tail.join(', ')})${e.error ? `\n${e.error}` : ''}`;
}

function build(event: EventName, reason: Reason, fields: EventFields, error: unknown): AuthEvent {
  const context = currentContext();
  const outcome = outcomeOf(reason);
  const merged = { ...context?.fields, ...fields };
  return {
    time: new Date().toISOString(),
    level: LEVEL[outcome],
    event,
    outcome,
    reason,
    ...(merged.grant ? { grant: merged.grant } : {}),
    ...(merged.client_kind ? { client_kind: merged.client_kind } : {}),
    ...(merged.client_name ? { client_name: clean(merged.client_name, MAX_NAME) } : {}),
    ...(merged.redirect_host ? { redirect_host: clean(merged.redirect_host, 255) } : {}),
    ...(merged.fingerprint ? { fingerprint: merged.fingerprint } : {}),
    ...(merged.mcp_method ? { mcp_method: clean(merged.mcp_method, 64) } : {}),
    ...(merged.tool ? { tool: clean(merged.tool, 128) } : {}),
    request_id: context?.requestId ?? null,
    duration_ms: context ? Math.round((performance.now() - context.startedAt) * 10) / 10 : null,
    runtime: RUNTIME,
    ...(reason === 'server_error' && error !== undefined ? { error: describeError(error) } : {}),
  };
}

function write(line: AuthEvent): void {
  // console, not process.stdout: the Edge runtime has no process streams. Under `next start` (and
  // on Vercel) console.log is stdout; JSON lines are what log drains read.
  console.log(logFormat() === 'json' ? JSON.stringify(line) : formatPretty(line));
}

/**
 * Records one decision: counts it, and logs it unless it is a success of `/mcp` (counted only: a
 * line per served request would swamp the logs). `error` is logged for `server_error` only.
 * `reason` should be one of `EVENTS[event].reasons`; the integration tests check every line.
 */
export function emit(event: EventName, reason: Reason, fields: EventFields = {}, error?: unknown): void {
  const context = currentContext();
  countEvent(event, reason, context?.middleware ? 'middleware' : 'routes');
  if (event === 'mcp' && outcomeOf(reason) === 'success') return;
  if (context) context.emitted = true;
  write(build(event, reason, fields, error));
}

/** Counts a decision without logging it (e.g. the second and later failures in a throttled outage). */
export function countOnly(event: EventName, reason: Reason): void {
  countEvent(event, reason, currentContext()?.middleware ? 'middleware' : 'routes');
}
