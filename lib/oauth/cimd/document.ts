/**
 * What a Client ID Metadata Document must say (draft-ietf-oauth-client-id-metadata-document §3,
 * §4; MCP 2026-07-28 authorization, client registration): its `client_id` is the URL it was
 * fetched from, exactly; it names the client and its redirect URIs; and it holds no shared secret
 * (`token_endpoint_auth_method` absent or `none`).
 */
import { classifyCimdRedirectUri } from '../redirectUri';

/** The id rides in every code, consent and access token; real documents' URLs are under 100 characters. */
const MAX_CIMD_CLIENT_ID_LENGTH = 512;
const MAX_CIMD_NAME_LENGTH = 100;
const MAX_CIMD_REDIRECT_URIS = 20;

export type CimdGrant = 'authorization_code' | 'refresh_token';

export type CimdDocument = {
  readonly clientId: string;
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
  const method = doc.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none')
    throw new CimdDocumentError('token_endpoint_auth_method is not none (no shared secrets)');
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
  return { clientId, name, redirectUris, grantTypes };
}
