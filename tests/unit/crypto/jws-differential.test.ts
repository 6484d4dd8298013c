/**
 * Differential test of the hand-written verifier (`lib/crypto/jws.ts` + `lib/tokens/index.ts`)
 * against jose's `jwtVerify` with the same options: random valid tokens of every kind, mutated in
 * their header, payload, signature, encoding, claims and times, are judged by both.
 *
 * The verdicts agree except where ours is deliberately stricter, in exactly four ways, each
 * asserted below: a segment outside the canonical base64url alphabet or a signature in a
 * non-canonical spelling (jose decodes through `atob`, which also takes padding and whitespace),
 * any `crit` header (jose understands `b64`; nothing here does), tokens over 4096 characters, and
 * a date claim such as `1e400` that JSON reads as Infinity (jose takes it as a number).
 */
import fc from 'fast-check';
import { jwtVerify, type JWTVerifyOptions } from 'jose';
import { describe, expect, it } from 'vitest';
import { base64UrlDecode, base64UrlEncode } from '@/lib/crypto/encoding';
import { MAX_COMPACT_LENGTH, typMatches } from '@/lib/crypto/jws';
import {
  ClaimSchemas,
  CLOCK_TOLERANCE_SECONDS,
  createTokenService,
  TOKEN_TYP,
  TokenError,
  type TokenKind,
} from '@/lib/tokens';
import { deriveGeneration } from '@/lib/tokens/signingKeys';

const SECRET = new Uint8Array(32).fill(7);
const OTHER_SECRET = new Uint8Array(32).fill(8);
const ISSUER = 'https://mcp.example.com';
const RESOURCE = `${ISSUER}/mcp`;
const NOW = 1_800_000_000;
const KINDS = Object.keys(TOKEN_TYP) as TokenKind[];
const encoder = new TextEncoder();

const current = await deriveGeneration(SECRET);
const other = await deriveGeneration(OTHER_SECRET);
const ours = await createTokenService({ secret: SECRET, issuer: ISSUER, resource: RESOURCE, now: () => NOW * 1000 });

const audienceOf = (kind: TokenKind) => (kind === 'access' ? RESOURCE : ISSUER);

/** Claims a token of `kind` needs, valid for the schema, before the registered claims. */
const BODY: Record<TokenKind, Record<string, unknown>> = {
  access: { sub: '0123456789abcdef', client_id: 'c', scope: 'mcp' },
  refresh: { sub: '0123456789abcdef', client_id: 'c', scope: 'mcp', resource: RESOURCE, fid: 'f'.repeat(22), gen: 1 },
  code: {
    sub: '0123456789abcdef',
    client_id: 'c',
    redirect_uri: 'http://127.0.0.1/cb',
    code_challenge: 'x',
    scope: 'mcp',
    resource: RESOURCE,
  },
  client: { ru: ['https://claude.ai/api/mcp/auth_callback'], am: 'none' },
  consent: {
    client_id: 'c',
    redirect_uri: 'https://a.example/cb',
    code_challenge: 'x',
    scope: 'mcp',
    resource: RESOURCE,
  },
};

/** A time near `NOW`, mostly on the valid side of it (`lean`), sometimes not a time at all. */
const time = (lean: 'past' | 'future') =>
  fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 600 }).map((d) => (lean === 'past' ? NOW - d : NOW + d)) },
    { weight: 4, arbitrary: fc.integer({ min: -30, max: 30 }).map((d) => NOW + d) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, 'soon', null, NOW + 0.5, [NOW]) },
  );

const headerMutation = fc.oneof(
  { weight: 24, arbitrary: fc.constant((h: Record<string, unknown>) => h) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('none', 'HS384', 'RS256', 'hs256', '', 5)
      .map((alg) => (h: Record<string, unknown>) => ({ ...h, alg })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom<(typ: string) => unknown>(
        (t) => t.toUpperCase(),
        (t) => `application/${t}`,
        (t) => `APPLICATION/${t.toUpperCase()}`,
        (t) => `text/${t}`,
        (t) => `${t} `,
        () => 'JWT',
        () => undefined,
        () => 7,
        () => 'mcp-rt+jwt',
        () => 'at+jwt',
      )
      .map((f) => (h: Record<string, unknown>) => ({ ...h, typ: f(h.typ as string) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(undefined, 'nope', 3, other.kid)
      .map((kid) => (h: Record<string, unknown>) => ({ ...h, kid })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<Record<string, unknown>>(
        { crit: ['b64'], b64: true },
        { crit: ['exp'] },
        { crit: [] },
        { b64: false },
        { jku: 'https://evil.example/jwks' },
      )
      .map((extra) => (h: Record<string, unknown>) => ({ ...h, ...extra })),
  },
);

const payloadMutation = fc.oneof(
  { weight: 20, arbitrary: fc.constant((p: Record<string, unknown>) => p) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>('https://other.example', undefined, ISSUER.toUpperCase())
      .map((iss) => (p: Record<string, unknown>) => ({ ...p, iss })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<(aud: string) => unknown>(
        (a) => [a, 'x'],
        () => ['x'],
        () => 'https://other.example/mcp',
        () => undefined,
        (a) => `${a}/`,
      )
      .map((f) => (p: Record<string, unknown>) => ({ ...p, aud: f(p.aud as string) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('sub', 'client_id', 'scope', 'jti', 'ru')
      .map((name) => (p: Record<string, unknown>) => ({ ...p, [name]: undefined })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('sub', 'client_id', 'scope')
      .map((name) => (p: Record<string, unknown>) => ({ ...p, [name]: 42 })),
  },
);

/** A payload spelled as raw bytes: not an object, numbers JSON cannot hold, invalid UTF-8. */
const rawPayload = fc.oneof(
  { weight: 24, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<(json: string) => Uint8Array>(
      () => encoder.encode('[1,2]'),
      () => encoder.encode('"text"'),
      () => encoder.encode(''),
      (json) => encoder.encode(json.replace(/"exp":\d+/, '"exp":1e400')),
      (json) => encoder.encode(json.replace(/"iat":\d+/, '"iat":-1e400')),
      (json) => encoder.encode(json.replace(/}$/, ',"nbf":-1e400}')),
      (json) =>
        new Uint8Array([...encoder.encode(json.slice(0, -1)), 0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    ),
  },
);

const signer = fc.oneof(
  { weight: 9, arbitrary: fc.constant('right') },
  { weight: 1, arbitrary: fc.constantFrom('otherKind', 'otherSecret', 'empty') },
);

const signatureMutation = fc.oneof(
  { weight: 9, arbitrary: fc.constant('none') },
  { weight: 1, arbitrary: fc.constantFrom('flip', 'truncate', 'noncanonical', 'pad') },
);

const encodingMutation = fc.oneof(
  { weight: 9, arbitrary: fc.constant('none') },
  { weight: 1, arbitrary: fc.constantFrom('padHeader', 'space', 'extra', 'drop', 'plus') },
);

const tokenCase = fc.record({
  kind: fc.constantFrom(...KINDS),
  exp: time('future'),
  iat: time('past'),
  nbf: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: time('past') }),
  header: headerMutation,
  payload: payloadMutation,
  raw: rawPayload,
  signer,
  signature: signatureMutation,
  encoding: encodingMutation,
});

type TokenCase = typeof tokenCase extends fc.Arbitrary<infer T> ? T : never;

const b64 = (bytes: Uint8Array) => base64UrlEncode(bytes);

async function build(c: TokenCase): Promise<string> {
  const header = c.header({ alg: 'HS256', typ: TOKEN_TYP[c.kind], kid: current.kid });
  const registered: Record<string, unknown> = { iss: ISSUER, aud: audienceOf(c.kind), jti: 'j'.repeat(22), iat: c.iat };
  if (c.kind !== 'client') registered.exp = c.exp;
  if (c.nbf !== undefined) registered.nbf = c.nbf;
  const payload = c.payload({ ...BODY[c.kind], ...registered });
  const json = JSON.stringify(payload);
  const payloadBytes = c.raw ? c.raw(json) : encoder.encode(json);
  const signingInput = `${b64(encoder.encode(JSON.stringify(header)))}.${b64(payloadBytes)}`;
  const kindForKey: TokenKind = c.signer === 'otherKind' ? KINDS[(KINDS.indexOf(c.kind) + 1) % KINDS.length]! : c.kind;
  const key = (c.signer === 'otherSecret' ? other : current).keys[kindForKey];
  let signature =
    c.signer === 'empty'
      ? ''
      : b64(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(signingInput))));
  if (c.signature === 'flip') signature = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
  if (c.signature === 'truncate') signature = signature.slice(0, -2);
  // The last character of a 32-byte MAC carries 2 spare bits: `...A`, `...B`, `...C`, `...D` decode alike.
  if (c.signature === 'noncanonical' && signature.length === 43) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature[42]!);
    signature = signature.slice(0, 42) + alphabet[last ^ 1];
  }
  if (c.signature === 'pad') signature += '=';
  let token = `${signingInput}.${signature}`;
  if (c.encoding === 'padHeader') token = token.replace('.', '=.');
  if (c.encoding === 'space') token = token.replace('.', ' .');
  if (c.encoding === 'extra') token = `${token}.`;
  if (c.encoding === 'drop') token = token.slice(0, token.lastIndexOf('.'));
  if (c.encoding === 'plus') token = `+${token}`;
  return token;
}

async function joseVerdict(kind: TokenKind, token: string): Promise<boolean> {
  const options: JWTVerifyOptions = {
    algorithms: ['HS256'],
    typ: TOKEN_TYP[kind],
    issuer: ISSUER,
    audience: audienceOf(kind),
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    currentDate: new Date(NOW * 1000),
    requiredClaims: kind === 'client' ? ['iat'] : ['exp', 'iat'],
    // Any age: only so that jose refuses an `iat` in the future, as ours does.
    maxTokenAge: Number.MAX_SAFE_INTEGER,
  };
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        if (header.kid !== current.kid) throw new Error('unknown kid');
        return current.keys[kind];
      },
      options,
    );
    return ClaimSchemas[kind].safeParse(payload).success;
  } catch {
    return false;
  }
}

async function ourVerdict(kind: TokenKind, token: string): Promise<boolean> {
  try {
    await ours.verify(kind, token);
    return true;
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return false;
  }
}

/** Where ours is stricter than jose by design (see the file's comment). */
function deliberatelyStricter(token: string): boolean {
  const parts = token.split('.');
  if (token.length > MAX_COMPACT_LENGTH || !parts.every((part) => /^[A-Za-z0-9_-]*$/.test(part))) return true;
  const signature = parts[2] ?? '';
  const canonical = (() => {
    try {
      return (
        base64UrlEncode(
          Uint8Array.from(atob(signature.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0)),
        ) === signature
      );
    } catch {
      return false;
    }
  })();
  if (!canonical) return true;
  try {
    const header = JSON.parse(
      new TextDecoder().decode(
        Uint8Array.from(atob((parts[0] ?? '').replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0)),
      ),
    ) as unknown;
    if (typeof header === 'object' && header !== null && 'crit' in header) return true;
  } catch {
    return false;
  }
  return nonFiniteDate(parts[1] ?? '');
}

/** A date claim such as `1e400` that JSON parses as Infinity: jose takes it as a number. */
function nonFiniteDate(encodedPayload: string): boolean {
  try {
    const payload = JSON.parse(new TextDecoder().decode(base64UrlDecode(encodedPayload))) as Record<string, unknown>;
    return ['exp', 'nbf', 'iat'].some(
      (claim) => typeof payload[claim] === 'number' && !Number.isFinite(payload[claim]),
    );
  } catch {
    return false;
  }
}

describe('verifyCompactHs256 and TokenService.verify, against jose', () => {
  // @req TOK-VERIFY-DIFFERENTIAL
  it('judges 10,000 random and mutated tokens as jose does, stricter only on encoding, crit and length', async () => {
    const tally = { accepted: 0, refused: 0, stricter: 0 };
    await fc.assert(
      fc.asyncProperty(tokenCase, async (c) => {
        const token = await build(c);
        const [mine, theirs] = await Promise.all([ourVerdict(c.kind, token), joseVerdict(c.kind, token)]);
        if (mine) expect(theirs).toBe(true);
        if (theirs && !mine) {
          expect(deliberatelyStricter(token)).toBe(true);
          tally.stricter += 1;
        }
        tally[mine ? 'accepted' : 'refused'] += 1;
      }),
      { numRuns: 10_000 },
    );
    // Neither verdict is rare, so the comparison covers both sides.
    expect(tally.accepted).toBeGreaterThan(1_000);
    expect(tally.refused).toBeGreaterThan(1_000);
    expect(tally.stricter).toBeGreaterThan(0);
  }, 60_000);
});

describe('typMatches', () => {
  // @req TOK-TYP-RFC7515
  it('compares typ ignoring case and an application/ prefix, as RFC 7515 §4.1.9 reads', () => {
    expect(typMatches('at+jwt', 'at+jwt')).toBe(true);
    expect(typMatches('AT+JWT', 'at+jwt')).toBe(true);
    expect(typMatches('application/at+jwt', 'at+jwt')).toBe(true);
    expect(typMatches('Application/At+Jwt', 'at+jwt')).toBe(true);
    expect(typMatches('text/at+jwt', 'at+jwt')).toBe(false);
    expect(typMatches('jwt', 'at+jwt')).toBe(false);
    expect(typMatches(undefined, 'at+jwt')).toBe(false);
  });
});

describe('nbf', () => {
  async function accessWithNbf(nbf: number): Promise<string> {
    const header = { alg: 'HS256', typ: 'at+jwt', kid: current.kid };
    const payload = {
      ...BODY.access,
      iss: ISSUER,
      aud: RESOURCE,
      jti: 'j'.repeat(22),
      iat: NOW - 10,
      exp: NOW + 600,
      nbf,
    };
    const input = `${b64(encoder.encode(JSON.stringify(header)))}.${b64(encoder.encode(JSON.stringify(payload)))}`;
    return `${input}.${b64(new Uint8Array(await crypto.subtle.sign('HMAC', current.keys.access, encoder.encode(input))))}`;
  }

  // @req TOK-NBF
  it('refuses a token whose nbf is beyond the clock tolerance, and accepts one within it', async () => {
    await expect(ours.verify('access', await accessWithNbf(NOW + CLOCK_TOLERANCE_SECONDS + 1))).rejects.toMatchObject({
      reason: 'invalid',
      detail: 'access: not yet valid',
    });
    expect((await ours.verify('access', await accessWithNbf(NOW + CLOCK_TOLERANCE_SECONDS))).sub).toBe(
      '0123456789abcdef',
    );
    expect((await ours.verify('access', await accessWithNbf(NOW - 60))).client_id).toBe('c');
  });
});
