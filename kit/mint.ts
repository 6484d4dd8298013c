/** Tokens minted the way a server with the test secret would, for forging and expiry cases. */
import { createTokenService } from '@/lib/tokens';
import { loadConfig } from '@/lib/config';

export async function tokenServiceFor(env: Record<string, string>, now?: () => number) {
  const config = loadConfig({ ...env });
  return createTokenService({ secret: config.authSecret, issuer: config.issuer, resource: config.resource, now });
}
