/** The forwarder's settings (`MCP_UPSTREAM_*`) and its rules: where it sends, which header carries the key. */
import { isLoopbackHost } from '../url/loopback';
import { ConfigError, integerSetting, parseOrRefuse, parseUrl, trimmed, type Env } from './settings';

export type UpstreamSettings = {
  /** The exact URL every forwarded request goes to (https, or http to a loopback host). */
  readonly url: string;
  /** Lowercase header name that carries the user's key; `authorization` sends `Bearer <key>`. */
  readonly apiKeyHeader: string;
  /** Time allowed until the upstream's response headers arrive. */
  readonly timeoutMs: number;
};

/** RFC 9110 §5.1 token characters: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** Headers the forwarder owns or that would change how the request is framed or routed. */
const RESERVED_API_KEY_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'accept',
  'transfer-encoding',
  'connection',
  'cookie',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
  'mcp-method',
  'mcp-name',
]);

/** `null` when no upstream is configured: `/mcp` then serves the in-process tools. */
export function upstreamSettings(env: Env): UpstreamSettings | null {
  const raw = trimmed(env.MCP_UPSTREAM_URL);
  if (!raw) return null;
  const url = parseUrl(raw);
  if (!url) throw new ConfigError('MCP_UPSTREAM_URL must be an absolute URL such as https://mcp.example.com/mcp');
  if (url.username || url.password) {
    throw new ConfigError('MCP_UPSTREAM_URL must not carry credentials: the key travels in MCP_UPSTREAM_KEY_HEADER');
  }
  if (url.hash) throw new ConfigError('MCP_UPSTREAM_URL must not have a fragment');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError('MCP_UPSTREAM_URL must use https (http is allowed only for a loopback host)');
  }
  const headerRaw = trimmed(env.MCP_UPSTREAM_KEY_HEADER) ?? 'Authorization';
  if (!HEADER_NAME.test(headerRaw)) {
    throw new ConfigError('MCP_UPSTREAM_KEY_HEADER must be a header name such as Authorization or X-API-Key');
  }
  const apiKeyHeader = headerRaw.toLowerCase();
  if (RESERVED_API_KEY_HEADERS.has(apiKeyHeader)) {
    throw new ConfigError(`MCP_UPSTREAM_KEY_HEADER cannot be ${headerRaw}: the forwarder sets that header itself`);
  }
  const timeoutMs = parseOrRefuse(
    integerSetting('MCP_UPSTREAM_TIMEOUT_MS', 30_000, 900_000),
    env.MCP_UPSTREAM_TIMEOUT_MS,
    'MCP_UPSTREAM_TIMEOUT_MS is invalid',
  );
  return { url: url.href, apiKeyHeader, timeoutMs };
}
