/**
 * Clients' public key sets, fetched from their `jwks_uri` exactly as their metadata documents are
 * (`cimd/fetch.ts`: https only, public addresses unless allowed, no redirects, 5 s, 64 KiB) and
 * kept for as long as the response's cache headers say (`cimd/cache.ts`). A key id the cached set
 * does not hold triggers a refetch, at most once per `REFETCH_INTERVAL_MS` per set, so a client
 * can rotate its keys and a flood of made-up key ids costs one fetch per interval, not one each.
 */
import type { JSONWebKeySet } from 'jose';
import { failure, ok, type Result } from '../../result';
import { BoundedTtlCache, freshnessSeconds } from '../cimd/cache';
import { CimdFetchError, fetchCimdDocument } from '../cimd/fetch';
import { KeySetError, validatePublicKeySet } from './keySet';

export const REFETCH_INTERVAL_MS = 30_000;

export type KeySetFailure = 'jwks_unavailable' | 'jwks_invalid';

const cache = new BoundedTtlCache<JSONWebKeySet>();
const lastFetchedAt = new Map<string, number>();
const inflight = new Map<string, Promise<Result<JSONWebKeySet, KeySetFailure>>>();

async function fetchKeySet(uri: string, allowPrivateAddresses: boolean): Promise<Result<JSONWebKeySet, KeySetFailure>> {
  lastFetchedAt.set(uri, Date.now());
  // Bounded like the cache: the oldest entry goes first.
  if (lastFetchedAt.size > 1024) lastFetchedAt.delete(lastFetchedAt.keys().next().value!);
  try {
    const fetched = await fetchCimdDocument(new URL(uri), { allowPrivateAddresses });
    const keys = validatePublicKeySet(fetched.body);
    cache.set(uri, keys, freshnessSeconds(fetched, Date.now()));
    return ok(keys);
  } catch (error) {
    if (error instanceof CimdFetchError) return failure('jwks_unavailable');
    if (error instanceof KeySetError) return failure('jwks_invalid');
    throw error;
  }
}

function fetchOnce(uri: string, allowPrivateAddresses: boolean): Promise<Result<JSONWebKeySet, KeySetFailure>> {
  let pending = inflight.get(uri);
  if (pending === undefined) {
    pending = fetchKeySet(uri, allowPrivateAddresses).finally(() => inflight.delete(uri));
    inflight.set(uri, pending);
  }
  return pending;
}

/** The key set at `uri`: cached while fresh, else fetched (concurrent callers share one fetch). */
export function keySetAt(uri: string, allowPrivateAddresses: boolean): Promise<Result<JSONWebKeySet, KeySetFailure>> {
  const cached = cache.get(uri);
  return cached !== undefined ? Promise.resolve(ok(cached)) : fetchOnce(uri, allowPrivateAddresses);
}

/**
 * The key set at `uri` fetched again, for a key id the cached set lacks; `null` when it was
 * fetched within the last `REFETCH_INTERVAL_MS` (the caller refuses the assertion).
 */
export function refetchedKeySetAt(
  uri: string,
  allowPrivateAddresses: boolean,
): Promise<Result<JSONWebKeySet, KeySetFailure>> | null {
  const last = lastFetchedAt.get(uri);
  if (last !== undefined && Date.now() - last < REFETCH_INTERVAL_MS) return inflight.get(uri) ?? null;
  return fetchOnce(uri, allowPrivateAddresses);
}
