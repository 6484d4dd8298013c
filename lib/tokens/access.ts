/**
 * What a token's scope lets its holder do at `/mcp`: `mcp` is full access, `mcp:read` is read-only,
 * and `mcp` includes `mcp:read` (MCP 2026-07-28: servers must account for scope hierarchies).
 */
export const FULL_SCOPE = 'mcp';
export const READ_SCOPE = 'mcp:read';

import type { Access } from '../config/access';

export type { Access };

/** The access `scopes` grant at `/mcp`, or `null` for none. */
export function accessOf(scopes: readonly string[]): Access | null {
  if (scopes.includes(FULL_SCOPE)) return 'full';
  if (scopes.includes(READ_SCOPE)) return 'read';
  return null;
}

/** The scope that grants `access`. */
export function scopeOf(access: Access): typeof FULL_SCOPE | typeof READ_SCOPE {
  return access === 'full' ? FULL_SCOPE : READ_SCOPE;
}

/** The lesser of two accesses. */
export function narrower(a: Access, b: Access): Access {
  return a === 'read' || b === 'read' ? 'read' : 'full';
}
