/**
 * The token kinds this server issues, each with its own `typ` and the claims it carries, as
 * verified. Field names of wire-visible claims keep RFC spelling.
 */
import { z } from 'zod';
import { MAX_SEAL_LENGTH } from './seal';

export type TokenKind = 'access' | 'refresh' | 'code' | 'client' | 'consent';

/** RFC 9068 §2.1 fixes `at+jwt` for access tokens; the others are ours and distinct. */
export const TOKEN_TYP: Readonly<Record<TokenKind, string>> = {
  access: 'at+jwt',
  refresh: 'mcp-rt+jwt',
  code: 'mcp-code+jwt',
  client: 'mcp-client+jwt',
  consent: 'mcp-consent+jwt',
};

/** Clock skew accepted between instances (at most 30 s: a wider window lengthens every token's life). */
export const CLOCK_TOLERANCE_SECONDS = 5;
export const CODE_TTL_SECONDS = 60;
export const CONSENT_TTL_SECONDS = 600;

export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt';

const scopeString = z.string().max(200);
/**
 * A token's subject names a key for the key source (the key's fingerprint, or a key service's own
 * id for the key). Opaque here: only the key source decides whether it still names a valid key,
 * and gives its public name (`fingerprintOfSubject`).
 */
const subject = z.string().min(1).max(128);

/** Claims per kind, as verified. Field names of wire-visible claims keep RFC spelling. */
export const ClaimSchemas = {
  access: z.object({
    sub: subject,
    // A key sealed for the upstream (`seal.ts`), when the key source cannot hand one back.
    ks: z.string().max(MAX_SEAL_LENGTH).optional(),
    client_id: z.string(),
    scope: scopeString,
    jti: z.string(),
    iat: z.number(),
    exp: z.number(),
  }),
  // `fid`/`gen`: the refresh family and generation (`lib/oauth/state/refreshFamilies.ts`). Tokens minted before
  // families existed lack them; the refresh grant treats each such token as its own family.
  refresh: z.object({
    sub: subject,
    // A key sealed for the upstream (`seal.ts`), when the key source cannot hand one back.
    ks: z.string().max(MAX_SEAL_LENGTH).optional(),
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
    sub: subject,
    // A key sealed for the upstream (`seal.ts`), when the key source cannot hand one back.
    ks: z.string().max(MAX_SEAL_LENGTH).optional(),
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
    am: z.enum(['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt']),
    // The key set's https URL, for `private_key_jwt` only (an inline set would not fit the id).
    ju: z.string().optional(),
    // Omitted when both (the usual registration): ids must fit Cursor's and VS Code's payloads.
    gt: z
      .array(z.enum(['authorization_code', 'refresh_token']))
      .min(1)
      .default(['authorization_code', 'refresh_token']),
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
export type Issued<K extends TokenKind> = Omit<z.input<(typeof ClaimSchemas)[K]>, 'iat' | 'exp' | 'jti'>;
