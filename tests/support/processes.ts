import type { ChildProcess } from 'node:child_process';

/** Stops a child process the tests or the bench started: SIGTERM, then SIGKILL after 3 s. Resolves once it has exited. */
export function stopProcess(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
