/**
 * The token endpoint (RFC 6749 §3.2): parse, dispatch on `grant_type`. Each grant spends the
 * per-credential limit once what it names has verified (`grantLimit.ts`).
 */
import { clientIp } from '../http/clientIp';
import { annotate } from '../observability/context';
import { emit } from '../observability/log';
import type { Services } from '../services';
import { OAuthError, toErrorResponse } from './errors';
import { createGrantMeter, type GrantMeter } from './grantLimit';
import { authorizationCodeGrant } from './grants/authorizationCode';
import { clientCredentialsGrant } from './grants/clientCredentials';
import { refreshTokenGrant } from './grants/refreshToken';
import { parseTokenRequest, type TokenRequest } from './tokenRequest';

async function dispatch(
  request: TokenRequest,
  services: Services,
  ip: string | null,
  meter: GrantMeter,
): Promise<Response> {
  switch (request.grant_type) {
    case 'client_credentials':
      return clientCredentialsGrant(request, services, ip, meter);
    case 'authorization_code':
      return authorizationCodeGrant(request, services, ip, meter);
    case 'refresh_token':
      return refreshTokenGrant(request, services, ip, meter);
  }
}

/** Answers one token request; every failure is an RFC 6749 §5.2 JSON error. */
export async function handleTokenRequest(request: Request, services: Services): Promise<Response> {
  try {
    const parsed = await parseTokenRequest(request);
    annotate({ grant: parsed.grant_type });
    const meter = createGrantMeter(services);
    const response = await dispatch(parsed, services, clientIp(request, services.config), meter);
    for (const [name, value] of Object.entries(meter.headers)) response.headers.set(name, value);
    emit('token', 'issued');
    return response;
  } catch (error) {
    return clientEndpointErrorResponse('token', request, error);
  }
}

/** The error response of an endpoint where clients authenticate (token, revocation). */
export function clientEndpointErrorResponse(where: 'token' | 'revoke', request: Request, error: unknown): Response {
  if (
    error instanceof OAuthError &&
    error.code === 'invalid_client' &&
    /^\s*basic\b/i.test(request.headers.get('authorization') ?? '')
  ) {
    // RFC 6749 §5.2: a client that authenticated with Basic gets a Basic challenge.
    error.headers['WWW-Authenticate'] = 'Basic realm="oauth", charset="UTF-8"';
  }
  return toErrorResponse(where, error);
}
