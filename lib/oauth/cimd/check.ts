/**
 * The deployment check's "client metadata document" step: fetch a document and, for a
 * `private_key_jwt` client, its key set, exactly as the token endpoint will (same SSRF-guarded
 * fetcher, same validation), but always afresh and without touching the caches, so the verdict
 * is about now. Says what an operator needs to fix, never quotes key material.
 */
import { z } from 'zod';
import { KeySetError, validatePublicKeySet } from '../assertions/keySet';
import { CimdDocumentError, isCimdClientId, validateCimdDocument, type CimdDocument } from './document';
import { CimdFetchError, fetchCimdDocument } from './fetch';
import { fetchFailureCode } from './index';
import { PINNED_CIMD_DOCUMENTS } from './pinned';
import { emit, hostOf } from '../../observability/log';

export type DocumentVerdict = { readonly ok: boolean; readonly detail: string; readonly fix?: string };

/** What the check needs from the configuration: `CIMD_ALLOW_PRIVATE_HOSTS`. */
export type DocumentCheckPolicy = { readonly dangerouslyAllowPrivateCimdHosts: boolean };

const NO_PUBLIC_ADDRESS = 'its host does not resolve to a public address';

/**
 * The fetch failure as this unauthenticated check may tell it. Whether a name does not resolve or
 * resolves to a private address, and which, goes only to the log (a `cimd` event): told to anyone,
 * it would map the deployment's internal DNS.
 */
function publicReason(reason: string): string {
  return reason.startsWith('host resolves to a non-public address') || reason === 'host name does not resolve'
    ? NO_PUBLIC_ADDRESS
    : reason;
}

function fetchFix(reason: string, host: string): string {
  if (reason === NO_PUBLIC_ADDRESS)
    return `Check the host name ${host}: clients publish their documents on the public internet (CIMD_ALLOW_PRIVATE_HOSTS=1 is for tests only).`;
  if (reason === 'TLS certificate not trusted')
    return `${host}'s certificate is not trusted here: it must chain to a public CA (or NODE_EXTRA_CA_CERTS in tests).`;
  if (/^(timed out|connection failed)/.test(reason))
    return `This deployment could not reach ${host}: allow outbound HTTPS to it, then check again.`;
  return 'The URL must serve the document itself: status 200, application/json, at most 64 KiB, no redirect.';
}

function describeAuth(document: CimdDocument, keys: string): string {
  const { auth } = document;
  if (auth.method === 'none') return 'public client (token_endpoint_auth_method none)';
  return `private_key_jwt${auth.alsoPublic ? ' (also public)' : ''}, ${keys}`;
}

function keyKinds(keys: readonly { kty?: string; crv?: string }[]): string {
  const kinds = [...new Set(keys.map((k) => (k.kty === 'RSA' ? 'RSA' : `${k.kty} ${k.crv}`)))];
  return `${keys.length} ${keys.length === 1 ? 'key' : 'keys'} (${kinds.join(', ')})`;
}

async function judgeKeySet(document: CimdDocument, policy: DocumentCheckPolicy): Promise<DocumentVerdict | string> {
  const { auth } = document;
  if (auth.method === 'none') return '';
  if (auth.keys.kind === 'inline') return `inline key set of ${keyKinds(auth.keys.keys.keys)}`;
  const uri = auth.keys.uri;
  const host = new URL(uri).host;
  try {
    const fetched = await fetchCimdDocument(new URL(uri), {
      allowPrivateAddresses: policy.dangerouslyAllowPrivateCimdHosts,
    });
    return `${keyKinds(validatePublicKeySet(fetched.body).keys)} from ${uri}`;
  } catch (error) {
    if (error instanceof CimdFetchError) {
      const reason = publicReason(error.reason);
      return {
        ok: false,
        detail: `the document is valid, but its key set at ${uri} could not be fetched: ${reason}`,
        fix: fetchFix(reason, host),
      };
    }
    if (error instanceof KeySetError)
      return {
        ok: false,
        detail: `the key set at ${uri} is refused: ${error.reason}`,
        fix: 'A key set must hold only public RSA, EC P-256/P-384 or Ed25519 keys; the client publishing it must fix it.',
      };
    throw error;
  }
}

/** The body of `POST /api/check/client-document`: the document URL to try. */
export const DocumentCheckInput = z.object({
  client_id: z
    .string({ error: 'client_id (the document URL) is required.' })
    .refine(isCimdClientId, 'client_id must be an https URL with a path, in normalized form, at most 512 characters.'),
});

/** The verdict on the document at `clientId`, a CIMD client id (`isCimdClientId`). */
export async function checkClientDocument(clientId: string, policy: DocumentCheckPolicy): Promise<DocumentVerdict> {
  const host = new URL(clientId).host;
  let document: CimdDocument;
  try {
    const fetched = await fetchCimdDocument(new URL(clientId), {
      allowPrivateAddresses: policy.dangerouslyAllowPrivateCimdHosts,
    });
    document = validateCimdDocument(fetched.body, clientId);
  } catch (error) {
    if (error instanceof CimdFetchError) {
      // The precise reason goes to the log, as when the token endpoint meets it.
      emit('cimd', fetchFailureCode(error.reason), { client_kind: 'cimd', redirect_host: hostOf(clientId) });
      const pinned =
        PINNED_CIMD_DOCUMENTS[clientId] !== undefined
          ? '; this server keeps a copy of it, which it uses meanwhile'
          : '';
      const reason = publicReason(error.reason);
      return {
        ok: false,
        detail: `the document could not be fetched: ${reason}${pinned}`,
        fix: fetchFix(reason, host),
      };
    }
    if (error instanceof CimdDocumentError)
      return {
        ok: false,
        detail: `the document is refused: ${error.reason}`,
        fix: 'The client publishing it must follow the rules in docs/connector.md (Client ID Metadata Documents).',
      };
    throw error;
  }
  const keys = await judgeKeySet(document, policy);
  if (typeof keys !== 'string') return keys;
  const uris = document.redirectUris.length;
  return {
    ok: true,
    detail: `"${document.name}": ${describeAuth(document, keys)}; ${uris} redirect ${uris === 1 ? 'URI' : 'URIs'} accepted`,
  };
}
