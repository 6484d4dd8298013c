/**
 * Redirect-URI policy (RFC 6749 §3.1.2, RFC 8252 §7.3, OAuth 2.1 §2.3.1). A redirect URI is one
 * of two shapes:
 * - `https` on a host of the allowlist (`OAUTH_REDIRECT_HOSTS`), default port, exact host name
 *   (no look-alike, no trailing dot, no userinfo);
 * - `http` on a loopback host (`localhost`, `127.0.0.1`, `[::1]`), any port.
 * Never a fragment, never another scheme. Matching is exact string comparison, except that the
 * port of a loopback URI may differ from the registered one (RFC 8252 §7.3: native apps pick an
 * ephemeral port per request).
 */
import type { Config } from '../config';
import { isLoopbackHost } from '../http/loopback';


export const MAX_REDIRECT_URI_LENGTH = 2000;

export type RedirectUriKind = 'https' | 'loopback';

/** Printable ASCII without space, backslash, `#` or quote characters: no fragment, no parser games. */
const SAFE_CHARACTERS = /^[\x21\x24-\x26\x28-\x5b\x5d-\x7e]+$/;

/**
 * The kind of an acceptable redirect URI, or `null` when the policy refuses it.
 * Does not check registration; see {@link redirectUriMatches}.
 */
export function classifyRedirectUri(raw: string, config: Pick<Config, 'redirectHosts'>): RedirectUriKind | null {
  if (raw.length === 0 || raw.length > MAX_REDIRECT_URI_LENGTH || !SAFE_CHARACTERS.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return null;
  // The authority as written must be exactly the parsed host: no `@`, no trailing dot, no tricks.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?]*)/i.exec(raw)?.[1];
  if (authority === undefined || authority.toLowerCase() !== url.host) return null;
  if (url.protocol === 'https:') {
    return url.port === '' && config.redirectHosts.includes(url.hostname) ? 'https' : null;
  }
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? 'loopback' : null;
  return null;
}

const LOOPBACK_PATTERN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?].*)?$/i;

function withoutLoopbackPort(uri: string): string | null {
  const match = LOOPBACK_PATTERN.exec(uri);
  if (!match) return null;
  const port = match[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  return `http://${match[1]!.toLowerCase()}${match[3] ?? ''}`;
}

/**
 * Whether `presented` is the registered redirect URI: identical strings, or two loopback URIs that
 * differ only by port (RFC 8252 §7.3). Both must pass the policy of {@link classifyRedirectUri}.
 */
export function redirectUriMatches(registered: string, presented: string, config: Pick<Config, 'redirectHosts'>): boolean {
  const kind = classifyRedirectUri(presented, config);
  if (kind === null || classifyRedirectUri(registered, config) !== kind) return false;
  if (registered === presented) return true;
  if (kind !== 'loopback') return false;
  const a = withoutLoopbackPort(registered);
  return a !== null && a === withoutLoopbackPort(presented);
}
