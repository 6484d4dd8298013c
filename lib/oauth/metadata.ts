/** Discovery documents, built from configuration only: never from `Host` or forwarded headers. */
import type { Config } from '../config';
import { SUPPORTED_SCOPES } from './scope';

/** RFC 8414 §2: authorization server metadata. Lists only what this server implements. */
export function authorizationServerMetadata(config: Config) {
  return {
    issuer: config.issuer,
    token_endpoint: `${config.issuer}/oauth/token`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    scopes_supported: [...SUPPORTED_SCOPES],
    service_documentation: `${config.publicUrl}/`,
  };
}

/** RFC 9728 §2: protected resource metadata for `/mcp`. */
export function protectedResourceMetadata(config: Config) {
  return {
    resource: config.resource,
    authorization_servers: [config.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: [...SUPPORTED_SCOPES],
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
