/**
 * What a Client ID Metadata Document must say (draft-ietf-oauth-client-id-metadata-document §3,
 * §4; MCP 2026-07-28 authorization, client registration): its `client_id` is the URL it was
 * fetched from, exactly; it names the client and its redirect URIs; and it holds no shared secret.
 * It authenticates at the token endpoint as a public client (`none`, the default) or by signed
 * assertions (`private_key_jwt`, RFC 7523 §2.2, as ChatGPT's documents ask) against public keys
 * it names by `jwks_uri` or lists inline as `jwks`.
 */
import type { JSONWebKeySet } from 'jose';
import { ASSERTION_ALGORITHMS, KeySetError, validatePublicKeySet } from '../assertions/keySet';
import { classifyCimdRedirectUri } from '../redirectUri';

/** The id rides in every code, consent and access token; real documents' URLs are under 100 characters. */
const MAX_CIMD_CLIENT_ID_LENGTH = 512;
const MAX_CIMD_NAME_LENGTH = 100;
const MAX_CIMD_REDIRECT_URIS = 20;

export type CimdGrant = 'authorization_code' | 'refresh_token';

/** Where a client's public keys are: fetched from an https URL, or listed in its document. */
export type KeySetSource =
  { readonly kind: 'uri'; readonly uri: string } | { readonly kind: 'inline'; readonly keys: JSONWebKeySet };

/**
 * How the client authenticates at the token and revocation endpoints. `alsoPublic`: the document
 * also offers `none` (`token_endpoint_auth_methods_supported`), so a request without an
 * assertion is a public client's, held to PKCE as any other.
 */
export type CimdAuth =
  | { readonly method: 'none' }
  | { readonly method: 'private_key_jwt'; readonly alsoPublic: boolean; readonly keys: KeySetSource };

export type CimdDocument = {
  readonly clientId: string;
  readonly auth: CimdAuth;
  readonly name: string;
  /** Only the listed URIs this server accepts (`classifyCimdRedirectUri`); others are dropped. */
  readonly redirectUris: readonly string[];
  readonly grantTypes: readonly CimdGrant[];
};

/** The document's content is not acceptable. `reason` is for the log. */
export class CimdDocumentError extends Error {
  override name = 'CimdDocumentError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Whether `clientId` is shaped as a CIMD client id: an https URL with a path, no userinfo,
 * fragment or dot segments, written in its normalized form (the draft forbids normalizing before
 * comparing, so only the form that is already normal can ever match its document).
 */
export function isCimdClientId(clientId: string): boolean {
  if (clientId.length > MAX_CIMD_CLIENT_ID_LENGTH || !clientId.startsWith('https://')) return false;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  if (url.href !== clientId || url.username !== '' || url.password !== '' || url.hash !== '' || clientId.includes('#'))
    return false;
  if (url.pathname === '/' || /\/\.\.?(\/|$)/.test(url.pathname)) return false;
  return true;
}

const CONTROL = /[\p{Cc}\p{Cf}]/u;

/**
 * The validated document, or `CimdDocumentError`. Fields other than those below are ignored.
 * Without `grant_types`, RFC 7591 §2's default (`authorization_code` only) applies.
 */
export function validateCimdDocument(body: unknown, clientId: string): CimdDocument {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CimdDocumentError('document is not a JSON object');
  const doc = body as Record<string, unknown>;
  if (doc.client_id !== clientId) throw new CimdDocumentError('client_id in the document differs from its URL');
  const name = typeof doc.client_name === 'string' ? doc.client_name.trim() : '';
  if (name === '' || name.length > MAX_CIMD_NAME_LENGTH || CONTROL.test(name))
    throw new CimdDocumentError('client_name missing or not short plain text');
  const auth = authOf(doc);
  if (doc.client_secret !== undefined || doc.client_secret_expires_at !== undefined)
    throw new CimdDocumentError('document carries a client secret');
  if (
    !Array.isArray(doc.redirect_uris) ||
    doc.redirect_uris.length === 0 ||
    doc.redirect_uris.length > MAX_CIMD_REDIRECT_URIS
  ) {
    throw new CimdDocumentError(`redirect_uris missing or not 1 to ${MAX_CIMD_REDIRECT_URIS} URIs`);
  }
  const redirectUris = [
    ...new Set(
      doc.redirect_uris.filter((u): u is string => typeof u === 'string' && classifyCimdRedirectUri(u) !== null),
    ),
  ];
  if (redirectUris.length === 0) throw new CimdDocumentError('no redirect URI this server accepts');

  let grantTypes: CimdGrant[] = ['authorization_code'];
  if (doc.grant_types !== undefined) {
    if (!Array.isArray(doc.grant_types)) throw new CimdDocumentError('grant_types is not an array');
    grantTypes = (['authorization_code', 'refresh_token'] as const).filter((g) =>
      (doc.grant_types as unknown[]).includes(g),
    );
    if (!grantTypes.includes('authorization_code')) throw new CimdDocumentError('grant_types lacks authorization_code');
  }
  if (doc.response_types !== undefined && !(Array.isArray(doc.response_types) && doc.response_types.includes('code'))) {
    throw new CimdDocumentError('response_types lacks code');
  }
  return { clientId, auth, name, redirectUris, grantTypes };
}

function authOf(doc: Record<string, unknown>): CimdAuth {
  const method = doc.token_endpoint_auth_method ?? 'none';
  if (method === 'none') return { method: 'none' };
  if (method !== 'private_key_jwt') {
    throw new CimdDocumentError('token_endpoint_auth_method is neither none nor private_key_jwt (no shared secrets)');
  }
  const alg = doc.token_endpoint_auth_signing_alg;
  if (alg !== undefined && !(ASSERTION_ALGORITHMS as readonly unknown[]).includes(alg)) {
    throw new CimdDocumentError(`token_endpoint_auth_signing_alg is not one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }
  const supported = doc.token_endpoint_auth_methods_supported;
  const alsoPublic = Array.isArray(supported) && supported.includes('none');
  return { method: 'private_key_jwt', alsoPublic, keys: keySetSourceOf(doc) };
}

/** RFC 7591 §2: `jwks_uri` and `jwks` must not both be present; `private_key_jwt` needs one. */
function keySetSourceOf(doc: Record<string, unknown>): KeySetSource {
  if ((doc.jwks_uri === undefined) === (doc.jwks === undefined)) {
    throw new CimdDocumentError('private_key_jwt needs exactly one of jwks_uri and jwks');
  }
  if (doc.jwks !== undefined) {
    try {
      return { kind: 'inline', keys: validatePublicKeySet(doc.jwks) };
    } catch (error) {
      if (error instanceof KeySetError) throw new CimdDocumentError(`jwks: ${error.reason}`);
      throw error;
    }
  }
  let uri: URL;
  try {
    uri = new URL(String(doc.jwks_uri));
  } catch {
    throw new CimdDocumentError('jwks_uri is not a URL');
  }
  if (typeof doc.jwks_uri !== 'string' || uri.protocol !== 'https:' || uri.username !== '' || uri.password !== '') {
    throw new CimdDocumentError('jwks_uri is not an https URL');
  }
  return { kind: 'uri', uri: uri.href };
}
