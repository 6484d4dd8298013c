/**
 * Redirect-URI policy (RFC 6749 §3.1.2, RFC 8252 §7, OAuth 2.1 §2.3.1). A redirect URI of a
 * registered client is one of:
 * - `known`: exactly one of the built-in known clients' URIs (`knownClients.ts`);
 * - `configured`: exactly one of `OAUTH_REDIRECT_URIS` (may use a private-use scheme, RFC 8252 §7.1);
 * - `https`: `https` on a host of `OAUTH_REDIRECT_HOSTS`, default port, exact host name;
 * - `loopback`: `http` on `localhost`, `127.0.0.1` or `[::1]`, any port (RFC 8252 §7.3).
 * A Client ID Metadata Document may also list `https` on any host and private-use schemes in
 * reverse-domain form (see {@link classifyCimdRedirectUri}).
 *
 * Never: a fragment, userinfo, a wildcard, `javascript:`, `data:`, `file:` and other schemes a
 * browser runs or reads itself, or `http` off loopback. Matching is exact string comparison,
 * except that the port of a loopback URI may differ from the registered one (RFC 8252 §7.3:
 * native apps pick an ephemeral port per request).
 */
import { parseSafeRedirectUri } from '../url/safeRedirectUri';
import { knownClientOfRedirectUri } from './knownClients';

export type RedirectUriKind = 'known' | 'configured' | 'https' | 'loopback';
export type CimdRedirectUriKind = 'known' | 'https' | 'loopback' | 'private-use';
/** What a deployment allows beyond the known clients: `OAUTH_REDIRECT_HOSTS` and `OAUTH_REDIRECT_URIS`. */
export type RedirectPolicy = {
  readonly redirectHosts: readonly string[];
  readonly redirectUris: readonly string[];
};

/**
 * The kind of an acceptable redirect URI of a registered (or pre-registered) client, or `null`
 * when the policy refuses it. Does not check registration; see {@link redirectUriMatches}.
 */
export function classifyRedirectUri(raw: string, policy: RedirectPolicy): RedirectUriKind | null {
  const url = parseSafeRedirectUri(raw);
  if (url === null) return null;
  if (url.protocol === 'http:') return 'loopback';
  if (knownClientOfRedirectUri(raw) !== undefined) return 'known';
  if (policy.redirectUris.includes(raw)) return 'configured';
  if (url.protocol === 'https:' && url.port === '' && policy.redirectHosts.includes(url.hostname)) return 'https';
  return null;
}

/**
 * The kind of a redirect URI listed by a Client ID Metadata Document, or `null`. The document's
 * own https origin vouches for it, so any https host is allowed; a private-use scheme must be in
 * reverse-domain form (RFC 8252 §7.1) unless it is a known client's.
 */
export function classifyCimdRedirectUri(raw: string): CimdRedirectUriKind | null {
  const url = parseSafeRedirectUri(raw);
  if (url === null) return null;
  if (url.protocol === 'http:') return 'loopback';
  if (knownClientOfRedirectUri(raw) !== undefined) return 'known';
  if (url.protocol === 'https:') return 'https';
  return /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+:$/i.test(url.protocol) ? 'private-use' : null;
}

const LOOPBACK_PATTERN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/i;

/** A loopback URI without its port, or `null` when `uri` is not one (or its port is out of range). */
export function withoutLoopbackPort(uri: string): string | null {
  const match = LOOPBACK_PATTERN.exec(uri);
  if (!match) return null;
  const port = match[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  return `http://${match[1]!.toLowerCase()}${match[3] ?? ''}`;
}

/**
 * Whether `presented` names the same redirect as `registered`: identical strings, or two loopback
 * URIs that differ only by port (RFC 8252 §7.3). Applies no policy: callers check the kind first.
 */
export function sameRedirectUri(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  const a = withoutLoopbackPort(registered);
  return a !== null && a === withoutLoopbackPort(presented);
}

/**
 * Whether `presented` is the registered redirect URI of a registered client: both pass the policy
 * of {@link classifyRedirectUri} and {@link sameRedirectUri} holds.
 */
export function redirectUriMatches(registered: string, presented: string, policy: RedirectPolicy): boolean {
  const kind = classifyRedirectUri(presented, policy);
  if (kind === null || classifyRedirectUri(registered, policy) === null) return false;
  return sameRedirectUri(registered, presented);
}
