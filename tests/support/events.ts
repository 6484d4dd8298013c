/** Reading the JSON event lines (`lib/observability/log.ts`) out of an instance's captured output. */
import type { AuthEvent } from '@/lib/observability/log';
import { waitFor } from '@/kit/ports';

/** Every JSON event line in `output`, in order; other lines (Next's banner, stderr) are skipped. */
export function eventsIn(output: string): AuthEvent[] {
  const events: AuthEvent[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{"time":')) continue;
    try {
      const parsed = JSON.parse(line) as AuthEvent;
      if (typeof parsed.event === 'string' && typeof parsed.reason === 'string') events.push(parsed);
    } catch {
      // a line that only looks like an event
    }
  }
  return events;
}

/**
 * The events logged under `requestId`, once at least `count` have arrived (the server writes the
 * line before it answers, but its stdout reaches this process through a pipe).
 */
export async function eventsFor(app: { output(): string }, requestId: string, count = 1): Promise<AuthEvent[]> {
  const matching = () => eventsIn(app.output()).filter((e) => e.request_id === requestId);
  await waitFor(async () => matching().length >= count, 5000, `${count} event(s) for request ${requestId}`);
  return matching();
}

let sequence = 0;

/** A fresh well-formed request id for one test request. */
export function newRequestId(label: string): string {
  sequence += 1;
  // The label's path only (never a query: it may hold a client id), kept short.
  const path = label
    .split('?')[0]!
    .replace(/[^A-Za-z0-9._:-]/g, '-')
    .slice(0, 40);
  return `t-${path}-${process.pid}-${sequence}`;
}
