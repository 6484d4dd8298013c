/**
 * `MCP_KEY_SERVICE_URL`: the operator's own key service decides which keys are valid, so keys can
 * be issued and revoked all day without a redeploy. The gateway asks it two questions over HTTP,
 * with `Authorization: Bearer MCP_KEY_SERVICE_TOKEN`, never with anything in the URL:
 *
 * - identify: `POST {"digest": "<sha-256 hex of the key>"}` (or `{"key": …}` with
 *   `MCP_KEY_SERVICE_SEND_KEY=1`) → `200 {"valid": true, "subject": "…", "label"?: "…"}` or
 *   `200 {"valid": false}`;
 * - still active: `POST {"subject": "…"}` → `200 {"active": true|false}`.
 *
 * Anything else (another status, another shape, a subject over 128 characters, a redirect, the
 * timeout) is *unavailable*: a 503 upstream of here, never "no". Answers are reused in process for
 * `MCP_KEY_SERVICE_CACHE_SECONDS` (negative ones at most 10 s), concurrent questions about one
 * digest or subject make one call, and while the service cannot answer, a subject seen active
 * within `MCP_KEY_SERVICE_STALE_SECONDS` stays active, so a short outage logs nobody out.
 *
 * Tokens carry the service's subject; events and limits use its keyed hash (`fingerprintOfSubject`),
 * so logs name no customer id.
 */
import { z } from 'zod';
import type { KeyServiceSettings } from '../config/apiKeys';
import { nodeCrypto } from '../crypto/nodeCrypto';
import { sha256Hex } from '../crypto/sha256';
import { emit } from '../observability/log';
import { failure, ok, type Result } from '../result';
import type { Fingerprint } from './fingerprint';
import type { Activity, Identification, KeySource } from './source';
import { ExpiringMap, processState, singleFlight } from './answerCache';

const MAX_SUBJECT_LENGTH = 128;
const MAX_PRESENTED_KEY_LENGTH = 512;
const NEGATIVE_CACHE_SECONDS = 10;
/** Real answers are a few dozen bytes. */
const MAX_ANSWER_BYTES = 4096;

const IdentifyAnswer = z.union([
  z.object({
    valid: z.literal(true),
    subject: z.string().min(1).max(MAX_SUBJECT_LENGTH),
    label: z.string().optional(),
  }),
  z.object({ valid: z.literal(false) }),
]);
const ActiveAnswer = z.object({ active: z.boolean() });

type CallFailure = 'key_service_unavailable' | 'key_service_bad_answer';

const LAST_CALL_TEXT = {
  answered: 'answered',
  key_service_unavailable: 'unavailable',
  key_service_bad_answer: 'bad answer',
  none: 'not asked yet',
} as const;

type SharedState = {
  readonly identified: ExpiringMap<{ subject: string } | null>;
  readonly activity: ExpiringMap<boolean>;
  readonly lastSeenActive: ExpiringMap<true>;
  readonly identifyOnce: (key: string, run: () => Promise<Identification>) => Promise<Identification>;
  readonly activeOnce: (key: string, run: () => Promise<Activity>) => Promise<Activity>;
  /** The last question's outcome, for `/api/health` and the deployment check. */
  lastCall: 'answered' | CallFailure | null;
};

function newState(now: () => number): SharedState {
  return {
    identified: new ExpiringMap(now),
    activity: new ExpiringMap(now),
    lastSeenActive: new ExpiringMap(now),
    identifyOnce: singleFlight<Identification>(),
    activeOnce: singleFlight<Activity>(),
    lastCall: null,
  };
}

export type KeyServiceOptions = {
  readonly settings: KeyServiceSettings;
  /** Key material for the subject's keyed hash (derived from `AUTH_SECRET`). */
  readonly subjectHashKey: Uint8Array;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** Caches of its own instead of the process's shared ones (tests of the source alone). */
  readonly isolated?: boolean;
};

export function createKeyServiceSource(options: KeyServiceOptions): KeySource {
  const { settings } = options;
  const fetchFn = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const node = nodeCrypto;
  if (!node) throw new TypeError('The key service source needs the Node.js runtime');
  const hashKey = node.createSecretKey(options.subjectHashKey);

  // One cache per process and service URL, shared by both walls (`processState`).
  const state = processState('key-service', settings.url, () => newState(now), options.isolated);
  const { identified, activity, lastSeenActive, identifyOnce, activeOnce } = state;

  const fingerprintOfSubject = (subject: string): Fingerprint =>
    node
      .createHmac('sha256', hashKey)
      .update(`key-service-subject\0${subject}`)
      .digest('hex')
      .slice(0, 16) as Fingerprint;

  const seenActive = (subject: string) => lastSeenActive.set(subject, true, settings.staleSeconds * 1000);

  async function ask(body: Record<string, string>): Promise<Result<unknown, CallFailure>> {
    let res: Response;
    try {
      res = await fetchFn(settings.url, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${settings.token}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
    } catch {
      return failure('key_service_unavailable');
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      return failure('key_service_unavailable');
    }
    try {
      const text = await res.text();
      if (text.length > MAX_ANSWER_BYTES) return failure('key_service_bad_answer');
      return ok(JSON.parse(text) as unknown);
    } catch {
      return failure('key_service_bad_answer');
    }
  }

  /** Asks, parses with `schema`, and logs a failure (the event names the code only, never the URL). */
  async function question<T>(body: Record<string, string>, schema: z.ZodType<T>): Promise<T | null> {
    const answer = await ask(body);
    const parsed = answer.ok ? schema.safeParse(answer.value) : null;
    if (parsed?.success) {
      state.lastCall = 'answered';
      return parsed.data;
    }
    state.lastCall = answer.ok ? 'key_service_bad_answer' : answer.reason;
    emit('key_service', state.lastCall);
    return null;
  }

  return {
    kind: 'service',
    holdsKeys: false,
    size: null,
    async identify(presented, options) {
      if (presented.length === 0 || presented.length > MAX_PRESENTED_KEY_LENGTH) return { outcome: 'unknown' };
      const digest = await sha256Hex(presented);
      const cached = options?.fresh === true ? undefined : identified.get(digest);
      if (cached === null) return { outcome: 'unknown' };
      if (cached !== undefined) {
        seenActive(cached.subject);
        return { outcome: 'known', subject: cached.subject, fingerprint: fingerprintOfSubject(cached.subject) };
      }
      return identifyOnce(digest, async () => {
        const answer = await question(settings.sendKey ? { key: presented } : { digest }, IdentifyAnswer);
        // New keys cannot be identified while the service is down: 503, never "wrong key".
        if (answer === null) return { outcome: 'unavailable' };
        if (!answer.valid) {
          identified.set(digest, null, Math.min(settings.cacheSeconds, NEGATIVE_CACHE_SECONDS) * 1000);
          return { outcome: 'unknown' };
        }
        identified.set(digest, { subject: answer.subject }, settings.cacheSeconds * 1000);
        activity.set(answer.subject, true, settings.cacheSeconds * 1000);
        seenActive(answer.subject);
        return { outcome: 'known', subject: answer.subject, fingerprint: fingerprintOfSubject(answer.subject) };
      });
    },
    async isActive(subject) {
      const cached = activity.get(subject);
      if (cached !== undefined) return cached ? 'active' : 'inactive';
      return activeOnce(subject, async () => {
        const answer = await question({ subject }, ActiveAnswer);
        if (answer === null) return lastSeenActive.get(subject) ? 'active' : 'unavailable';
        const ttl =
          (answer.active ? settings.cacheSeconds : Math.min(settings.cacheSeconds, NEGATIVE_CACHE_SECONDS)) * 1000;
        activity.set(subject, answer.active, ttl);
        if (answer.active) seenActive(subject);
        else lastSeenActive.set(subject, true, 0);
        return answer.active ? 'active' : 'inactive';
      });
    },
    fingerprintOfSubject,
    health: () => ({ keySource: 'service', keyService: LAST_CALL_TEXT[state.lastCall ?? 'none'] }),
  };
}
