/**
 * `client_credentials` (RFC 6749 §4.4) for scripts: the pre-registered client (`OAUTH_CLIENT_ID`)
 * whose secret is an API key. claude.ai never uses this grant.
 */
import { annotate } from '../../observability/context';
import type { Services } from '../../services';
import { OAuthError } from '../errors';
import type { GrantMeter } from '../grantLimit';
import { countFailedAuth, lookAtFailedAuth } from '../rateLimits';
import { identifyPresentedKey } from '../keyChecks';
import { parseScope, withAccess } from '../scope';
import { accessOf, narrower } from '../../tokens/access';
import type { TokenRequest } from '../tokenRequest';
import { tokenResponse } from '../tokenResponse';

type ClientCredentialsRequest = Extract<TokenRequest, { grant_type: 'client_credentials' }>;

/** `ip` is the client's bucket for the failed-authentication limit (`lib/http/clientIp.ts`). */
export async function clientCredentialsGrant(
  request: ClientCredentialsRequest,
  services: Services,
  ip: string | null,
  meter: GrantMeter,
): Promise<Response> {
  const { client } = request;
  if (client.method === 'none' || client.method === 'private_key_jwt') {
    throw new OAuthError('invalid_client', 'client_credentials requires a client secret (your API key).', {
      reason: 'client_auth_method_mismatch',
    });
  }
  // The secret's own bucket: only its holder can spend it, so it is counted before it is checked.
  await meter.count({ kind: 'secret', secret: client.secret });
  if (client.clientId === services.config.oauthClientId) annotate({ client_kind: 'preregistered' });
  // Refused before the secret is looked at once this address has failed too often.
  await lookAtFailedAuth(services, ip);
  const key =
    client.clientId === services.config.oauthClientId ? await identifyPresentedKey(services, client.secret) : null;
  if (!key) {
    await countFailedAuth(services, ip);
    throw new OAuthError('invalid_client', 'Client authentication failed.', {
      reason: client.clientId === services.config.oauthClientId ? 'api_key_invalid' : 'client_unknown',
    });
  }
  // No refresh token for this grant (RFC 6749 §4.4.3), so `offline_access` is not granted;
  // `mcp:read` gives a read-only token, capped like every grant by MCP_MAX_ACCESS.
  const requested = accessOf(parseScope(request.scope));
  if (requested === null) throw new OAuthError('invalid_scope', 'This grant issues only the mcp or mcp:read scope.');
  const scopes = withAccess([], narrower(requested, services.config.maxAccess));
  return tokenResponse(services, {
    subject: key.subject,
    ...(services.config.sealsKeys ? { sealKey: client.secret.trim() } : {}),
    clientId: client.clientId,
    scopes,
  });
}
