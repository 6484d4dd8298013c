/**
 * `MCP_KEY_SOURCE=upstream`: no key list at all; a key is valid when the configured upstream MCP
 * server accepts it. The question is the smallest real MCP exchange the upstream answers, sent
 * with the key in the configured header: `server/discover` (2026-07-28, stateless), or for an
 * older server, which says so with a 400, 404, 405 or 406, an `initialize` (from then on asked
 * first, per process). 2xx is valid, 401 or 403 is not, and anything else (another status, a
 * redirect, the timeout) is *unavailable*, a 503, never "no". A session an older upstream opened
 * for the question is closed again (best effort).
 *
 * The gateway then holds no key: tokens carry it sealed (`lib/tokens/seal.ts`). A revoked key
 * shows up as the upstream's own 401 at `/mcp` and as a "no" when the refresh grant asks again,
 * so `isActive` has nothing to add and says yes.
 */
import type { UpstreamSettings } from '../config';
import { sha256Hex } from '../crypto/sha256';
import { discoverRequest, initializeRequest, MODERN_PROTOCOL_VERSION } from '../protocol';
import { fingerprintOfDigest, type Fingerprint } from './fingerprint';
import type { Identification, KeySource } from './source';
import { ExpiringMap, processState, singleFlight } from './answerCache';

const MAX_PRESENTED_KEY_LENGTH = 512;
const POSITIVE_CACHE_MS = 60_000;
const NEGATIVE_CACHE_MS = 10_000;
const QUESTION_TIMEOUT_MS = 10_000;

const CLIENT_NAME = 'mcp-oauth-gateway (key check)';
const DISCOVER = JSON.stringify(discoverRequest(CLIENT_NAME));
const INITIALIZE = JSON.stringify(initializeRequest(CLIENT_NAME));

type Verdict = 'valid' | 'invalid' | 'unavailable';

/**
 * Statuses by which a server says it does not take `server/discover` (an older revision: an
 * unsupported `MCP-Protocol-Version`, an unknown method, no stateless POST), not that the key is
 * wrong: the judge asks again with `initialize`.
 */
const NOT_MODERN = new Set([400, 404, 405, 406]);

type SharedState = {
  readonly answers: ExpiringMap<boolean>;
  readonly once: (key: string, run: () => Promise<Identification>) => Promise<Identification>;
  /** Whether the upstream answered `server/discover` last time; an older one is asked with `initialize` directly. */
  modern: boolean;
};

export type UpstreamJudgeOptions = {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** State of its own instead of the process's shared one (tests of the source alone). */
  readonly isolated?: boolean;
};

export function createUpstreamJudgeSource(settings: UpstreamSettings, options: UpstreamJudgeOptions = {}): KeySource {
  const fetchFn = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  // One state per process and upstream URL, shared by both walls (`processState`).
  const state = processState<SharedState>(
    'upstream-judge',
    settings.url,
    () => ({ answers: new ExpiringMap(now), once: singleFlight<Identification>(), modern: true }),
    options.isolated,
  );
  const { answers, once } = state;
  const keyHeader = (key: string) => (settings.apiKeyHeader === 'authorization' ? `Bearer ${key}` : key);

  /** `modern`: the 2026-07-28 headers (the revision, and the method named outside the body). */
  async function post(
    key: string,
    body: string,
    modern?: { version: string; method: string },
  ): Promise<Response | null> {
    try {
      return await fetchFn(settings.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          ...(modern === undefined ? {} : { 'MCP-Protocol-Version': modern.version, 'Mcp-Method': modern.method }),
          [settings.apiKeyHeader]: keyHeader(key),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.min(settings.timeoutMs, QUESTION_TIMEOUT_MS)),
      });
    } catch {
      return null;
    }
  }

  function verdictOf(res: Response | null): Verdict {
    if (res === null) return 'unavailable';
    if (res.status >= 200 && res.status < 300) return 'valid';
    if (res.status === 401 || res.status === 403) return 'invalid';
    return 'unavailable';
  }

  /** The 2026-07-28 question: stateless, nothing to close. `null`: the upstream is older. */
  async function askModern(key: string): Promise<Verdict | null> {
    const res = await post(key, DISCOVER, { version: MODERN_PROTOCOL_VERSION, method: 'server/discover' });
    await res?.body?.cancel().catch(() => {});
    if (res !== null && NOT_MODERN.has(res.status)) return null;
    return verdictOf(res);
  }

  /** The question every revision answers; a session the upstream opened for it is closed again. */
  async function askLegacy(key: string): Promise<Verdict> {
    const res = await post(key, INITIALIZE);
    await res?.body?.cancel().catch(() => {});
    const session = res?.headers.get('mcp-session-id');
    if (res?.ok && session) {
      void fetchFn(settings.url, {
        method: 'DELETE',
        headers: { 'Mcp-Session-Id': session, [settings.apiKeyHeader]: keyHeader(key) },
        signal: AbortSignal.timeout(QUESTION_TIMEOUT_MS),
      })
        .then((closed) => closed.body?.cancel())
        .catch(() => {});
    }
    return verdictOf(res);
  }

  async function ask(key: string): Promise<Verdict> {
    if (state.modern) {
      const verdict = await askModern(key);
      if (verdict !== null) return verdict;
      state.modern = false;
    }
    return askLegacy(key);
  }

  return {
    kind: 'upstream',
    holdsKeys: false,
    size: null,
    async identify(presented, options) {
      if (presented.length === 0 || presented.length > MAX_PRESENTED_KEY_LENGTH) return { outcome: 'unknown' };
      const digest = await sha256Hex(presented);
      const fingerprint = fingerprintOfDigest(digest);
      const known = options?.fresh === true ? undefined : answers.get(digest);
      if (known !== undefined)
        return known ? { outcome: 'known', subject: fingerprint, fingerprint } : { outcome: 'unknown' };
      return once(digest, async (): Promise<Identification> => {
        const verdict = await ask(presented);
        if (verdict === 'unavailable') return { outcome: 'unavailable' };
        const valid = verdict === 'valid';
        answers.set(digest, valid, valid ? POSITIVE_CACHE_MS : NEGATIVE_CACHE_MS);
        return valid ? { outcome: 'known', subject: fingerprint, fingerprint } : { outcome: 'unknown' };
      });
    },
    async isActive() {
      return 'active';
    },
    fingerprintOfSubject: (subject) => subject as Fingerprint,
    health: () => ({ keySource: 'upstream' }),
  };
}
