/**
 * The only module that signs or verifies. Every token this server hands out is an HS256 JWT of one
 * `kind`; each kind has its own key (HKDF from AUTH_SECRET, one `info` per kind) and its own `typ`,
 * so no token of one kind verifies as another (RFC 8725 §3.11, §3.12).
 *
 * `kid` names the secret generation, so `AUTH_SECRET_PREVIOUS` keeps verifying (never signing)
 * tokens minted before a rotation.
 */
import { SignJWT, type JWTPayload } from 'jose';
import { z } from 'zod';
import { base64UrlDecode, base64UrlEncode } from './encoding';
import { createMac, type Mac } from './hmac';
import type { Fingerprint } from './keys';
import { randomBase64Url } from './random';

export type TokenKind = 'access' | 'refresh' | 'code' | 'client' | 'consent';

/** RFC 9068 §2.1 fixes `at+jwt` for access tokens; the others are ours and distinct. */
export const TOKEN_TYP: Readonly<Record<TokenKind, string>> = {
  access: 'at+jwt',
  refresh: 'mcp-rt+jwt',
  code: 'mcp-code+jwt',
  client: 'mcp-client+jwt',
  consent: 'mcp-consent+jwt',
};

const ALGORITHM = 'HS256';
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A JWS header or payload segment as a JSON object; anything else is a malformed token. */
function decodeJsonSegment(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(base64UrlDecode(segment)));
  } catch {
    throw new TokenError('malformed', 'a segment is not base64url JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TokenError('malformed', 'a segment is not a JSON object');
  return value as Record<string, unknown>;
}
/** Clock skew accepted between instances (the issue allows at most 30 s). */
export const CLOCK_TOLERANCE_SECONDS = 5;
export const CODE_TTL_SECONDS = 60;
export const CONSENT_TTL_SECONDS = 600;

export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

const scopeString = z.string().max(200);
/**
 * A token's subject names a key for the key source (today its fingerprint). Opaque here: only the
 * key source decides whether it still names a valid key.
 */
const fingerprint = z.string().min(1).max(128) as unknown as z.ZodType<Fingerprint>;

/** Claims per kind, as verified. Field names of wire-visible claims keep RFC spelling. */
const ClaimSchemas = {
  access: z.object({ sub: fingerprint, client_id: z.string(), scope: scopeString, jti: z.string(), iat: z.number(), exp: z.number() }),
  // `fid`/`gen`: the refresh family and generation (`lib/limits/refreshFamilies.ts`). Tokens minted before
  // families existed lack them; the refresh grant treats each such token as its own family.
  refresh: z.object({
    sub: fingerprint,
    client_id: z.string(),
    scope: scopeString,
    resource: z.string(),
    fid: z.string().min(16).max(64).optional(),
    gen: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    jti: z.string(),
    iat: z.number(),
    exp: z.number(),
  }),
  code: z.object({
    sub: fingerprint,
    client_id: z.string(),
    redirect_uri: z.string(),
    code_challenge: z.string(),
    scope: scopeString,
    resource: z.string(),
    jti: z.string(),
    exp: z.number(),
  }),
  // Compact claim names: a client id must stay short enough for clients to store (≤ 512 chars).
  client: z.object({
    ru: z.array(z.string()).min(1),
    am: z.enum(['none', 'client_secret_post', 'client_secret_basic']),
    // Omitted when both (the usual registration): ids must fit Cursor's and VS Code's payloads.
    gt: z.array(z.enum(['authorization_code', 'refresh_token'])).min(1).default(['authorization_code', 'refresh_token']),
    cn: z.string().optional(),
    iat: z.number(),
  }),
  consent: z.object({
    client_id: z.string(),
    client_name: z.string().optional(),
    redirect_uri: z.string(),
    code_challenge: z.string(),
    scope: scopeString,
    resource: z.string(),
    state: z.string().optional(),
    jti: z.string(),
    exp: z.number(),
  }),
} satisfies Record<TokenKind, z.ZodType>;

export type Claims<K extends TokenKind> = z.infer<(typeof ClaimSchemas)[K]>;
type Issued<K extends TokenKind> = Omit<z.input<(typeof ClaimSchemas)[K]>, 'iat' | 'exp' | 'jti'>;

/** `audience`: a valid signature and kind, but `aud` names another resource (another deployment's token). */
export type TokenFailure = 'malformed' | 'expired' | 'audience' | 'invalid';

/** A token that does not verify. `reason` is for logs; the wire says only "invalid" or "expired". */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly reason: TokenFailure,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** `jti`: the key that derives a twin-safe `jti` from a seed (`issueDerived`). */
type KeyUse = TokenKind | 'client-secret' | 'jti';
/** One secret's derived keys: a CryptoKey per use for jose's signing, a `Mac` per use for verifying. */
type SecretGeneration = { kid: string; keys: Record<KeyUse, CryptoKey>; macs: Record<KeyUse, Mac> };

const HKDF_SALT = new TextEncoder().encode('mcp-oauth-gateway/v1');

async function hkdf(secret: Uint8Array, info: string, bytes: number): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: new TextEncoder().encode(info) },
    base,
    bytes * 8,
  );
  return new Uint8Array(bits);
}

async function deriveGeneration(secret: Uint8Array): Promise<SecretGeneration> {
  const kinds = ['access', 'refresh', 'code', 'client', 'consent', 'client-secret', 'jti'] as const;
  const entries = await Promise.all(
    kinds.map(async (kind) => {
      const raw = await hkdf(secret, `key:${kind}`, 32);
      const key = await crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
      return [kind, key, await createMac(raw)] as const;
    }),
  );
  // The kid identifies the secret generation without revealing anything about it.
  const kid = base64UrlEncode(await hkdf(secret, 'kid', 6));
  return {
    kid,
    keys: Object.fromEntries(entries.map(([kind, key]) => [kind, key])) as SecretGeneration['keys'],
    macs: Object.fromEntries(entries.map(([kind, , mac]) => [kind, mac])) as SecretGeneration['macs'],
  };
}

export type TokenServiceOptions = {
  secret: Uint8Array;
  previousSecret?: Uint8Array | null;
  issuer: string;
  resource: string;
  /** Injected clock (milliseconds), for tests; defaults to `Date.now`. */
  now?: () => number;
};

export type TokenService = Awaited<ReturnType<typeof createTokenService>>;

/**
 * Derives every per-kind key once. Signing always uses the current secret; verification accepts
 * the previous secret's tokens only by their `kid`.
 * @see RFC 9068 (access token profile), RFC 7519, RFC 8725
 */
export async function createTokenService(options: TokenServiceOptions) {
  const current = await deriveGeneration(options.secret);
  const previous = options.previousSecret ? await deriveGeneration(options.previousSecret) : null;
  const generations = new Map<string, SecretGeneration>([[current.kid, current]]);
  if (previous && previous.kid !== current.kid) generations.set(previous.kid, previous);
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);

  const audienceOf = (kind: TokenKind) => (kind === 'access' ? options.resource : options.issuer);

  async function sign<K extends TokenKind>(kind: K, claims: Issued<K>, iat: number, jti: string, ttlSeconds: number | null) {
    const payload: JWTPayload = { ...(claims as JWTPayload), iat, jti };
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: ALGORITHM, typ: TOKEN_TYP[kind], kid: current.kid })
      .setIssuer(options.issuer)
      .setAudience(audienceOf(kind));
    const expiresAt = ttlSeconds === null ? null : iat + ttlSeconds;
    if (expiresAt !== null) jwt.setExpirationTime(expiresAt);
    return { token: await jwt.sign(current.keys[kind]), expiresAt, jti };
  }

  async function issue<K extends TokenKind>(kind: K, claims: Issued<K>, ttlSeconds: number | null): Promise<{ token: string; expiresAt: number | null; jti: string }> {
    // A client id's jti is 64 bits, to stay ≤ 512 chars: it makes every registration its own
    // client (and secret), even for the same metadata in the same second (RFC 7591 §3.2.1).
    return sign(kind, claims, nowSeconds(), randomBase64Url(kind === 'client' ? 8 : 16), ttlSeconds);
  }

  /**
   * Mints with a fixed `iat` and a `jti` derived from `seed` (HMAC under its own HKDF key, so a jti
   * reveals nothing of the seed). HS256 is deterministic: the same kind, claims, `iat`, seed and
   * TTL under the same `AUTH_SECRET` give the same bytes. The refresh grant answers a twin request
   * this way (`lib/oauth/grants/refreshToken.ts`).
   */
  async function issueDerived<K extends 'access' | 'refresh'>(kind: K, claims: Issued<K>, ttlSeconds: number, at: { readonly iat: number; readonly seed: string }) {
    const mac = await current.macs.jti.sign(new TextEncoder().encode(`${kind}\0${at.seed}`));
    return sign(kind, claims, at.iat, base64UrlEncode(mac.subarray(0, 16)), ttlSeconds);
  }

  /**
   * Verifies a compact JWS of `kind`, in this order: its shape; the protected header (`alg` HS256
   * only, `typ` of the kind, no `crit`, a `kid` naming a known secret generation); the signature,
   * in constant time, under that generation's key for the kind; only then the claims: `iss`, `aud`,
   * `exp` (expired beyond the clock tolerance), `nbf`, `iat` (not in the future), the claims the
   * kind requires, and the claim shape of the kind.
   *
   * Written out rather than through jose's `jwtVerify` so the MAC can be Node's synchronous one
   * (`lib/hmac.ts`); the checks are jose's, pinned as RFC 8725 §3.1 and §3.11 ask, and jose still
   * signs. Does not look at `jku`, `jwk`, `x5u` or `x5c`: keys come only from the `kid`.
   * @see RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725
   */
  async function verify<K extends TokenKind>(kind: K, token: string): Promise<Claims<K>> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new TokenError('malformed', 'not a compact JWS');
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) throw new TokenError('malformed', 'not a compact JWS');
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];

    const header = decodeJsonSegment(encodedHeader);
    if (header.alg !== ALGORITHM) throw new TokenError('invalid', `${kind}: alg not allowed`);
    if (header.typ !== TOKEN_TYP[kind]) throw new TokenError('invalid', `${kind}: typ does not match the kind`);
    // RFC 7515 §4.1.11: no extension is understood here, so any `crit` is refused.
    if ('crit' in header) throw new TokenError('invalid', `${kind}: crit not supported`);
    const generation = typeof header.kid === 'string' ? generations.get(header.kid) : undefined;
    if (!generation) throw new TokenError('invalid', 'unknown kid');

    const signature = base64UrlDecode(encodedSignature);
    // Only the canonical encoding of a 32-byte MAC: one token has one spelling.
    if (signature.byteLength !== 32 || base64UrlEncode(signature) !== encodedSignature) throw new TokenError('invalid', `${kind}: signature malformed`);
    const signed = encoder.encode(`${encodedHeader}.${encodedPayload}`);
    if (!(await generation.macs[kind].verify(signed, signature))) throw new TokenError('invalid', `${kind}: signature verification failed`);

    const payload = decodeJsonSegment(encodedPayload);
    const t = nowSeconds();
    if (payload.iss !== options.issuer) throw new TokenError('invalid', `${kind}: unexpected iss`);
    const audience = audienceOf(kind);
    const aud = payload.aud;
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) throw new TokenError('audience', `${kind}: unexpected aud`);
    for (const claim of kind === 'client' ? (['iat'] as const) : (['exp', 'iat'] as const)) {
      if (!(claim in payload)) throw new TokenError('invalid', `${kind}: missing ${claim}`);
    }
    for (const claim of ['exp', 'nbf', 'iat'] as const) {
      if (claim in payload && !(typeof payload[claim] === 'number' && Number.isFinite(payload[claim]))) throw new TokenError('invalid', `${kind}: ${claim} is not a number`);
    }
    if (typeof payload.exp === 'number' && payload.exp <= t - CLOCK_TOLERANCE_SECONDS) throw new TokenError('expired', `${kind} token expired`);
    if (typeof payload.nbf === 'number' && payload.nbf > t + CLOCK_TOLERANCE_SECONDS) throw new TokenError('invalid', `${kind}: not yet valid`);
    // RFC 7519 leaves `iat` unchecked; a token from the future means a forged or skewed issuer.
    if (typeof payload.iat === 'number' && payload.iat > t + CLOCK_TOLERANCE_SECONDS) throw new TokenError('invalid', `${kind}: issued in the future`);
    const parsed = ClaimSchemas[kind].safeParse(payload);
    if (!parsed.success) throw new TokenError('invalid', `${kind}: claims do not match the kind`);
    return parsed.data as Claims<K>;
  }

  return {
    issue,
    issueDerived,
    verify,
    issuer: options.issuer,
    resource: options.resource,
    nowSeconds,

    /** A confidential registered client's secret: HMAC of its client id, so nothing is stored. */
    async clientSecretFor(clientId: string): Promise<string> {
      return base64UrlEncode(await current.macs['client-secret'].sign(encoder.encode(clientId)));
    },

    /** Constant-time check of a presented client secret (`Mac.verify` compares in constant time). */
    async verifyClientSecret(clientId: string, presented: string): Promise<boolean> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(presented)) return false;
      const mac = new Uint8Array(base64UrlDecode(presented));
      // Only the canonical encoding: the last character's two spare bits must not vary.
      if (base64UrlEncode(mac) !== presented) return false;
      for (const generation of generations.values()) {
        if (await generation.macs['client-secret'].verify(encoder.encode(clientId), mac)) return true;
      }
      return false;
    },
  };
}
