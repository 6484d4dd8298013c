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

export { isCimdClientId, type CimdDocument } from './document';

export type CimdResolution = { readonly ok: true; readonly document: CimdDocument } | { readonly ok: false; readonly reason: string };

const cache = new BoundedTtlCache<CimdDocument>();
const inflight = new Map<string, Promise<CimdResolution>>();

async function fetchAndValidate(clientId: string, config: Pick<Config, 'dangerouslyAllowPrivateCimdHosts'>): Promise<CimdResolution> {
  try {
    const fetched = await fetchCimdDocument(new URL(clientId), { allowPrivateAddresses: config.dangerouslyAllowPrivateCimdHosts });
    const document = validateCimdDocument(fetched.body, clientId);
    cache.set(clientId, document, freshnessSeconds(fetched, Date.now()));
    return { ok: true, document };
  } catch (error) {
    if (error instanceof CimdFetchError) {
      const pinned = PINNED_CIMD_DOCUMENTS[clientId];
      if (pinned !== undefined) {
        console.warn(`[cimd] ${clientId}: live fetch failed (${error.reason}); using the pinned copy`);
        const document = validateCimdDocument(pinned, clientId);
        cache.set(clientId, document, PINNED_TTL_SECONDS);
        return { ok: true, document };
      }
      return { ok: false, reason: `metadata document fetch failed: ${error.reason}` };
    }
    if (error instanceof CimdDocumentError) return { ok: false, reason: `metadata document refused: ${error.reason}` };
    throw error;
  }
}

/**
 * The validated document of the CIMD client `clientId`, or why there is none. Never throws for a
 * bad or unreachable document; the caller answers `invalid_client` with the reason logged.
 */
export async function resolveCimdDocument(clientId: string, config: Pick<Config, 'dangerouslyAllowPrivateCimdHosts'>): Promise<CimdResolution> {
  const cached = cache.get(clientId);
  if (cached !== undefined) return { ok: true, document: cached };
  let pending = inflight.get(clientId);
  if (pending === undefined) {
    pending = fetchAndValidate(clientId, config).finally(() => inflight.delete(clientId));
    inflight.set(clientId, pending);
  }
  return pending;
}
