/**
 * The only module that signs or verifies. Every token this server hands out is an HS256 JWT of one
 * `kind`; each kind has its own key (HKDF from AUTH_SECRET, one `info` per kind) and its own `typ`,
 * so no token of one kind verifies as another (RFC 8725 §3.11, §3.12).
 *
 * `kid` names the secret generation, so `AUTH_SECRET_PREVIOUS` keeps verifying (never signing)
 * tokens minted before a rotation.
 */
import { SignJWT, type JWTPayload } from 'jose';
import { base64UrlDecode, base64UrlEncode } from '../crypto/encoding';
import { verifyCompactHs256, type JwsFailure } from '../crypto/jws';
import { randomBase64Url } from '../crypto/random';
import { ClaimSchemas, CLOCK_TOLERANCE_SECONDS, TOKEN_TYP, type Claims, type Issued, type TokenKind } from './claims';
import { deriveGeneration, type SecretGeneration } from './signingKeys';
import { createSealer } from './seal';
import { ExpiringMap } from '../keys/answerCache';

export * from './claims';

/** `audience`: a valid signature and kind, but `aud` names another resource (another deployment's token). */
export type TokenFailure = 'malformed' | 'expired' | 'audience' | 'invalid';

/** A token that does not verify. `reason` is for logs; the wire says only "invalid" or "expired". */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly reason: TokenFailure,
    readonly detail: string,
    /**
     * The `sub` of a token whose signature held but whose claims did not (`expired`, `audience`):
     * ours, so it is safe to log as who the refused token belonged to. Absent otherwise.
     */
    readonly verifiedSubject?: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

const encoder = new TextEncoder();

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
  const openedAccessSeals = new ExpiringMap<string>(now);
  const sealer = await createSealer(
    options.previousSecret ? [options.secret, options.previousSecret] : [options.secret],
  );

  const audienceOf = (kind: TokenKind) => (kind === 'access' ? options.resource : options.issuer);

  async function sign<K extends TokenKind>(
    kind: K,
    claims: Issued<K>,
    iat: number,
    jti: string,
    ttlSeconds: number | null,
    sealKey?: string,
  ) {
    const sealed = sealKey === undefined ? {} : { ks: await sealer.seal(kind, jti, sealKey) };
    const payload: JWTPayload = { ...(claims as JWTPayload), ...sealed, iat, jti };
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYP[kind], kid: current.kid })
      .setIssuer(options.issuer)
      .setAudience(audienceOf(kind));
    const expiresAt = ttlSeconds === null ? null : iat + ttlSeconds;
    if (expiresAt !== null) jwt.setExpirationTime(expiresAt);
    return { token: await jwt.sign(current.keys[kind]), expiresAt, jti };
  }

  /** `sealKey`: a key to seal into the token (`seal.ts`), for the kinds that grant `/mcp` access. */
  async function issue<K extends TokenKind>(
    kind: K,
    claims: Issued<K>,
    ttlSeconds: number | null,
    sealKey?: K extends 'access' | 'refresh' | 'code' ? string : never,
  ): Promise<{ token: string; expiresAt: number | null; jti: string }> {
    // A client id's jti is 64 bits, to stay ≤ 512 chars: it makes every registration its own
    // client (and secret), even for the same metadata in the same second (RFC 7591 §3.2.1).
    return sign(kind, claims, nowSeconds(), randomBase64Url(kind === 'client' ? 8 : 16), ttlSeconds, sealKey);
  }

  /**
   * The key sealed in a verified token, or `null` when it has none or the seal does not open. An
   * access token's opened seal is kept in process until the token expires: a session sends every
   * request with the same token, and opening (WebCrypto AES-GCM) is the largest cost a sealed key
   * adds to a request. Keyed by the token's `jti` and the seal itself, so only that exact seal in
   * that token finds it; the key stays in this process's memory only, never in Redis or a log.
   */
  async function openSeal(
    kind: 'access' | 'refresh' | 'code',
    claims: { readonly ks?: string; readonly jti: string; readonly exp?: number },
  ) {
    if (claims.ks === undefined) return null;
    if (kind !== 'access' || claims.exp === undefined) return sealer.open(kind, claims.jti, claims.ks);
    const cacheKey = `${claims.jti}.${claims.ks}`;
    const opened = openedAccessSeals.get(cacheKey);
    if (opened !== undefined) return opened;
    const key = await sealer.open(kind, claims.jti, claims.ks);
    if (key !== null) openedAccessSeals.set(cacheKey, key, claims.exp * 1000 - now());
    return key;
  }

  /**
   * Mints with a fixed `iat` and a `jti` derived from `seed` (HMAC under its own HKDF key, so a jti
   * reveals nothing of the seed). HS256 is deterministic: the same kind, claims, `iat`, seed and
   * TTL under the same `AUTH_SECRET` give the same bytes. The refresh grant answers a twin request
   * this way (`lib/oauth/grants/refreshToken.ts`).
   */
  async function issueDerived<K extends 'access' | 'refresh'>(
    kind: K,
    claims: Issued<K>,
    ttlSeconds: number,
    at: { readonly iat: number; readonly seed: string },
    sealKey?: string,
  ) {
    const mac = await current.macs.jti.sign(new TextEncoder().encode(`${kind}\0${at.seed}`));
    return sign(kind, claims, at.iat, base64UrlEncode(mac.subarray(0, 16)), ttlSeconds, sealKey);
  }

  /** Which `TokenFailure` a JWS-level refusal is: only a value that is not a JWS at all is `malformed`. */
  const jwsFailure = (reason: JwsFailure): TokenFailure => (reason === 'malformed' ? 'malformed' : 'invalid');

  /**
   * Verifies a compact JWS of `kind`: first the JWS itself up to its signature
   * (`lib/crypto/jws.ts`: `alg` HS256 only, the kind's `typ`, no `crit`, a known `kid`, the
   * signature under that generation's key for the kind); only then the claims: `iss`, `aud`, `exp`
   * (expired beyond the clock tolerance), `nbf`, `iat` (not in the future), the claims the kind
   * requires, and the claim shape of the kind. `tests/unit/crypto/jws-differential.test.ts` holds
   * the verdicts to jose's `jwtVerify` with the same options.
   * @see RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725
   */
  async function verify<K extends TokenKind>(kind: K, token: string): Promise<Claims<K>> {
    const jws = await verifyCompactHs256(token, TOKEN_TYP[kind], (kid) => generations.get(kid)?.macs[kind]);
    if (!jws.ok) throw new TokenError(jwsFailure(jws.reason), `${kind}: ${jws.reason}`);
    const payload = jws.payload;
    const t = nowSeconds();
    const subject = typeof payload.sub === 'string' ? payload.sub : undefined;
    // `aud` before `iss`: a deployment that shares this secret names both itself and its resource,
    // and the operator should see "issued for another resource", not a bare "invalid".
    const audience = audienceOf(kind);
    const aud = payload.aud;
    if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) {
      throw new TokenError('audience', `${kind}: unexpected aud`, subject);
    }
    if (payload.iss !== options.issuer) throw new TokenError('invalid', `${kind}: unexpected iss`);
    for (const claim of kind === 'client' ? (['iat'] as const) : (['exp', 'iat'] as const)) {
      if (!(claim in payload)) throw new TokenError('invalid', `${kind}: missing ${claim}`);
    }
    for (const claim of ['exp', 'nbf', 'iat'] as const) {
      // Finite too, unlike jose: `1e400` parses as Infinity, a token that never expires.
      if (claim in payload && !Number.isFinite(payload[claim]))
        throw new TokenError('invalid', `${kind}: ${claim} is not a finite number`);
    }
    const { exp, nbf, iat } = payload as { exp?: number; nbf?: number; iat?: number };
    if (exp !== undefined && exp <= t - CLOCK_TOLERANCE_SECONDS)
      throw new TokenError('expired', `${kind} token expired`, subject);
    if (nbf !== undefined && nbf > t + CLOCK_TOLERANCE_SECONDS)
      throw new TokenError('invalid', `${kind}: not yet valid`);
    // RFC 7519 leaves `iat` unchecked; a token from the future means a forged or skewed issuer.
    if (iat !== undefined && iat > t + CLOCK_TOLERANCE_SECONDS)
      throw new TokenError('invalid', `${kind}: issued in the future`);
    const parsed = ClaimSchemas[kind].safeParse(payload);
    if (!parsed.success) throw new TokenError('invalid', `${kind}: claims do not match the kind`);
    return parsed.data as Claims<K>;
  }

  return {
    issue,
    issueDerived,
    openSeal,
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
