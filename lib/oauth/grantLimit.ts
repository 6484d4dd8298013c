/**
 * The per-credential limit of the token and revocation endpoints, spent only by what verified
 * (docs/rate-limits.md, "Token endpoint"). A credential that does not verify (a junk code or
 * refresh token, a wrong secret) counts against the per-address failed-authentication limit and
 * nothing else, so no request naming a shared client id (claude.ai's, Claude Code's, ChatGPT's
 * metadata documents, the pre-registered `mcp`) can use up another user's allowance.
 *
 * Buckets, each a keyed hash in the limiter:
 * - `client_credentials`: the presented secret (only its holder can spend it);
 * - `authorization_code`: the key and client the verified code names;
 * - `refresh_token` (and revocation): the verified token's family.
 * A client that authenticated (a secret, a signed assertion) is still counted per grant, not as
 * one client: ChatGPT's one metadata document serves every ChatGPT user of a deployment.
 */
import { fingerprintOf } from '../keys';
import type { Services } from '../services';
import type { Client } from './clients';
import { countAgainstLimit } from './rateLimits';

export type GrantBucket =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'grant'; readonly client: Client; readonly subject: string }
  | { readonly kind: 'family'; readonly client: Client; readonly family: string };

async function bucketId(bucket: GrantBucket): Promise<string> {
  switch (bucket.kind) {
    case 'secret':
      return `secret:${await fingerprintOf(bucket.secret)}`;
    case 'grant':
      return `grant:${bucket.subject}\0${bucket.client.clientId}`;
    case 'family':
      return `family:${bucket.family}`;
  }
}

/**
 * One request's meter: `count` spends the limit once (a second call is a bug and throws), raising
 * the 429 or 503 `OAuthError`; `headers` are then the `RateLimit-*` headers for the answer.
 */
export type GrantMeter = {
  count(bucket: GrantBucket): Promise<void>;
  readonly headers: Readonly<Record<string, string>>;
};

export function createGrantMeter(services: Services): GrantMeter {
  let headers: Record<string, string> | null = null;
  return {
    async count(bucket) {
      if (headers !== null) throw new Error('a token request is counted once');
      headers = await countAgainstLimit(services, 'token', await bucketId(bucket));
    },
    get headers() {
      return headers ?? {};
    },
  };
}
