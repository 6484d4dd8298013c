/**
 * HTTP for the tests and the bench, in one module: requests to a running instance, reading its
 * answers (JSON-RPC as JSON or SSE), and what the fake servers answer with.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';

// --- Requests to a running instance ---

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export async function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: form(fields),
  });
}

/** An access token from `client_credentials` for `key`. */
export async function clientCredentialsToken(
  baseUrl: string,
  key: string,
  clientId = 'mcp',
  scope?: 'mcp' | 'mcp:read',
): Promise<string> {
  const res = await postForm(`${baseUrl}/oauth/token`, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: key,
    ...(scope === undefined ? {} : { scope }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A client_credentials request for `secret`, from `ip` (honoured when the app trusts proxy headers). */
export function tokenRequest(baseUrl: string, secret: string, ip: string): Promise<Response> {
  return postForm(
    `${baseUrl}/oauth/token`,
    { grant_type: 'client_credentials', client_id: 'mcp', client_secret: secret },
    { 'X-Real-IP': ip },
  );
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '1.0.0' } },
} as const;

/** What a Streamable HTTP client sends with every POST to `/mcp`. */
export const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

export async function postMcp(
  baseUrl: string,
  message: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify(message),
  });
}

/** A CORS preflight for a POST from `origin` that will send `requestHeaders`. */
export async function preflight(url: string, origin: string, requestHeaders: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': requestHeaders,
    },
  });
}

/** One POST through `node:http`, which, unlike fetch(), may set any header (`Host` included); its status. */
export function nodePost(url: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const PIECE = 64 * 1024;
/** How long the headers go alone, so an answer given on them alone arrives before any body. */
const HEADERS_ALONE_MS = 200;

/** The connection broke under a write: the server stopped reading, having answered or not. */
function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET';
}

function rawPostOnce(url: string, headers: Record<string, string>, body: Buffer, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      url,
      { method: 'POST', agent: false, headers: chunked ? headers : { ...headers, 'Content-Length': body.byteLength } },
      (res) => {
        answered = true;
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (error) => (answered ? undefined : reject(error)));
    void (async () => {
      // Headers first: a server that refuses by Content-Length answers before any body byte, and
      // a body written into a connection it is closing would race its answer.
      req.flushHeaders();
      await new Promise((done) => setTimeout(done, HEADERS_ALONE_MS));
      // Then in pieces, reading between them and stopping at the answer: a server that refuses
      // part-way (a counted chunked body) need not read the rest.
      for (let offset = 0; offset < body.byteLength && !answered && !req.destroyed; offset += PIECE) {
        if (!req.write(body.subarray(offset, offset + PIECE))) {
          await new Promise<void>((done) => {
            req.once('drain', done);
            req.once('close', done);
          });
        }
        await new Promise((done) => setImmediate(done));
      }
      if (answered) req.destroy();
      else if (!req.destroyed) req.end();
    })().catch((error: unknown) =>
      answered ? undefined : reject(error instanceof Error ? error : new Error(String(error))),
    );
  });
}

/**
 * One POST on its own connection (no keep-alive pool), for answers a server gives before reading
 * the whole body; `chunked` sends the body without a Content-Length. A server that answers early
 * may close while the body is still being written, and the broken pipe can reach the client before
 * the answer does (RFC 9112 §9.6): a connection that broke before any answer is tried once more.
 */
export async function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string,
  chunked: boolean,
): Promise<number> {
  const bytes = Buffer.from(body);
  try {
    return await rawPostOnce(url, headers, bytes, chunked);
  } catch (error) {
    if (!isBrokenPipe(error)) throw error;
    return rawPostOnce(url, headers, bytes, chunked);
  }
}

/**
 * `tools/call whoami` at `${baseUrl}/mcp` with a bearer token: its structured content, or an
 * error naming the status when the call was not answered 200.
 */
export async function whoamiWithToken(baseUrl: string, accessToken: string): Promise<Record<string, unknown>> {
  const res = await postMcp(
    baseUrl,
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    { Authorization: `Bearer ${accessToken}`, 'Mcp-Protocol-Version': '2025-11-25' },
  );
  if (res.status !== 200) throw new Error(`whoami answered ${res.status}: ${await res.text()}`);
  return ((await rpcMessages(res))[0] as { result: { structuredContent: Record<string, unknown> } }).result
    .structuredContent;
}

// --- Reading answers ---

/** The JSON-RPC messages of a response, whether it came as JSON or as an SSE stream. */
export async function rpcMessages(res: Response): Promise<Array<Record<string, unknown>>> {
  const text = await res.text();
  if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
  }
  const parsed = JSON.parse(text) as Record<string, unknown> | Array<Record<string, unknown>>;
  return Array.isArray(parsed) ? parsed : [parsed];
}

export type TimedEvent = { readonly at: number; readonly data: Record<string, unknown> };

/**
 * The `data:` payloads of `response`'s SSE stream, each stamped with its arrival time
 * (`performance.now()`), until the stream ends or `stop` says so.
 */
export async function readEvents(
  response: Response,
  stop: (event: TimedEvent) => boolean = () => false,
): Promise<TimedEvent[]> {
  const events: TimedEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return events;
    buffered += value;
    let boundary: number;
    while ((boundary = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === '') continue;
      const event = { at: performance.now(), data: JSON.parse(data) as Record<string, unknown> };
      events.push(event);
      if (stop(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

// --- Serving: what the fake servers read and answer with ---

/** The request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** Answers `body` (JSON, or a string sent as it is) with its Content-Length and `headers`. */
export function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}, status = 200): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A request's headers as Fetch `Headers`, less those Node gives as an array (`set-cookie`). */
export function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  return headers;
}
