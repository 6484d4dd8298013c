/**
 * Scopes this server knows (RFC 6749 §3.3). `mcp` grants full use of `/mcp`, `mcp:read` read-only
 * use (`lib/tokens/access.ts`: `mcp` includes `mcp:read`); `offline_access` a refresh token.
 */
import { scopeOf, type Access } from '../tokens/access';
import { OAuthError } from './errors';

export const SUPPORTED_SCOPES = ['mcp', 'mcp:read', 'offline_access'] as const;
export type Scope = (typeof SUPPORTED_SCOPES)[number];

const KNOWN: ReadonlySet<string> = new Set(SUPPORTED_SCOPES);

/**
 * The requested scopes, deduplicated in canonical order; `undefined` means the default `fallback`.
 * Throws `invalid_scope` for any scope this server does not know.
 */
export function parseScope(raw: string | undefined, fallback: readonly Scope[] = ['mcp']): Scope[] {
  if (raw === undefined) return [...fallback];
  const requested = raw.split(' ').filter(Boolean);
  if (requested.length === 0 || requested.length > 16)
    throw new OAuthError('invalid_scope', 'The scope parameter is empty or too long.');
  for (const s of requested) {
    if (!KNOWN.has(s))
      throw new OAuthError('invalid_scope', `Unknown scope. Supported: ${SUPPORTED_SCOPES.join(', ')}.`);
  }
  const scopes = SUPPORTED_SCOPES.filter((s) => requested.includes(s));
  // `mcp` includes `mcp:read`: asking for both is asking for full access.
  return scopes.includes('mcp') ? scopes.filter((s) => s !== 'mcp:read') : scopes;
}

/** `scopes` with their `/mcp` access set to `access` (the user's choice at consent, or a narrowing). */
export function withAccess(scopes: readonly Scope[], access: Access): Scope[] {
  const granted = scopeOf(access);
  return SUPPORTED_SCOPES.filter((s) => s === granted || (s === 'offline_access' && scopes.includes(s)));
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}
