/** PKCE with S256 only (RFC 7636; OAuth 2.1 §4.1.1 forbids `plain` where S256 is possible). */
import { base64UrlEncode } from '../crypto/encoding';

/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isS256Challenge(value: string): boolean {
  return CHALLENGE.test(value);
}

function isCodeVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

export async function s256Challenge(verifier: string): Promise<string> {
  return base64UrlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/**
 * Whether `verifier` hashes to `challenge` (RFC 7636 §4.6). A malformed verifier never matches.
 * The comparison does not stop at the first differing character.
 */
export async function verifyCodeVerifier(verifier: string, challenge: string): Promise<boolean> {
  if (!isCodeVerifier(verifier) || !isS256Challenge(challenge)) return false;
  const computed = await s256Challenge(verifier);
  let diff = 0;
  for (let i = 0; i < computed.length; i++) diff |= computed.charCodeAt(i) ^ challenge.charCodeAt(i);
  return diff === 0;
}
