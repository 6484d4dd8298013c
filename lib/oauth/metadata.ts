/** Discovery documents, built from configuration only: never from `Host` or forwarded headers. */
import type { Config } from '../config';
import { ASSERTION_ALGORITHMS } from './assertions/keySet';
import { SUPPORTED_SCOPES } from './scope';

/** RFC 8414 §2: authorization server metadata. Lists only what this server implements. */
export function authorizationServerMetadata(config: Config) {
  return {
    issuer: config.issuer,
    authorization_endpoint: `${config.issuer}/oauth/authorize`,
    token_endpoint: `${config.issuer}/oauth/token`,
    registration_endpoint: `${config.issuer}/oauth/register`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    // OAuth 2.1 §4.1.1: S256 only; `plain` is refused.
    code_challenge_methods_supported: ['S256'],
    // `none` is what CIMD clients use: claude.ai and Claude Code switch to CIMD only when it is listed.
    // `private_key_jwt` (RFC 7523 §2.2) is for metadata-document clients that sign (ChatGPT).
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    // draft-ietf-oauth-client-id-metadata-document §5; MCP 2026-07-28: an https client_id is a URL
    // to the client's metadata document (lib/oauth/cimd/).
    client_id_metadata_document_supported: true,
    // RFC 7009, RFC 8414 §2: clients authenticate at revocation as at the token endpoint.
    revocation_endpoint: `${config.issuer}/oauth/revoke`,
    revocation_endpoint_auth_methods_supported: [
      'none',
      'client_secret_post',
      'client_secret_basic',
      'private_key_jwt',
    ],
    revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    scopes_supported: [...SUPPORTED_SCOPES],
    // RFC 9207: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${config.publicUrl}/`,
  };
}

/** RFC 9728 §2: protected resource metadata for `/mcp`. */
export function protectedResourceMetadata(config: Config) {
  return {
    resource: config.resource,
    authorization_servers: [config.issuer],
    bearer_methods_supported: ['header'],
    // MCP 2026-07-28: offline_access is for the authorization server to list, not the resource.
    scopes_supported: ['mcp', 'mcp:read'],
    resource_name: 'MCP server',
    resource_documentation: `${config.publicUrl}/`,
  };
}

/** Public, cacheable JSON readable from any origin (browser-based clients fetch discovery). */
export function discoveryResponse(document: unknown): Response {
  return new Response(JSON.stringify(document), {
    headers: {
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=300',
      'Access-Control-Allow-Origin': '*',
    },
  });
}
