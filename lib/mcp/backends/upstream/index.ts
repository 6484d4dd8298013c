/**
 * The upstream backend: forwards each verified `/mcp` request to `MCP_UPSTREAM_URL`, adding the
 * caller's own API key in the configured header, and streams the answer back untouched.
 *
 * What crosses is an allow-list in both directions (`headers.ts`); the streams are `streams.ts`,
 * the health probe `reachability.ts`. The request goes to exactly the configured URL, never to the
 * incoming path or query. The gateway keeps no session state: an upstream `Mcp-Session-Id` is
 * opaque and simply travels.
 *
 * Failures are refusals the endpoint answers with the gateway's own JSON-RPC errors, naming nothing
 * internal (no address, no upstream text), each logged once with the caller's fingerprint:
 * unreachable 502, no response headers within `timeoutMs` 504, a refused key 401 `invalid_token`
 * (so the client re-authorizes, perhaps with another key), a connection dropped mid-stream ends
 * the client's stream cleanly.
 */
import type { UpstreamSettings } from '../../../config';
import { emit } from '../../../observability/log';
import { answered, refused, type BackendAnswer, type BackendHealth, type McpBackend } from '../../backend';
import type { ForwardKey, Identity } from '../../identity';
import { readLimitedText } from '../../../http/readBody';
import { accessOf } from '../../../tokens/access';
import { isReadOnlyTool, readOnlyVerdict, type ToolAccessSettings } from '../../readOnly';
import { createAnnotationLearner } from './annotations';
import { narrowToolListStream } from './toolList';
import type { CredentialFailure } from '../../refusals';
import { MCP_BODY_LIMIT } from '../../transport';
import { answerHeaders, upstreamRequestHeaders } from './headers';
import { createReachability } from './reachability';
import { limitedBody, relay } from './streams';

const TIMED_OUT = Symbol('upstream timeout');

/** One `upstream` event per failure, with the caller's fingerprint (never the key, never the upstream's address). */
function report(
  identity: Identity,
  reason: 'upstream_unreachable' | 'upstream_timeout' | 'upstream_status' | 'upstream_dropped',
): void {
  emit('upstream', reason, { fingerprint: identity.fingerprint });
}

/** The /mcp refusal's own event says the token's key is no good; the `upstream` event says who refused it. */
const keyRefused = (description: string): BackendAnswer => {
  const failure: CredentialFailure = {
    kind: 'invalid_token',
    description,
    credential: 'bearer',
    reason: 'key_revoked',
  };
  return refused({ kind: 'credential', failure });
};

const upstreamFailed = (status: 502 | 504, message: string): BackendAnswer =>
  refused({ kind: 'upstream_failed', status, message });

/**
 * Builds the forwarder for `settings`. Everything that does not depend on the request (the target
 * URL, the allow-lists) is fixed here, once.
 * @see MCP 2025-06-18 §Transports (Streamable HTTP), RFC 9110 §7.6.1
 */
/**
 * `toolAccess`: the operator's lists of read-only and writing tools. A read-only connection may
 * call an upstream tool the operator lists read-only (`MCP_READ_ONLY_TOOLS`), or one the upstream
 * itself marks `readOnlyHint` in its `tools/list` for that user's key (`annotations.ts`); the
 * operator's `MCP_WRITE_TOOLS` wins over both, and an unannotated tool is refused.
 */
export function createUpstreamBackend(
  settings: UpstreamSettings,
  toolAccess: ToolAccessSettings = { readOnlyTools: [], writeTools: [] },
): McpBackend {
  const target = new URL(settings.url).href;
  const upstreamHost = new URL(settings.url).host;
  const reachability = createReachability(target, settings.timeoutMs);
  const readOnlyHintOf = createAnnotationLearner(settings);

  async function serve(request: Request, identity: Identity, forwardKey: ForwardKey): Promise<BackendAnswer> {
    const method = request.method;
    const declared = request.headers.get('content-length');
    if (declared !== null && Number(declared) > MCP_BODY_LIMIT) return refused({ kind: 'body_too_large' });

    const key = await forwardKey();
    // The key was removed between authentication and now: the same answer as a revoked token.
    if (key === null) return keyRefused('The access token was revoked.');
    const built = upstreamRequestHeaders(request.headers, key, settings);
    if (!built.ok) return refused({ kind: 'bad_request', code: -32600, message: built.message });
    const headers = built.headers;

    let tooLarge = false;
    let body: ReadableStream<Uint8Array> | string | null = null;
    /** A read-only connection's tool list is narrowed to the tools it may call. */
    let narrowsToolList = false;
    if (method === 'POST' && request.body && accessOf(identity.scopes) !== 'full') {
      // A read-only connection: the message is read and judged before anything reaches the upstream.
      const read = await readLimitedText(request, MCP_BODY_LIMIT);
      if (!read.ok) {
        if (read.reason === 'too_large') return refused({ kind: 'body_too_large' });
        if (read.reason === 'aborted') return refused({ kind: 'client_aborted' });
        return refused({ kind: 'bad_request', code: -32700, message: 'Parse error: body is not valid UTF-8.' });
      }
      let message: unknown;
      try {
        message = JSON.parse(read.value) as unknown;
      } catch {
        return refused({ kind: 'bad_request', code: -32700, message: 'Parse error: the body is not JSON.' });
      }
      const verdict = await readOnlyVerdict(message, request.headers, async (name) =>
        isReadOnlyTool(name, await readOnlyHintOf(key, name), toolAccess),
      );
      if (!verdict.ok) {
        return verdict.kind === 'header_mismatch'
          ? refused({ kind: 'bad_request', code: -32600, message: verdict.message })
          : refused({ kind: 'read_only', method: verdict.method, ...(verdict.tool && { tool: verdict.tool }) });
      }
      body = read.value;
      narrowsToolList = (message as { method?: unknown }).method === 'tools/list';
      headers['content-length'] = String(new TextEncoder().encode(read.value).byteLength);
    } else if (method === 'POST' && request.body) {
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
    } catch {
      release();
      if (tooLarge) return refused({ kind: 'body_too_large' });
      if (controller.signal.reason === TIMED_OUT) {
        reachability.observe(false);
        report(identity, 'upstream_timeout');
        return upstreamFailed(504, 'The upstream MCP server did not answer in time.');
      }
      // Nobody reads this answer: the client went away, and the upstream request with it.
      if (request.signal.aborted) return refused({ kind: 'client_aborted' });
      reachability.observe(false);
      report(identity, 'upstream_unreachable');
      return upstreamFailed(502, 'The upstream MCP server could not be reached.');
    } finally {
      clearTimeout(timer);
    }
    reachability.observe(true);

    if (upstream.status === 401 || upstream.status === 403) {
      release();
      await upstream.body?.cancel().catch(() => {});
      report(identity, 'upstream_status');
      return keyRefused('The upstream server refused this API key.');
    }
    if (upstream.status >= 300 && upstream.status < 400) {
      release();
      await upstream.body?.cancel().catch(() => {});
      report(identity, 'upstream_status');
      return upstreamFailed(
        502,
        'The upstream MCP server answered with a redirect, which the gateway does not follow.',
      );
    }

    const answer = answerHeaders(upstream.headers);
    if (upstream.body === null) {
      release();
      return answered(new Response(null, { status: upstream.status, headers: answer }));
    }
    const dropped = () => {
      // A read that failed because the client went away is not the upstream's doing.
      if (!controller.signal.aborted) report(identity, 'upstream_dropped');
    };
    const eventStream = answer['content-type']?.startsWith('text/event-stream') ?? false;
    const relayed = relay(upstream.body, eventStream, dropped, release);
    const shown =
      narrowsToolList && upstream.ok
        ? narrowToolListStream(relayed, eventStream, (name, hint) => isReadOnlyTool(name, hint, toolAccess))
        : relayed;
    return answered(new Response(shown, { status: upstream.status, headers: answer }));
  }

  return {
    kind: 'upstream',
    methods: ['POST', 'GET', 'DELETE'],
    serve,
    async health(): Promise<BackendHealth> {
      return { backend: 'upstream', upstream: { host: upstreamHost, reached: await reachability.current() } };
    },
  };
}
