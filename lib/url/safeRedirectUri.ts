/**
 * The syntax a redirect URI must have before any policy looks at it (RFC 6749 §3.1.2, RFC 9700
 * §4.1, OAuth 2.1 §7.12.2). Policy (which URIs a client may use) is `lib/oauth/redirectUri.ts`;
 * this file is below it so that `lib/config/` can check configured URIs with the same rules.
 */
import { isLoopbackHost } from './loopback';

const MAX_REDIRECT_URI_LENGTH = 2000;

/**
 * Printable ASCII without space, backslash, `#`, `*` or quote characters: no fragment, no
 * wildcard, no parser games.
 */
const SAFE_CHARACTERS = /^[\x21\x24-\x26\x28\x29\x2b-\x5b\x5d-\x7e]+$/;

/** Schemes the browser handles itself (RFC 9700 §4.1; OAuth 2.1 §7.12.2) or that are not redirects. */
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'blob:',
  'about:',
  'filesystem:',
  'ws:',
  'wss:',
  'ftp:',
  'mailto:',
  'view-source:',
  'chrome:',
  'intent:',
]);

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
