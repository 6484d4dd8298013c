/**
 * Quiets one rejection Next.js 15.5 leaves unhandled: when a client drops a request that has a
 * body while `middleware.ts` runs, Next's body clone (`getCloneableBody().finalize()` in
 * next/dist/server/body-streams.js, called without `await`) rejects with Node's own
 * `Error: aborted` (ECONNRESET), which Next then logs as "⨯ unhandledRejection" (vercel/next.js
 * issues 56529 and 84649). The gate has already logged that request once, as `client_aborted`.
 *
 * Only that exact error is dropped: Node raises it (`abortIncoming` in node:_http_server) for a
 * socket closed mid-request and for nothing else. Every other rejection reaches Next's handlers
 * unchanged and in order.
 */
type RejectionListener = (reason: unknown, promise: Promise<unknown>) => void;

/** Node's error for a request whose connection closed before its end. */
export function isClientDisconnect(reason: unknown): boolean {
  return (
    reason instanceof Error && reason.message === 'aborted' && (reason as NodeJS.ErrnoException).code === 'ECONNRESET'
  );
}

let installed = false;

/**
 * Wraps the process's `unhandledRejection` listeners so client disconnects skip them. Called by
 * the middleware on its first request: by then `next start`'s router server has added its own
 * listener, which it does after the instrumentation hook would have run.
 */
export function quietClientDisconnects(): void {
  if (installed) return;
  installed = true;
  const listeners = process.listeners('unhandledRejection') as RejectionListener[];
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', (reason, promise) => {
    if (isClientDisconnect(reason)) return;
    for (const listener of listeners) listener(reason, promise);
  });
}
