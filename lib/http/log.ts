/**
 * The one log line for a bug: anything a handler did not expect. The detail (stack) stays in the
 * server log; callers answer with a generic 500 that names nothing internal.
 */
export function logUnexpected(where: string, error: unknown): void {
  console.error(`[${where}] unexpected error:`, error instanceof Error ? (error.stack ?? error.message) : String(error));
}
