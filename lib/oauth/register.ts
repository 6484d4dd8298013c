/**
 * Dynamic client registration (RFC 7591), stateless: the `client_id` is a signed `client` token
 * carrying the registered metadata, and a confidential client's secret is an HMAC of that id
 * (`tokens.clientSecretFor`). Nothing is stored, so there is no table to fill however often
 * clients register (claude.ai registers on every connection).
 *
 * The id stays at most 512 characters (clients store it and send it in every URL) by storing the
 * redirect URIs compactly: a known client's URI as its alias (`knownClients.ts`), and a loopback
 * URI without its port (the port never matters when matching, RFC 8252 §7.3), so Cursor's three
 * URIs and VS Code's four fit with room to spare.
 *
 * A client may register `private_key_jwt` (RFC 7523 §2.2) with an https `jwks_uri`, which the id
 * carries; an inline `jwks` is refused, as it would not fit the id.
 */
import { z } from 'zod';
import { mediaTypeOf } from '../http/readBody';
import { readOAuthBody } from './formBody';
import { clientIp, UNKNOWN_CLIENT_IP } from '../http/clientIp';
import { MCP_CORS_HEADERS } from '../http/cors';
import type { Reason } from '../observability/catalogue';
import { annotate } from '../observability/context';
import { emit, hostOf } from '../observability/log';
import type { Services } from '../services';
import { jsonResponse } from '../http/json';
import { OAuthError, toErrorResponse } from './errors';
import { MAX_CLIENT_ID_LENGTH } from './clients';
import { countAgainstLimit } from './rateLimits';
import { compactRedirectUri } from './knownClients';
import { classifyRedirectUri, withoutLoopbackPort } from './redirectUri';

const REGISTRATION_BODY_LIMIT = 16 * 1024;
const MAX_REDIRECT_URIS = 10;
const MAX_CLIENT_NAME_LENGTH = 100;

const GRANTS = ['authorization_code', 'refresh_token'] as const;
const AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'] as const;
const MAX_JWKS_URI_LENGTH = 200;

/** The metadata this server registers; other RFC 7591 fields are accepted and ignored. */
const RegistrationRequestSchema = z.object({
  redirect_uris: z.unknown(),
  // RFC 7591 §2: the default method is client_secret_basic.
  token_endpoint_auth_method: z.enum(AUTH_METHODS).default('client_secret_basic'),
  grant_types: z.array(z.enum(GRANTS)).min(1).max(2).default(['authorization_code']),
  jwks_uri: z.string().max(MAX_JWKS_URI_LENGTH).optional(),
  jwks: z.unknown().optional(),
  response_types: z.array(z.literal('code')).min(1).max(1).default(['code']),
  client_name: z
    .string()
    .max(MAX_CLIENT_NAME_LENGTH)
    .regex(/^[^\p{Cc}\p{Cf}]*$/u)
    .optional(),
});

export type RegistrationRequest = z.infer<typeof RegistrationRequestSchema>;

function metadataError(description: string, reason?: Reason): OAuthError {
  return new OAuthError('invalid_client_metadata', description, { reason });
}

function parseRedirectUris(value: unknown, services: Services): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_REDIRECT_URIS) {
    throw new OAuthError('invalid_redirect_uri', `redirect_uris must list 1 to ${MAX_REDIRECT_URIS} URIs.`);
  }
  for (const uri of value) {
    if (typeof uri !== 'string' || classifyRedirectUri(uri, services.config) === null) {
      annotate({ redirect_host: typeof uri === 'string' ? hostOf(uri) : undefined });
      const hosts = services.config.redirectHosts.map((h) => `, https://${h}/…`).join('');
      throw new OAuthError(
        'invalid_redirect_uri',
        `Each redirect URI must be a known client's callback (Claude, ChatGPT, Cursor, VS Code)${hosts}, one this server allows, or http://localhost, http://127.0.0.1 or http://[::1] (any port), without a fragment.`,
      );
    }
  }
  return [...new Set(value as string[])];
}

/** The redirect URIs as a client id stores them: aliases for known ones, loopback without port. */
function compactRedirectUris(uris: readonly string[]): string[] {
  return [...new Set(uris.map((uri) => withoutLoopbackPort(uri) ?? compactRedirectUri(uri)))];
}

function describeIssue(path: readonly PropertyKey[]): string {
  switch (path[0]) {
    case 'token_endpoint_auth_method':
      return `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}.`;
    case 'jwks_uri':
      return `jwks_uri must be an https URL of at most ${MAX_JWKS_URI_LENGTH} characters.`;
    case 'grant_types':
      return `grant_types must be a subset of ${GRANTS.join(', ')}.`;
    case 'response_types':
      return 'response_types must be ["code"].';
    case 'client_name':
      return `client_name must be text of at most ${MAX_CLIENT_NAME_LENGTH} characters.`;
    default:
      return 'The client metadata is invalid.';
  }
}

async function readRegistrationBody(request: Request): Promise<unknown> {
  if (mediaTypeOf(request) !== 'application/json') throw metadataError('The body must be application/json.');
  const text = await readOAuthBody(request, REGISTRATION_BODY_LIMIT, 'invalid_client_metadata');
  try {
    return JSON.parse(text);
  } catch {
    throw metadataError('The body is not valid JSON.');
  }
}

/**
 * Validates client metadata and mints the registration. Throws `OAuthError`
 * (`invalid_redirect_uri`, `invalid_client_metadata`).
 * @see RFC 7591 §2, §3.2.1
 */
export async function registerClient(body: unknown, services: Services): Promise<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw metadataError('The body must be a JSON object.');
  const redirectUris = parseRedirectUris((body as Record<string, unknown>).redirect_uris, services);
  const parsed = RegistrationRequestSchema.safeParse(body);
  if (!parsed.success) throw metadataError(describeIssue(parsed.error.issues[0]?.path ?? []));
  const metadata = parsed.data;
  const grantTypes = GRANTS.filter((g) => metadata.grant_types.includes(g));
  if (!grantTypes.includes('authorization_code')) throw metadataError('grant_types must include authorization_code.');
  const clientName = metadata.client_name?.trim() || undefined;
  const jwksUri = jwksUriOf(metadata);

  const { tokens } = services;
  const { token: clientId } = await tokens.issue(
    'client',
    {
      ru: compactRedirectUris(redirectUris),
      am: metadata.token_endpoint_auth_method,
      ...(jwksUri === undefined ? {} : { ju: jwksUri }),
      // The claim's default is both grants; spelling it out would cost ~65 characters.
      ...(grantTypes.length === GRANTS.length ? {} : { gt: grantTypes }),
      ...(clientName ? { cn: clientName } : {}),
    },
    null,
  );
  if (clientId.length > MAX_CLIENT_ID_LENGTH) {
    throw metadataError(
      `The redirect URIs and client_name are too long to fit a ${MAX_CLIENT_ID_LENGTH}-character client_id; register fewer or shorter ones.`,
    );
  }
  const { iat } = await tokens.verify('client', clientId);

  const response: Record<string, unknown> = {
    client_id: clientId,
    client_id_issued_at: iat,
    redirect_uris: redirectUris,
    token_endpoint_auth_method: metadata.token_endpoint_auth_method,
    grant_types: grantTypes,
    response_types: ['code'],
  };
  if (clientName) response.client_name = clientName;
  if (jwksUri !== undefined) response.jwks_uri = jwksUri;
  if (
    metadata.token_endpoint_auth_method === 'client_secret_post' ||
    metadata.token_endpoint_auth_method === 'client_secret_basic'
  ) {
    response.client_secret = await tokens.clientSecretFor(clientId);
    // RFC 7591 §3.2.1: 0 means the secret does not expire (it lives as long as AUTH_SECRET).
    response.client_secret_expires_at = 0;
  }
  return response;
}

/** The key set's URL of a `private_key_jwt` registration (RFC 7591 §2: not both `jwks_uri` and `jwks`). */
function jwksUriOf(metadata: RegistrationRequest): string | undefined {
  if (metadata.token_endpoint_auth_method !== 'private_key_jwt') return undefined;
  if (metadata.jwks !== undefined) {
    throw metadataError('Register private_key_jwt with a jwks_uri: an inline jwks does not fit a stateless client_id.');
  }
  if (metadata.jwks_uri === undefined) throw metadataError('private_key_jwt needs a jwks_uri.');
  let url: URL;
  try {
    url = new URL(metadata.jwks_uri);
  } catch {
    throw metadataError(describeIssue(['jwks_uri']));
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hash !== '') {
    throw metadataError(describeIssue(['jwks_uri']));
  }
  return url.href;
}

/** The distinct hosts of the registered redirect URIs, comma-separated, for the event. */
function hostsOf(uris: readonly string[]): string {
  return [...new Set(uris.map(hostOf))].join(',');
}

/** `POST /oauth/register`: limit per IP, parse, register; 201 or an RFC 7591 §3.2.2 error. */
export async function handleRegistrationRequest(request: Request, services: Services): Promise<Response> {
  try {
    const limitHeaders = await countAgainstLimit(
      services,
      'register',
      clientIp(request, services.config) ?? UNKNOWN_CLIENT_IP,
    );
    const registration = await registerClient(await readRegistrationBody(request), services);
    emit('register', 'registered', {
      client_name: registration.client_name as string | undefined,
      redirect_host: hostsOf(registration.redirect_uris as string[]),
    });
    return jsonResponse(registration, 201, { ...MCP_CORS_HEADERS, ...limitHeaders });
  } catch (error) {
    const response = toErrorResponse('register', error);
    for (const [name, value] of Object.entries(MCP_CORS_HEADERS)) response.headers.set(name, value);
    return response;
  }
}
