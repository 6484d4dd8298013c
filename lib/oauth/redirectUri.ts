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
import type { Config } from '../config';
import { isLoopbackHost } from '../http/loopback';
import { knownClientOfRedirectUri } from './knownClients';

const MAX_REDIRECT_URI_LENGTH = 2000;

export type RedirectUriKind = 'known' | 'configured' | 'https' | 'loopback';
export type CimdRedirectUriKind = 'known' | 'https' | 'loopback' | 'private-use';
export type RedirectPolicy = Pick<Config, 'redirectHosts' | 'redirectUris'>;

/**
 * Printable ASCII without space, backslash, `#`, `*` or quote characters: no fragment, no
 * wildcard, no parser games.
 */
const SAFE_CHARACTERS = /^[\x21\x24-\x26\x28\x29\x2b-\x5b\x5d-\x7e]+$/;

/** Schemes the browser handles itself (RFC 9700 §4.1; OAuth 2.1 §7.12.2) or that are not redirects. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:', 'filesystem:', 'ws:', 'wss:', 'ftp:', 'mailto:', 'view-source:', 'chrome:', 'intent:']);

/**
 * The parsed URI when its syntax is acceptable for a redirect at all: absolute, safe characters,
 * no userinfo or fragment, an authority that is exactly the parsed host, a scheme that is neither
 * forbidden nor `http` off loopback. Says nothing about whether it is allowed.
 */
export function parseSafeRedirectUri(raw: string): URL | null {
  if (raw.length === 0 || raw.length > MAX_REDIRECT_URI_LENGTH || !SAFE_CHARACTERS.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '' || FORBIDDEN_SCHEMES.has(url.protocol)) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1];
  if (scheme === undefined) return null;
  const hierarchical = raw.slice(scheme.length + 1).startsWith('//');
  if (url.protocol === 'https:' || url.protocol === 'http:') {
    if (!hierarchical) return null;
    // The authority as written must be exactly the parsed host: no `@`, no trailing dot, no tricks.
    const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?]*)/i.exec(raw)?.[1];
    if (authority === undefined || authority.toLowerCase() !== url.host) return null;
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return null;
    return url;
  }
  if (hierarchical) {
    const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?]*)/i.exec(raw)![1]!;
    if (authority.toLowerCase() !== url.host.toLowerCase() || authority.includes(':')) return null;
  }
  return url;
}

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
