/** RFC 8707 resource indicators: this server protects exactly one resource, `PUBLIC_URL/mcp`. */
import type { Config } from '../config';
import { OAuthError } from './errors';

/**
 * Accepts the resource with or without a trailing slash (clients differ) and returns the
 * canonical form; `undefined` means the client did not name one.
 * @see RFC 8707 §2
 */
export function assertOurResource(raw: string | undefined, config: Pick<Config, 'resource'>): string {
  if (raw === undefined || raw === config.resource || raw === `${config.resource}/`) return config.resource;
  throw new OAuthError('invalid_target', `The only resource served here is ${config.resource}.`, {
    reason: 'invalid_target',
  });
}
