/**
 * Parsing a token request (RFC 6749 §3.2, §4.1.3, §4.4.2, §6) into a union on `grant_type`.
 * Parsing only: nothing here verifies a credential.
 */
import { decodeJwt } from 'jose';
import { mediaTypeOf } from '../http/readBody';
import { assertionRefused, CLIENT_ASSERTION_TYPE, MAX_ASSERTION_BYTES } from './assertions/verify';
import { readOAuthBody } from './formBody';
import { OAuthError } from './errors';

export const TOKEN_BODY_LIMIT = 64 * 1024;

/** How the client presented itself (RFC 6749 §2.3.1), before any verification. */
export type PresentedClient =
  | {
      readonly method: 'client_secret_basic' | 'client_secret_post';
      readonly clientId: string;
      readonly secret: string;
    }
  /** RFC 7523 §2.2: a signed assertion; `clientId` is the parameter, or else the assertion's `iss` (unverified). */
  | { readonly method: 'private_key_jwt'; readonly clientId: string; readonly assertion: string }
  | { readonly method: 'none'; readonly clientId: string };

export type TokenRequest =
  | { readonly grant_type: 'client_credentials'; readonly client: PresentedClient; readonly scope: string | undefined }
  | {
      readonly grant_type: 'authorization_code';
      readonly client: PresentedClient;
      readonly code: string;
      readonly redirect_uri: string | undefined;
      readonly code_verifier: string | undefined;
      readonly resource: string | undefined;
    }
  | {
      readonly grant_type: 'refresh_token';
      readonly client: PresentedClient;
      readonly refresh_token: string;
      readonly scope: string | undefined;
      readonly resource: string | undefined;
    };

export type GrantType = TokenRequest['grant_type'];

const KNOWN_GRANTS: ReadonlySet<string> = new Set<GrantType>([
  'client_credentials',
  'authorization_code',
  'refresh_token',
]);

/** Form-urlencoding (RFC 6749 Appendix B): `+` is a space, then percent-decoding. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseBasic(header: string): { clientId: string; secret: string } | null {
  const match = /^basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header);
  if (!match) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/** Form fields, refusing repeats (RFC 6749 §3.2: parameters must not be included more than once). */
export function singleValuedFields(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (fields.has(name)) throw new OAuthError('invalid_request', `The ${name} parameter is repeated.`);
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    if (value === '') continue;
    if (value.includes('\0')) throw new OAuthError('invalid_request', `The ${name} parameter contains a NUL byte.`);
    fields.set(name, value);
  }
  return fields;
}

/** The client credentials of a token or revocation request (RFC 6749 §2.3.1, RFC 7009 §2.1), unverified. */
export function presentedClient(request: Request, fields: Map<string, string>): PresentedClient {
  const authorization = request.headers.get('authorization');
  const bodyId = fields.get('client_id');
  const bodySecret = fields.get('client_secret');
  if (fields.has('client_assertion') || fields.has('client_assertion_type')) {
    const basic = authorization !== null && /^basic\b/i.test(authorization.trim());
    // RFC 6749 §2.3: a client must not use more than one authentication method per request.
    if (basic || bodySecret !== undefined) {
      throw new OAuthError('invalid_request', 'Use either a client assertion or a client secret, not both.');
    }
    return assertionClient(fields, bodyId);
  }
  if (authorization !== null && /^basic\b/i.test(authorization.trim())) {
    const basic = parseBasic(authorization.trim());
    if (!basic) {
      throw new OAuthError('invalid_client', 'Malformed Basic credentials.', {
        headers: { 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"' },
      });
    }
    // RFC 6749 §2.3: a client must not use more than one authentication method per request.
    if (bodySecret !== undefined)
      throw new OAuthError('invalid_request', 'Use either HTTP Basic or client_secret in the body, not both.');
    if (bodyId !== undefined && bodyId !== basic.clientId)
      throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials.');
    return { method: 'client_secret_basic', clientId: basic.clientId, secret: basic.secret };
  }
  if (bodyId === undefined) {
    throw new OAuthError('invalid_client', 'Client authentication is required (client_id and client_secret).');
  }
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  return { method: 'none', clientId: bodyId };
}

/** RFC 7521 §4.2: both parameters, the JWT bearer type, and (unless `client_id` is sent) an `iss` naming the client. */
function assertionClient(fields: Map<string, string>, bodyId: string | undefined): PresentedClient {
  const assertion = fields.get('client_assertion');
  if (assertion === undefined) throw assertionRefused('assertion_missing');
  if (fields.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE || assertion.length > MAX_ASSERTION_BYTES) {
    throw assertionRefused('assertion_malformed');
  }
  if (bodyId !== undefined) return { method: 'private_key_jwt', clientId: bodyId, assertion };
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    throw assertionRefused('assertion_malformed');
  }
  if (typeof iss !== 'string' || iss === '') throw assertionRefused('assertion_malformed');
  return { method: 'private_key_jwt', clientId: iss, assertion };
}

function required(fields: Map<string, string>, name: string): string {
  const value = fields.get(name);
  if (value === undefined) throw new OAuthError('invalid_request', `The ${name} parameter is required.`);
  return value;
}

/**
 * Reads and parses a token request. Throws `OAuthError` (`invalid_request`, `invalid_client`,
 * `unsupported_grant_type`; 413 `invalid_request` past 64 KiB).
 * @see RFC 6749 §3.2, §4.1.3, §4.4.2, §6
 */
export async function parseTokenRequest(request: Request): Promise<TokenRequest> {
  if (mediaTypeOf(request) !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const body = await readOAuthBody(request, TOKEN_BODY_LIMIT, 'invalid_request');
  const fields = singleValuedFields(body);
  const grantType = required(fields, 'grant_type');
  if (!KNOWN_GRANTS.has(grantType)) {
    throw new OAuthError(
      'unsupported_grant_type',
      'Supported grant types: authorization_code, refresh_token, client_credentials.',
    );
  }
  const client = presentedClient(request, fields);
  switch (grantType as GrantType) {
    case 'client_credentials':
      return { grant_type: 'client_credentials', client, scope: fields.get('scope') };
    case 'authorization_code':
      return {
        grant_type: 'authorization_code',
        client,
        code: required(fields, 'code'),
        redirect_uri: fields.get('redirect_uri'),
        code_verifier: fields.get('code_verifier'),
        resource: fields.get('resource'),
      };
    case 'refresh_token':
      return {
        grant_type: 'refresh_token',
        client,
        refresh_token: required(fields, 'refresh_token'),
        scope: fields.get('scope'),
        resource: fields.get('resource'),
      };
  }
}
