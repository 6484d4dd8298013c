/**
 * Who a `client_id` is. Three kinds, none stored:
 * - a registered client: the id is a signed `client` token (see `register.ts`) carrying its
 *   redirect URIs (known clients' ones by alias, `knownClients.ts`), authentication method, grant
 *   types and name;
 * - a CIMD client: the id is an https URL whose Client ID Metadata Document names the client and
 *   its redirect URIs (`cimd/`); public, or authenticated by signed assertions against the keys
 *   its document names (`assertions/`), never by a shared secret;
 * - the pre-registered client `OAUTH_CLIENT_ID`: public for the code flow, its redirect URIs are
 *   every non-loopback URI the policy allows (`redirectUri.ts`); for `client_credentials` its
 *   secret is an API key (`grants/clientCredentials.ts`).
 */
import type { Services } from '../services';
import { TokenError } from '../tokens';
import type { Reason } from '../observability/catalogue';
import { annotate } from '../observability/context';
import { OAuthError } from './errors';
import { countFailedAuth, lookAtFailedAuth } from './rateLimits';
import { isCimdClientId, resolveCimdDocument, type CimdAuth } from './cimd';
import { assertionRefused, verifyClientAssertion } from './assertions/verify';
import { expandRedirectUri } from './knownClients';
import { classifyCimdRedirectUri, classifyRedirectUri, redirectUriMatches, sameRedirectUri } from './redirectUri';
import type { PresentedClient } from './tokenRequest';

export type CodeFlowGrant = 'authorization_code' | 'refresh_token';

/**
 * How a client authenticates at the token and revocation endpoints (RFC 6749 §2.3, RFC 7523
 * §2.2): not at all (public, PKCE), by the secret derived from its id, or by signed assertions
 * against its public keys. A metadata document offers `none` or `private_key_jwt` only.
 */
export type ClientAuth = CimdAuth | { readonly method: 'client_secret_post' | 'client_secret_basic' };
type AssertionAuth = Extract<ClientAuth, { method: 'private_key_jwt' }>;

export type Client =
  | {
      readonly kind: 'registered';
      readonly clientId: string;
      readonly name: string | undefined;
      readonly redirectUris: readonly string[];
      readonly auth: ClientAuth;
      readonly grantTypes: readonly CodeFlowGrant[];
    }
  | {
      readonly kind: 'cimd';
      readonly clientId: string;
      readonly name: string;
      readonly redirectUris: readonly string[];
      readonly auth: CimdAuth;
      readonly grantTypes: readonly CodeFlowGrant[];
    }
  | {
      readonly kind: 'preregistered';
      readonly clientId: string;
      readonly name: undefined;
      readonly auth: { readonly method: 'none' };
      readonly grantTypes: readonly CodeFlowGrant[];
    };

/** A registered id is a compact JWS; nothing else is worth a signature check. */
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
export const MAX_CLIENT_ID_LENGTH = 512;

/** A client, or why `client_id` names none (the event's code; the wire says `invalid_client`). */
export type ClientLookup = { readonly client: Client } | { readonly client: null; readonly reason: Reason };

/**
 * The client named by `clientId`, or why there is none: neither the pre-registered id, nor a
 * registered id that verifies (e.g. after `AUTH_SECRET` rotated past it), nor a CIMD URL whose
 * document fetches and validates.
 */
export async function resolveClient(clientId: string, services: Services): Promise<ClientLookup> {
  if (clientId === services.config.oauthClientId) {
    annotate({ client_kind: 'preregistered' });
    return {
      client: {
        kind: 'preregistered',
        clientId,
        name: undefined,
        auth: { method: 'none' },
        grantTypes: ['authorization_code', 'refresh_token'],
      },
    };
  }
  if (clientId.startsWith('https://')) {
    annotate({ client_kind: 'cimd' });
    if (!isCimdClientId(clientId)) return { client: null, reason: 'client_unknown' };
    const resolved = await resolveCimdDocument(clientId, services.config);
    // The `cimd` event (same request id) says why the document failed; this decision is the client's.
    if (!resolved.ok) return { client: null, reason: 'client_unknown' };
    const { document } = resolved;
    annotate({ client_name: document.name });
    return {
      client: {
        kind: 'cimd',
        clientId,
        name: document.name,
        redirectUris: document.redirectUris,
        auth: document.auth,
        grantTypes: document.grantTypes,
      },
    };
  }
  if (clientId.length > MAX_CLIENT_ID_LENGTH || !JWS_SHAPE.test(clientId))
    return { client: null, reason: 'client_unknown' };
  try {
    const claims = await services.tokens.verify('client', clientId);
    const redirectUris = claims.ru.map(expandRedirectUri);
    if (redirectUris.some((uri) => uri === null)) return { client: null, reason: 'client_unknown' };
    const auth = registeredAuth(claims.am, claims.ju);
    if (auth === null) return { client: null, reason: 'client_unknown' };
    annotate({ client_kind: 'registered', client_name: claims.cn });
    return {
      client: {
        kind: 'registered',
        clientId,
        name: claims.cn,
        redirectUris: redirectUris as string[],
        auth,
        grantTypes: claims.gt,
      },
    };
  } catch (error) {
    if (error instanceof TokenError) return { client: null, reason: 'client_unknown' };
    throw error;
  }
}

/** A registered client's method as its id carries it; `null` for a combination registration never signs. */
function registeredAuth(method: string, jwksUri: string | undefined): ClientAuth | null {
  switch (method) {
    case 'none':
    case 'client_secret_post':
    case 'client_secret_basic':
      return jwksUri === undefined ? { method } : null;
    case 'private_key_jwt':
      return jwksUri === undefined ? null : { method, alsoPublic: false, keys: { kind: 'uri', uri: jwksUri } };
    default:
      return null;
  }
}

/**
 * The redirect URI the authorization response goes to, or `null` when `presented` is not one of
 * the client's. Without `presented`, a client's only URI is used (RFC 6749 §3.1.2.3) unless it is
 * a loopback one, whose port only the request can name.
 */
export function resolveRedirectUri(client: Client, presented: string | undefined, services: Services): string | null {
  const { config } = services;
  if (client.kind === 'preregistered') {
    if (presented === undefined) return null;
    const kind = classifyRedirectUri(presented, config);
    return kind !== null && kind !== 'loopback' ? presented : null;
  }
  if (presented === undefined) {
    const only = client.redirectUris.length === 1 ? client.redirectUris[0]! : null;
    return only !== null && classifyRedirectUri(only, config) !== 'loopback' ? only : null;
  }
  if (client.kind === 'cimd') {
    // MCP 2026-07-28: the requested URI must be one the document lists; loopback ports are free.
    return classifyCimdRedirectUri(presented) !== null &&
      client.redirectUris.some((listed) => sameRedirectUri(listed, presented))
      ? presented
      : null;
  }
  return client.redirectUris.some((registered) => redirectUriMatches(registered, presented, config)) ? presented : null;
}

function clientAuthFailed(reason: Reason): OAuthError {
  // RFC 6749 §5.2: invalid_client is 401. Clients such as claude.ai re-register on it.
  return new OAuthError('invalid_client', 'Client authentication failed.', { reason });
}

/**
 * Authenticates the token-endpoint caller by the method its registration names (RFC 6749 §2.3):
 * public clients send only `client_id`; confidential ones the derived secret by POST or Basic.
 * Refuses an IP over the failed-authentication limit before looking at any secret, and counts
 * each failure against it. Does not check which grant the client may use.
 * @see RFC 6749 §2.3.1, §3.2.1; RFC 7591 §2
 */
export async function authenticateClient(
  presented: PresentedClient,
  services: Services,
  ip: string | null,
): Promise<Client> {
  const lookup = await resolveClient(presented.clientId, services);
  if (lookup.client === null) {
    await countFailedAuth(services, ip);
    throw clientAuthFailed(lookup.reason);
  }
  const { client } = lookup;
  if (client.auth.method === 'private_key_jwt') {
    return authenticateByAssertion(client, client.auth, presented, services, ip);
  }
  if (presented.method === 'private_key_jwt') {
    await countFailedAuth(services, ip);
    throw clientAuthFailed('client_auth_method_mismatch');
  }
  if (client.auth.method === 'none') {
    if (presented.method !== 'none') {
      await countFailedAuth(services, ip);
      throw clientAuthFailed('client_auth_method_mismatch');
    }
    return client;
  }
  if (presented.method === 'none') {
    await countFailedAuth(services, ip);
    throw clientAuthFailed('client_auth_method_mismatch');
  }
  await lookAtFailedAuth(services, ip);
  if (!(await services.tokens.verifyClientSecret(client.clientId, presented.secret))) {
    await countFailedAuth(services, ip);
    throw clientAuthFailed('client_secret_mismatch');
  }
  return client;
}

/**
 * A client that signs its requests (RFC 7523 §2.2): an assertion must verify; without one, the
 * request is a public client's only when its metadata document also offers `none`.
 */
async function authenticateByAssertion(
  client: Client,
  auth: AssertionAuth,
  presented: PresentedClient,
  services: Services,
  ip: string | null,
): Promise<Client> {
  if (presented.method === 'none' && auth.alsoPublic) return client;
  if (presented.method !== 'private_key_jwt') {
    await countFailedAuth(services, ip);
    throw presented.method === 'none'
      ? assertionRefused('assertion_missing')
      : clientAuthFailed('client_auth_method_mismatch');
  }
  await lookAtFailedAuth(services, ip);
  try {
    await verifyClientAssertion(presented.assertion, client.clientId, auth.keys, services);
  } catch (error) {
    if (error instanceof OAuthError && error.status === 401) await countFailedAuth(services, ip);
    throw error;
  }
  return client;
}

/** RFC 6749 §5.2 `unauthorized_client` when the registration did not ask for `grant`. */
export function assertClientMayUse(client: Client, grant: CodeFlowGrant): void {
  if (!client.grantTypes.includes(grant)) {
    throw new OAuthError('unauthorized_client', `This client is not registered for the ${grant} grant.`);
  }
}
