/**
 * The one Upstash Redis client (REST protocol) and the rules every Redis call follows:
 *
 * - a deadline of `REDIS_TIMEOUT_MS`, enforced twice: each HTTP request carries an abort signal,
 *   and the whole operation (which may be two requests: `EVALSHA`, then `EVAL` on `NOSCRIPT`) races
 *   a timer. The client's retry with backoff is off, so nothing stretches the deadline;
 * - a failure is a value (a `Result` whose reason is `unavailable`), never a throw, and the client library's error text
 *   (which quotes the command) goes nowhere: not to the log, not to a response;
 * - keys are built from keyed hashes only (`createIdHasher`), so Redis never holds a key, a token,
 *   a fingerprint or a client IP, and its contents cannot be matched against fingerprints.
 */
// The Web-API-only build (named for Cloudflare): the same client, without the Node entry's
// `process` probing, so it runs in Edge middleware and Node route handlers alike.
import { Redis } from '@upstash/redis/cloudflare';
import { hex } from './crypto/encoding';
import { hkdf } from './crypto/hkdf';
import { createMac } from './crypto/mac';
import { countOnly, emit } from './observability/log';
import { failure, ok, type Result } from './result';

/** Every Redis operation answers within this or counts as unavailable (at most 1 s: a slow store must not hold a request). */
export const REDIS_TIMEOUT_MS = 800;

/** Every key this app writes starts with this. */
export const KEY_PREFIX = 'mcpgw';

export type RedisClient = Redis;

/** A keyed hash of `id` within `scope`: 32 hex characters. */
export type IdHasher = (scope: string, id: string) => Promise<string>;

/** What every Redis-backed store is built from. */
export type RedisStoreOptions = {
  readonly redis: RedisClient;
  readonly hashId: IdHasher;
  readonly timeoutMs?: number;
};

export function createRedisClient(
  settings: { readonly url: string; readonly token: string },
  timeoutMs: number = REDIS_TIMEOUT_MS,
): RedisClient {
  return new Redis({
    url: settings.url,
    token: settings.token,
    // `false` leaves one immediate second attempt on a network error; both share the one signal below.
    retry: false,
    // A function, so each request gets its own deadline and an abort rejects (a plain signal
    // makes the client resolve with the abort reason as if it were a result).
    signal: () => AbortSignal.timeout(timeoutMs),
    // The Upstash service honours base64 responses; a stock Redis behind the REST bridge does not.
    // Nothing stored here is binary, so plain JSON serves both.
    responseEncoding: false,
    enableTelemetry: false,
  });
}

const OUTAGE_LOG_INTERVAL_MS = 60_000;

// Per runtime (one per process with the Node-runtime middleware), not per module copy: Next
// bundles middleware and each route apart.
const logState: { lastOutageLog: number; outageLogged: boolean } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('mcp-oauth-gateway.redis.log')
] ??= { lastOutageLog: 0, outageLogged: false }) as { lastOutageLog: number; outageLogged: boolean };

/**
 * Every failure is counted; one `redis` event per minute at most is logged while Redis fails, and
 * one (`recovered`) when it answers again after that. The kind of failure is not logged: the
 * client's error text quotes the command it was running.
 */
function noteOutcome(failed: boolean): void {
  if (!failed) {
    if (logState.outageLogged) emit('redis', 'recovered');
    logState.outageLogged = false;
    return;
  }
  const now = Date.now();
  if (now - logState.lastOutageLog > OUTAGE_LOG_INTERVAL_MS) {
    logState.lastOutageLog = now;
    logState.outageLogged = true;
    emit('redis', 'redis_unavailable');
  } else {
    countOnly('redis', 'redis_unavailable');
  }
}

/**
 * Runs one Redis operation under the deadline. Resolves with its value, or the reason
 * `unavailable` when it failed or did not finish in time; never rejects.
 */
export async function withDeadline<T>(
  operation: () => Promise<T>,
  timeoutMs: number = REDIS_TIMEOUT_MS,
): Promise<Result<T, 'unavailable'>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      // Started inside a promise chain, so even a synchronous throw becomes `unavailable`.
      Promise.resolve()
        .then(operation)
        .then(
          (value) => ({ value }),
          () => 'error' as const,
        ),
      deadline,
    ]);
    if (outcome === 'timeout' || outcome === 'error') {
      noteOutcome(true);
      return failure('unavailable');
    }
    noteOutcome(false);
    return ok(outcome.value);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * HMAC-SHA-256 keyed by a key derived from `AUTH_SECRET` (HKDF, its own salt and info), so ids
 * in Redis (fingerprints, client ids, IPs, code ids) cannot be recovered by hashing guesses,
 * not even the 2^32 IPv4 addresses. Rotating `AUTH_SECRET` starts every counter afresh.
 */
export async function createIdHasher(secret: Uint8Array): Promise<IdHasher> {
  // The same 256 bits Web Crypto's `deriveKey` would make into the HMAC key, so ids stay as they were.
  const mac = await createMac(await hkdf(secret, 'mcp-oauth-gateway/redis-ids/v1', 'redis-ids', 32));
  const encoder = new TextEncoder();
  return async (scope, id) => hex((await mac.sign(encoder.encode(`${scope}\0${id}`))).subarray(0, 16));
}
