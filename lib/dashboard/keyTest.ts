/**
 * "Test your key": the script flow a connector's server side sees, run from the browser with
 * `fetch` only. Token (`client_credentials`), then `initialize`, then `tools/list`, reporting each
 * step as it starts and ends. The key is used in one request body and kept nowhere.
 *
 * A small runner rather than `@modelcontextprotocol/client`: three requests do not justify
 * shipping the SDK (and its schema library) to every visitor, and the runner must tell a 429
 * from a 503 from a network error at each step, which needs the raw response anyway.
 */
import { classifyHttpFailure, cleanDescription, type Failure } from './failures';
import { OWN_PROTOCOL_VERSION } from '../protocol';
import { decodeAccessTokenClaims, responseFor, rpcMessagesFrom, type RpcMessage } from './answers';

export const KEY_TEST_STEPS = [
  { id: 'token', label: 'Get an access token', request: 'POST /oauth/token (client_credentials)' },
  { id: 'initialize', label: 'Connect to the MCP endpoint', request: 'POST /mcp (initialize)' },
  { id: 'tools', label: 'List the tools', request: 'POST /mcp (tools/list)' },
] as const;

export type StepId = (typeof KEY_TEST_STEPS)[number]['id'];
/** `pending`: not finished yet; `skipped`: not run because an earlier step failed. */
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

const REQUEST_TIMEOUT_SECONDS = 15;
const MAX_TOOL_PAGES = 20;

export type ToolSummary = { readonly name: string; readonly title: string | null; readonly description: string };

export type KeyTestSuccess = {
  readonly ok: true;
  readonly fingerprint: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly scope: string | null;
  readonly protocolVersion: string;
  readonly serverName: string | null;
  readonly tools: readonly ToolSummary[];
};

export type KeyTestFailure = { readonly ok: false; readonly step: StepId; readonly failure: Failure };
export type KeyTestResult = KeyTestSuccess | KeyTestFailure;

export type KeyTestOptions = {
  readonly apiKey: string;
  readonly clientId: string;
  /** Where to send the requests; relative URLs resolve against the page. */
  readonly tokenUrl: string;
  readonly mcpUrl: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly onStep?: (step: StepId, status: StepStatus) => void;
  readonly clientInfo?: { readonly name: string; readonly version: string };
  /** Per request; defaults to `REQUEST_TIMEOUT_SECONDS`. */
  readonly timeoutSeconds?: number;
};

class StepFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind);
  }
}

function unexpected(description: string, status: number | null = null): StepFailed {
  return new StepFailed({ kind: 'unexpected', status, description });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs the three steps in order and stops at the first failure. Never throws. */
export async function runKeyTest(options: KeyTestOptions): Promise<KeyTestResult> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? Date.now;
  const report = options.onStep ?? (() => {});
  const timeoutSeconds = options.timeoutSeconds ?? REQUEST_TIMEOUT_SECONDS;

  async function send(
    endpoint: 'token' | 'mcp',
    url: string,
    init: RequestInit,
  ): Promise<{ response: Response; body: string }> {
    let response: Response;
    let body: string;
    try {
      response = await doFetch(url, {
        method: 'POST',
        ...init,
        // Nothing about this request may be cached or carry cookies.
        cache: 'no-store',
        credentials: 'omit',
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
      });
      body = await response.text();
    } catch (error) {
      if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new StepFailed({ kind: 'timeout', seconds: timeoutSeconds });
      }
      throw new StepFailed({ kind: 'network' });
    }
    if (!response.ok)
      throw new StepFailed(classifyHttpFailure(endpoint, response.status, response.headers, body, now()));
    return { response, body };
  }

  /** The session a session-ful server (an upstream behind the gateway) opened at `initialize`. */
  let session: Record<string, string> = {};

  async function rpc(
    id: number,
    method: string,
    params: Record<string, unknown>,
    headers: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const { response, body } = await send('mcp', options.mcpUrl, {
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...headers,
        ...session,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
    const sessionId = response.headers.get('mcp-session-id');
    if (method === 'initialize' && sessionId) session = { 'Mcp-Session-Id': sessionId };
    const message: RpcMessage | undefined = responseFor(
      rpcMessagesFrom(response.headers.get('content-type'), body),
      id,
    );
    if (!message) throw unexpected(`no JSON-RPC answer to ${method}`, response.status);
    if (isRecord(message.error)) {
      throw unexpected(
        `${method} failed: ${cleanDescription(message.error.message) ?? 'JSON-RPC error'}`,
        response.status,
      );
    }
    if (!isRecord(message.result)) throw unexpected(`${method} returned no result`, response.status);
    return message.result;
  }

  let step: StepId = 'token';
  const begin = (id: StepId) => {
    step = id;
    report(id, 'running');
  };
  try {
    begin('token');
    const { response: tokenResponse, body: tokenBody } = await send('token', options.tokenUrl, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: options.clientId,
        client_secret: options.apiKey,
        scope: 'mcp',
      }).toString(),
    });
    let token: unknown;
    try {
      token = JSON.parse(tokenBody);
    } catch {
      throw unexpected('the token response is not JSON', tokenResponse.status);
    }
    if (
      !isRecord(token) ||
      typeof token.access_token !== 'string' ||
      typeof token.token_type !== 'string' ||
      token.token_type.toLowerCase() !== 'bearer'
    ) {
      throw unexpected('the token response has no bearer access_token', tokenResponse.status);
    }
    const accessToken = token.access_token;
    const claims = decodeAccessTokenClaims(accessToken);
    if (!claims) throw unexpected('the access token is not a JWT with a subject', tokenResponse.status);
    const expiresIn = typeof token.expires_in === 'number' ? token.expires_in : null;
    const expiresAt = claims.exp !== null ? claims.exp * 1000 : expiresIn !== null ? now() + expiresIn * 1000 : null;
    if (expiresAt === null) throw unexpected('the token response says nothing about expiry', tokenResponse.status);
    report('token', 'done');

    begin('initialize');
    const auth = { Authorization: `Bearer ${accessToken}` };
    const init = await rpc(
      1,
      'initialize',
      {
        protocolVersion: OWN_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: options.clientInfo ?? { name: 'dashboard', version: '1.0.0' },
      },
      auth,
    );
    const protocolVersion = typeof init.protocolVersion === 'string' ? init.protocolVersion : OWN_PROTOCOL_VERSION;
    const serverName =
      isRecord(init.serverInfo) && typeof init.serverInfo.name === 'string' ? init.serverInfo.name : null;
    const versioned = { ...auth, 'MCP-Protocol-Version': protocolVersion };
    // A session-ful server (an upstream behind the gateway) waits for the handshake's last leg
    // before serving the session; a stateless one has no session and needs nothing more.
    if (session['Mcp-Session-Id']) {
      await send('mcp', options.mcpUrl, {
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          ...versioned,
          ...session,
        },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
    }
    report('initialize', 'done');

    begin('tools');
    const tools: ToolSummary[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const result = await rpc(2 + page, 'tools/list', cursor === undefined ? {} : { cursor }, versioned);
      if (!Array.isArray(result.tools)) throw unexpected('tools/list returned no tools array');
      for (const tool of result.tools) {
        if (!isRecord(tool) || typeof tool.name !== 'string') continue;
        tools.push({
          name: tool.name,
          title: typeof tool.title === 'string' ? tool.title : null,
          description: typeof tool.description === 'string' ? tool.description : '',
        });
      }
      cursor = typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
      if (cursor === undefined) break;
    }
    report('tools', 'done');
    // MCP Streamable HTTP §Session Management: end the session this test opened (best effort).
    if (session['Mcp-Session-Id'])
      await send('mcp', options.mcpUrl, { method: 'DELETE', headers: { ...versioned, ...session } }).catch(() => {});

    return { ok: true, fingerprint: claims.sub, expiresAt, scope: claims.scope, protocolVersion, serverName, tools };
  } catch (error) {
    const failure: Failure =
      error instanceof StepFailed
        ? error.failure
        : { kind: 'unexpected', status: null, description: 'the page could not read the answer' };
    report(step, 'failed');
    return { ok: false, step, failure };
  }
}
