/**
 * Read-only connections: what the consent page offers (`MCP_DEFAULT_ACCESS`, `MCP_MAX_ACCESS`) and
 * which tools count as read-only beyond their own `readOnlyHint` (`MCP_READ_ONLY_TOOLS`,
 * `MCP_WRITE_TOOLS`: comma-separated names, `*` globs).
 */
import { ConfigError, listSetting, trimmed, type Env } from './settings';

/** What a token may do at `/mcp`: everything, or read only (`lib/tokens/access.ts` maps scopes to it). */
export type Access = 'full' | 'read';

export type AccessSettings = {
  /** Preselected at consent when the client asked for full access. */
  readonly defaultAccess: Access;
  /** The most any consent grants: `read` makes the whole deployment read-only. */
  readonly maxAccess: Access;
  /** Tool-name patterns treated as read-only whatever their annotations say. */
  readonly readOnlyTools: readonly string[];
  /** Tool-name patterns treated as writing whatever their annotations say (wins over the above). */
  readonly writeTools: readonly string[];
};

const TOOL_PATTERN = /^[A-Za-z0-9_.*/-]{1,128}$/;

function access(env: Env, name: 'MCP_DEFAULT_ACCESS' | 'MCP_MAX_ACCESS'): Access {
  const value = trimmed(env[name])?.toLowerCase() ?? 'full';
  if (value !== 'full' && value !== 'read') throw new ConfigError(`${name} must be full or read`);
  return value;
}

function patterns(env: Env, name: 'MCP_READ_ONLY_TOOLS' | 'MCP_WRITE_TOOLS'): string[] {
  const list = listSetting().parse(env[name]);
  list.forEach((entry, i) => {
    if (!TOOL_PATTERN.test(entry)) {
      throw new ConfigError(`${name} entry #${i + 1} is not a tool name or * glob (letters, digits, _ . - / *)`);
    }
  });
  return list;
}

export function accessSettings(env: Env): AccessSettings {
  return {
    defaultAccess: access(env, 'MCP_DEFAULT_ACCESS'),
    maxAccess: access(env, 'MCP_MAX_ACCESS'),
    readOnlyTools: patterns(env, 'MCP_READ_ONLY_TOOLS'),
    writeTools: patterns(env, 'MCP_WRITE_TOOLS'),
  };
}
