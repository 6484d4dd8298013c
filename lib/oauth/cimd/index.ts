/**
 * Resolving a CIMD client id (an https URL) to its validated document: from this instance's
 * cache, else fetched (SSRF-guarded, `fetch.ts`) and validated (`document.ts`), else, for
 * Claude's two documents only, the pinned copy (`pinned.ts`). Concurrent lookups of one URL share
 * one fetch.
 * @see draft-ietf-oauth-client-id-metadata-document §4; MCP 2026-07-28 authorization, client registration
 */
import type { Config } from '../../config';
import { BoundedTtlCache, freshnessSeconds } from './cache';
import { CimdDocumentError, validateCimdDocument, type CimdDocument } from './document';
import { CimdFetchError, fetchCimdDocument } from './fetch';
import { PINNED_CIMD_DOCUMENTS, PINNED_TTL_SECONDS } from './pinned';
import type { Reason } from '../../observability/catalogue';
import { emit, hostOf } from '../../observability/log';

export { isCimdClientId, type CimdAuth, type CimdDocument, type KeySetSource } from './document';

/** `reason` is the `cimd` event's code (`lib/observability/catalogue.ts`). */
export type CimdResolution =
  { readonly ok: true; readonly document: CimdDocument } | { readonly ok: false; readonly reason: Reason };

/** The event code of a fetch failure, from the fixed texts `fetch.ts` gives its `CimdFetchError`s. */
export function fetchFailureCode(reason: string): Reason {
  if (reason.startsWith('timed out')) return 'cimd_timeout';
  if (reason.startsWith('document larger than')) return 'cimd_too_large';
  if (reason.startsWith('host resolves to a non-public address')) return 'cimd_blocked_address';
  if (
    reason === 'document is not valid JSON' ||
    reason === 'content type is not application/json' ||
    reason === 'content is encoded'
  )
    return 'cimd_invalid';
  return 'cimd_unreachable';
}

const cache = new BoundedTtlCache<CimdDocument>();
const inflight = new Map<string, Promise<CimdResolution>>();

async function fetchAndValidate(
  clientId: string,
  config: Pick<Config, 'dangerouslyAllowPrivateCimdHosts'>,
): Promise<CimdResolution> {
  try {
    const fetched = await fetchCimdDocument(new URL(clientId), {
      allowPrivateAddresses: config.dangerouslyAllowPrivateCimdHosts,
    });
    const document = validateCimdDocument(fetched.body, clientId);
    cache.set(clientId, document, freshnessSeconds(fetched, Date.now()));
    return { ok: true, document };
  } catch (error) {
    const fields = { client_kind: 'cimd', redirect_host: hostOf(clientId) } as const;
    if (error instanceof CimdFetchError) {
      // The event names the document's host; the pinned copy, if any, still serves.
      emit('cimd', fetchFailureCode(error.reason), fields);
      const pinned = PINNED_CIMD_DOCUMENTS[clientId];
      if (pinned !== undefined) {
        const document = validateCimdDocument(pinned, clientId);
        cache.set(clientId, document, PINNED_TTL_SECONDS);
        return { ok: true, document };
      }
      return { ok: false, reason: fetchFailureCode(error.reason) };
    }
    if (error instanceof CimdDocumentError) {
      emit('cimd', 'cimd_invalid', fields);
      return { ok: false, reason: 'cimd_invalid' };
    }
    throw error;
  }
}

/**
 * The validated document of the CIMD client `clientId`, or why there is none. Never throws for a
 * bad or unreachable document; the caller answers `invalid_client` with the reason logged.
 */
export async function resolveCimdDocument(
  clientId: string,
  config: Pick<Config, 'dangerouslyAllowPrivateCimdHosts'>,
): Promise<CimdResolution> {
  const cached = cache.get(clientId);
  if (cached !== undefined) return { ok: true, document: cached };
  let pending = inflight.get(clientId);
  if (pending === undefined) {
    pending = fetchAndValidate(clientId, config).finally(() => inflight.delete(clientId));
    inflight.set(clientId, pending);
  }
  return pending;
}
