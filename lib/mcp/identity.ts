import type { Fingerprint } from '../keys';

/** Who is calling `/mcp`, as established by the route's own verification. Never holds a key or token. */
export type Identity = {
  readonly fingerprint: Fingerprint;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Seconds since the epoch; `null` for a raw API key, which does not expire. */
  readonly expiresAt: number | null;
  readonly method: 'oauth_bearer' | 'api_key';
};

/**
 * The user's own key, for the upstream backend only: the presented `X-API-Key`, the key sealed in
 * the access token, or the key list's copy. Kept apart from `Identity`, which tools see.
 */
export type ForwardKey = () => Promise<string | null>;
