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
