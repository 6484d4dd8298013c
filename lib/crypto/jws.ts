/**
 * The JWS compact serialization (RFC 7515 §7.1) of an HS256 token, taken apart and checked up to
 * and including its signature. Claims are the caller's: `lib/tokens/index.ts` checks them.
 *
 * Written out rather than through jose's `jwtVerify` so the MAC can be Node's synchronous one
 * (`mac.ts`): jose's HMAC verification is a Web Crypto job per token. jose still signs, and
 * `tests/unit/crypto/jws-differential.test.ts` holds this verifier's verdicts to jose's own.
 */
import { base64UrlDecode, base64UrlEncode } from './encoding';
import type { Mac } from './mac';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const encoder = new TextEncoder();
// As jose decodes them: the header leniently, the claims strictly (RFC 7519 §7.2 step 10).
const headerDecoder = new TextDecoder('utf-8');
const payloadDecoder = new TextDecoder('utf-8', { fatal: true });

/** Longer compact tokens are refused unparsed: every token this app issues is far shorter. */
export const MAX_COMPACT_LENGTH = 4096;
const SIGNATURE_LENGTH = 43;

/** Why a compact JWS did not verify; `malformed` is a value that is not a JWS at all. */
export type JwsFailure = 'malformed' | 'alg' | 'typ' | 'crit' | 'kid' | 'signature';

export type JwsResult =
  | { readonly ok: true; readonly header: Record<string, unknown>; readonly payload: Record<string, unknown> }
  | { readonly ok: false; readonly reason: JwsFailure };

/**
 * RFC 7515 §4.1.9: `typ` is compared ignoring case, and a value without a `/` stands for
 * `application/<value>`, so `at+jwt` and `application/at+JWT` name the same type (RFC 9068 §4).
 */
export function typMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const normal = (value: string) => {
    const lower = value.toLowerCase();
    return lower.includes('/') ? lower : `application/${lower}`;
  };
  return normal(presented) === normal(expected);
}

/** A header or payload segment as a JSON object, or `null` when it is not one. */
function decodeJsonSegment(segment: string, decoder: TextDecoder): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(base64UrlDecode(segment)));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Verifies `token` as a compact HS256 JWS of type `typ`, in this order: its shape; the protected
 * header (`alg` HS256 only, `typ` per RFC 7515 §4.1.9, no `crit`, a `kid` that `macFor` knows);
 * the signature, in constant time, in its one canonical encoding. Only then is the payload decoded.
 * Does not look at `jku`, `jwk`, `x5u` or `x5c`: keys come only from the `kid` (RFC 8725 §3.10).
 * @see RFC 7515 §5.2, RFC 8725 §3.1
 */
export async function verifyCompactHs256(
  token: string,
  typ: string,
  macFor: (kid: string) => Mac | undefined,
): Promise<JwsResult> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_COMPACT_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return { ok: false, reason: 'malformed' };
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];

  const header = decodeJsonSegment(encodedHeader, headerDecoder);
  if (!header) return { ok: false, reason: 'malformed' };
  if (header.alg !== 'HS256') return { ok: false, reason: 'alg' };
  if (!typMatches(header.typ, typ)) return { ok: false, reason: 'typ' };
  // RFC 7515 §4.1.11: no extension is understood here, so any `crit` is refused.
  if ('crit' in header) return { ok: false, reason: 'crit' };
  const mac = typeof header.kid === 'string' ? macFor(header.kid) : undefined;
  if (!mac) return { ok: false, reason: 'kid' };

  // Only the canonical encoding of a 32-byte MAC (43 characters): one token has one spelling.
  if (encodedSignature.length !== SIGNATURE_LENGTH) return { ok: false, reason: 'signature' };
  const signature = base64UrlDecode(encodedSignature);
  if (signature.byteLength !== 32 || base64UrlEncode(signature) !== encodedSignature) {
    return { ok: false, reason: 'signature' };
  }
  if (!(await mac.verify(encoder.encode(`${encodedHeader}.${encodedPayload}`), signature))) {
    return { ok: false, reason: 'signature' };
  }
  const payload = decodeJsonSegment(encodedPayload, payloadDecoder);
  return payload ? { ok: true, header, payload } : { ok: false, reason: 'malformed' };
}
