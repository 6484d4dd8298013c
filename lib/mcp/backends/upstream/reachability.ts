/**
 * Whether the upstream answers, for `/api/health`: what the last forwarded request or probe saw,
 * refreshed by one keyless `HEAD` when older than `PROBE_INTERVAL_MS` (concurrent asks share it).
 */

/** How long a health answer about the upstream stays fresh before `/api/health` probes again. */
const PROBE_INTERVAL_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;

export type Reachability = {
  /** Records what a forwarded request saw: an HTTP answer (`true`) or none. */
  observe(reached: boolean): void;
  /** The latest verdict, probing first when it is stale; `null` before anything was seen. Never throws. */
  current(): Promise<boolean | null>;
};

export function createReachability(target: string, timeoutMs: number): Reachability {
  let last: { reached: boolean; at: number } | null = null;
  let probing: Promise<void> | null = null;
  const observe = (reached: boolean) => {
    last = { reached, at: Date.now() };
  };

  /** One `HEAD` without a key: any HTTP answer means the upstream is reachable. */
  async function probe(): Promise<void> {
    try {
      const signal = AbortSignal.timeout(Math.min(timeoutMs, PROBE_TIMEOUT_MS));
      const response = await fetch(target, { method: 'HEAD', redirect: 'manual', signal });
      await response.body?.cancel().catch(() => {});
      observe(true);
    } catch {
      observe(false);
    }
  }

  return {
    observe,
    async current() {
      if (last === null || Date.now() - last.at > PROBE_INTERVAL_MS) {
        probing ??= probe().finally(() => (probing = null));
        await probing;
      }
      // `last` is set by the probe above; read it after the await.
      return (last as { reached: boolean } | null)?.reached ?? null;
    },
  };
}
