/**
 * The upstream backend: forwards each verified `/mcp` request to `MCP_UPSTREAM_URL`, adding the
 * caller's own API key in the configured header, and streams the answer back untouched.
 *
 * What crosses is an allow-list in both directions (the hop-by-hop handling of RFC 9110 §7.6.1
 * then needs no list of its own: nothing hop-by-hop is on it). The client's bearer token, cookies
 * and `X-API-Key` never reach the upstream; the upstream's cookies, redirects and caching
 * headers never reach the client. The request goes to exactly the configured URL, never to the
 * incoming path or query. The gateway keeps no session state: an upstream `Mcp-Session-Id` is
 * opaque and simply travels.
 *
 * Failures are the gateway's own JSON-RPC answers, naming nothing internal (no address, no
 * upstream text), each logged once with the caller's fingerprint:
 * unreachable 502, no response headers within `timeoutMs` 504, a refused key 401 `invalid_token`
 * (so the client re-authorizes, perhaps with another key), a connection dropped mid-stream ends
 * the client's stream cleanly.
 */
import type { Config, UpstreamSettings } from '../../config';
import type { KeySource } from '../../keys';
import { MCP_CORS_HEADERS } from '../../http/cors';
import { jsonRpcErrorResponse } from '../../http/errors';
import { emit } from '../../observability/log';
import { mcpRefusalResponse } from '../refusals';
import type { BackendHealth, McpBackend } from '../backend';
import type { Identity } from '../identity';
import { bodyTooLargeResponse, canonicalAccept, MCP_BODY_LIMIT } from '../transport';

type KeyHoldingSource = Extract<KeySource, { readonly holdsKeys: true }>;

/**
 * Request headers passed as they came (`Accept` is added after normalisation). Streamable HTTP
 * (MCP 2025-06-18 §Transports) and the 2026-07-28 routing headers `Mcp-Method`/`Mcp-Name`.
 */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'last-event-id'] as const;
/** Response headers passed back; CORS and caching are the gateway's own. */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'mcp-session-id', 'mcp-protocol-version'] as const;

/** MCP Streamable HTTP §Session Management: a session id holds only visible ASCII (0x21–0x7E). */
const SESSION_ID = /^[\x21-\x7e]{1,1024}$/;
/** Any other forwarded value: printable ASCII and tab, so nothing the upstream could read as framing. */
const FIELD_VALUE = /^[\t\x20-\x7e]{0,8192}$/;

/**
 * The gateway's own headers on every forwarded answer. `no-transform` keeps a compressing proxy
 * (and Next's own compression) from holding back SSE events to fill a buffer (RFC 9111 §5.2.2.6).
 */
const ANSWER_HEADERS: Readonly<Record<string, string>> = { ...MCP_CORS_HEADERS, 'Cache-Control': 'no-store, no-transform' };

/** How long a health answer about the upstream stays fresh before `/api/health` probes again. */
const PROBE_INTERVAL_MS = 30_000;
const PROBE_TIMEOUT_MS = 5_000;

const TIMED_OUT = Symbol('upstream timeout');

class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/** One `upstream` event per failure, with the caller's fingerprint (never the key, never the upstream's address). */
function report(identity: Identity, reason: 'upstream_unreachable' | 'upstream_timeout' | 'upstream_status' | 'upstream_dropped'): void {
  emit('upstream', reason, { fingerprint: identity.fingerprint });
}

/** Counts a streamed request body and fails it past `MCP_BODY_LIMIT`, so nothing buffers it. */
function limitedBody(body: ReadableStream<Uint8Array>, onTooLarge: () => void): ReadableStream<Uint8Array> {
  let total = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > MCP_BODY_LIMIT) {
          onTooLarge();
          controller.error(new BodyTooLarge());
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * The upstream's body, chunk by chunk as it arrives (no buffering: `highWaterMark` 0 reads only
 * when the client's side asks). A read that fails (the upstream dropped the connection) closes the
 * client's stream cleanly instead of tearing it down; a client that goes away cancels the upstream
 * read, which aborts the upstream request.
 */
function relay(body: ReadableStream<Uint8Array>, eventStream: boolean, onDropped: () => void, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // Next sends the status and headers with the first chunk; an SSE stream (a session's GET)
        // may stay quiet for minutes, so an empty chunk sends them now. Node writes no bytes for
        // it, so the stream stays exactly the upstream's.
        if (eventStream) controller.enqueue(new Uint8Array(0));
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch {
          if (!ended) onDropped();
          end();
          controller.close();
        }
      },
      async cancel(reason) {
        end();
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Builds the forwarder for `settings`. Everything that does not depend on the request (the target
 * URL, the allow-lists, the challenge for a refused key) is fixed here, once.
 * @see MCP 2025-06-18 §Transports (Streamable HTTP), RFC 9110 §7.6.1
 */
export function createUpstreamBackend(settings: UpstreamSettings, keys: KeySource, config: Pick<Config, 'resourceMetadataUrl'>): McpBackend {
  if (!keys.holdsKeys) throw new TypeError('the upstream backend needs a key source that holds the keys (MCP_API_KEYS)');
  const source: KeyHoldingSource = keys;
  const target = new URL(settings.url).href;
  const upstreamHost = new URL(settings.url).host;
  const bearer = settings.apiKeyHeader === 'authorization';

  let lastReached: { reached: boolean; at: number } | null = null;
  let probing: Promise<void> | null = null;
  const observe = (reached: boolean) => {
    lastReached = { reached, at: Date.now() };
  };

  // The /mcp refusal's own event says the token's key is no good; the `upstream` event says who refused it.
  const refusedKey = () =>
    mcpRefusalResponse(
      {
        kind: 'credential',
        failure: { kind: 'invalid_token', description: 'The upstream server refused this API key.', credential: 'bearer', reason: 'key_revoked' },
      },
      config,
    );
  const failure = (status: number, message: string) => jsonRpcErrorResponse(status, -32603, message, { cors: true });
  const badHeader = (name: string) => jsonRpcErrorResponse(400, -32600, `Invalid ${name} header: only printable ASCII is allowed.`, { cors: true });

  /** The headers sent upstream, or the 400 for a value that must not be forwarded. */
  function forwardedHeaders(incoming: Headers, key: string): Record<string, string> | Response {
    const headers: Record<string, string> = {
      accept: canonicalAccept(incoming.get('accept')) ?? incoming.get('accept')!,
      // Undecoded bytes pass straight through, and an SSE event is never held by a decompressor.
      'accept-encoding': 'identity',
      [settings.apiKeyHeader]: bearer ? `Bearer ${key}` : key,
    };
    if (!FIELD_VALUE.test(headers.accept!)) return badHeader('Accept');
    const session = incoming.get('mcp-session-id');
    if (session !== null) {
      // Two copies arrive joined by ", ", which the pattern refuses too.
      if (!SESSION_ID.test(session)) return jsonRpcErrorResponse(400, -32600, 'Invalid Mcp-Session-Id header: visible ASCII only.', { cors: true });
      headers['mcp-session-id'] = session;
    }
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = incoming.get(name);
      if (value === null) continue;
      if (!FIELD_VALUE.test(value)) return badHeader(name);
      headers[name] = value;
    }
    return headers;
  }

  async function serve(request: Request, identity: Identity): Promise<Response> {
    const method = request.method;
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > MCP_BODY_LIMIT) return bodyTooLargeResponse();

    const key = await source.keyFor(identity.fingerprint);
    // The key was removed between authentication and now: the same answer as a revoked token.
    if (key === null) {
      const failure = { kind: 'invalid_token', description: 'The access token was revoked.', credential: 'bearer', reason: 'key_revoked' } as const;
      return mcpRefusalResponse({ kind: 'credential', failure }, config);
    }
    const headers = forwardedHeaders(request.headers, key);
    if (headers instanceof Response) return headers;

    let tooLarge = false;
    let body: ReadableStream<Uint8Array> | null = null;
    if (method === 'POST' && request.body) {
      // A declared length is already enforced by the HTTP framing; only an unsized body is counted.
      body = declared !== null ? request.body : limitedBody(request.body, () => (tooLarge = true));
      // The body still streams up, sized as the client sized it: some servers refuse a chunked POST.
      if (declared !== null) headers['content-length'] = declared;
    }

    const controller = new AbortController();
    const clientGone = () => controller.abort(request.signal.reason);
    if (request.signal.aborted) clientGone();
    else request.signal.addEventListener('abort', clientGone, { once: true });
    const release = () => request.signal.removeEventListener('abort', clientGone);
    const timer = setTimeout(() => controller.abort(TIMED_OUT), settings.timeoutMs);

    let upstream: Response;
    try {
      upstream = await fetch(target, {
        method,
        headers,
        body,
        // A stream body must declare half duplex (the Fetch standard's `duplex`): the request streams up.
        duplex: 'half',
        signal: controller.signal,
        // A redirect would carry the key to wherever it points.
        redirect: 'manual',
      } as RequestInit);
    } catch (error) {
      release();
      if (tooLarge) return bodyTooLargeResponse();
      if (controller.signal.reason === TIMED_OUT) {
        observe(false);
        report(identity, 'upstream_timeout');
        return failure(504, 'The upstream MCP server did not answer in time.');
      }
      // Nobody reads this answer: the client went away, and the upstream request with it.
      if (request.signal.aborted) return new Response(null, { status: 499 });
      observe(false);
      report(identity, 'upstream_unreachable');
      return failure(502, 'The upstream MCP server could not be reached.');
    } finally {
      clearTimeout(timer);
    }
    observe(true);

    if (upstream.status === 401 || upstream.status === 403) {
      release();
      await upstream.body?.cancel().catch(() => {});
      report(identity, 'upstream_status');
      return refusedKey();
    }
    if (upstream.status >= 300 && upstream.status < 400) {
      release();
      await upstream.body?.cancel().catch(() => {});
      report(identity, 'upstream_status');
      return failure(502, 'The upstream MCP server answered with a redirect, which the gateway does not follow.');
    }

    const answer: Record<string, string> = { ...ANSWER_HEADERS };
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) answer[name] = value;
    }
    if (upstream.body === null) {
      release();
      return new Response(null, { status: upstream.status, headers: answer });
    }
    const dropped = () => {
      // A read that failed because the client went away is not the upstream's doing.
      if (!controller.signal.aborted) report(identity, 'upstream_dropped');
    };
    const relayed = relay(upstream.body, answer['content-type']?.startsWith('text/event-stream') ?? false, dropped, release);
    return new Response(relayed, { status: upstream.status, headers: answer });
  }

  /** One `HEAD` without a key: any HTTP answer means the upstream is reachable. */
  async function probe(): Promise<void> {
    try {
      const response = await fetch(target, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(Math.min(settings.timeoutMs, PROBE_TIMEOUT_MS)) });
      await response.body?.cancel().catch(() => {});
      observe(true);
    } catch {
      observe(false);
    }
  }

  return {
    kind: 'upstream',
    methods: ['POST', 'GET', 'DELETE'],
    serve,
    async health(): Promise<BackendHealth> {
      if (lastReached === null || Date.now() - lastReached.at > PROBE_INTERVAL_MS) {
        probing ??= probe().finally(() => (probing = null));
        await probing;
      }
      return { backend: 'upstream', upstream: { host: upstreamHost, reached: lastReached?.reached ?? null } };
    },
  };
}
