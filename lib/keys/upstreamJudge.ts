/**
 * `MCP_KEY_SOURCE=upstream`: no key list at all; a key is valid when the configured upstream MCP
 * server accepts it. The question is the smallest real MCP exchange every server answers, an
 * `initialize`, sent with the key in the configured header: 2xx is valid, 401 or 403 is not, and
 * anything else (another status, a redirect, the timeout) is *unavailable*, a 503, never "no".
 * A session the upstream opened for the question is closed again (best effort).
 *
 * The gateway then holds no key: tokens carry it sealed (`lib/tokens/seal.ts`). A revoked key
 * shows up as the upstream's own 401 at `/mcp` and as a "no" when the refresh grant asks again,
 * so `isActive` has nothing to add and says yes.
 */
import type { UpstreamSettings } from '../config';
import { sha256Hex } from '../crypto/sha256';
import { initializeRequest } from '../protocol';
import { fingerprintOfDigest, type Fingerprint } from './fingerprint';
import type { Identification, KeySource } from './source';
import { ExpiringMap, singleFlight } from './answerCache';

const MAX_PRESENTED_KEY_LENGTH = 512;
const POSITIVE_CACHE_MS = 60_000;
const NEGATIVE_CACHE_MS = 10_000;
const QUESTION_TIMEOUT_MS = 10_000;

const INITIALIZE = JSON.stringify(initializeRequest('mcp-oauth-gateway (key check)'));

export function createUpstreamJudgeSource(
  settings: UpstreamSettings,
  fetchFn: typeof fetch = fetch,
  now: () => number = Date.now,
): KeySource {
  const answers = new ExpiringMap<boolean>(now);
  const once = singleFlight<Identification>();
  const keyHeader = (key: string) => (settings.apiKeyHeader === 'authorization' ? `Bearer ${key}` : key);

  async function ask(key: string): Promise<'valid' | 'invalid' | 'unavailable'> {
    let res: Response;
    try {
      res = await fetchFn(settings.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          [settings.apiKeyHeader]: keyHeader(key),
        },
        body: INITIALIZE,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.min(settings.timeoutMs, QUESTION_TIMEOUT_MS)),
      });
    } catch {
      return 'unavailable';
    }
    await res.body?.cancel().catch(() => {});
    const session = res.headers.get('mcp-session-id');
    if (res.ok && session !== null) {
      void fetchFn(settings.url, {
        method: 'DELETE',
        headers: { 'Mcp-Session-Id': session, [settings.apiKeyHeader]: keyHeader(key) },
        signal: AbortSignal.timeout(QUESTION_TIMEOUT_MS),
      })
        .then((closed) => closed.body?.cancel())
        .catch(() => {});
    }
    if (res.status >= 200 && res.status < 300) return 'valid';
    if (res.status === 401 || res.status === 403) return 'invalid';
    return 'unavailable';
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
