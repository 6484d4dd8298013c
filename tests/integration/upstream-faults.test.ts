/**
 * The gateway in front of an upstream that misbehaves on demand (kit/fakeServers/faultyUpstream.ts):
 * failures, then what a hostile client tries to push through. The upstream URL carries a path and
 * a query of its own, so "exactly the configured URL" is visible in what arrives.
 */
import { connect } from 'node:net';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '@/lib/keys';
import { eventsIn } from '../support/events';
import { KEY_A, startApp, type AppInstance } from '@/kit/app';
import { startFaultyUpstream, UPSTREAM_ONLY_HEADERS, type FaultyUpstream } from '@/kit/fakeServers/faultyUpstream';
import { clientCredentialsToken, readEvents } from '@/kit/http';
import { waitFor } from '@/kit/ports';
import { pidListeningOn, rssBytes } from '../../scripts/bench/rss';

// Long enough for 100 concurrent streams on a busy machine, short enough to wait for.
const TIMEOUT_MS = 4000;
const UPSTREAM_PATH = '/base/mcp?tenant=t1';
const PING = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

let upstream: FaultyUpstream;
let app: AppInstance;
let token: string;
let fingerprint: string;

beforeAll(async () => {
  upstream = await startFaultyUpstream();
  app = await startApp({
    MCP_UPSTREAM_URL: `http://127.0.0.1:${upstream.port}${UPSTREAM_PATH}`,
    MCP_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    RATE_LIMIT_MCP_PER_MINUTE: '100000',
    // A bounded heap makes V8 collect instead of growing lazily, so RSS growth means retention.
    NODE_OPTIONS: '--max-old-space-size=160',
  });
  token = await clientCredentialsToken(app.url, KEY_A);
  fingerprint = await fingerprintOf(KEY_A);
});

afterAll(async () => {
  await app?.stop();
  await upstream?.stop();
});

function post(
  headers: Record<string, string> = {},
  body = PING,
  path = '/mcp',
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      Authorization: `Bearer ${token}`,
      ...headers,
    },
    body,
    signal,
  });
}

/** One raw HTTP/1.1 exchange on its own connection: exactly the bytes given, the whole answer back. */
function raw(request: string | Buffer): Promise<{ status: number; head: string; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.split('\r\n\r\n')[0] ?? '';
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), head, text });
    });
    // Not `end`: a half-closed client may see its request dropped. `Connection: close` ends it.
    socket.write(request);
    socket.setTimeout(5000, () => socket.destroy());
  });
}

function rawPost(headerLines: string[], body: string): Promise<{ status: number; head: string; text: string }> {
  return raw(
    [
      'POST /mcp HTTP/1.1',
      `Host: 127.0.0.1:${app.port}`,
      `Authorization: Bearer ${token}`,
      'Connection: close',
      ...headerLines,
      '',
      body,
    ].join('\r\n'),
  );
}

/** `upstream` events with `reason` for this test's key in the gateway's output so far. */
function logged(reason: 'upstream_timeout' | 'upstream_dropped' | 'upstream_unreachable' | 'upstream_status'): number {
  return eventsIn(app.output()).filter(
    (e) => e.event === 'upstream' && e.reason === reason && e.fingerprint === fingerprint,
  ).length;
}

async function expectGatewayError(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = await res.text();
  const parsed = JSON.parse(body) as { jsonrpc: string; id: null; error: { code: number; message: string } };
  expect(parsed).toMatchObject({
    jsonrpc: '2.0',
    id: null,
    error: { code: expect.any(Number), message: expect.any(String) },
  });
  // Nothing internal: no address, no path, no upstream text.
  expect(body).not.toContain('127.0.0.1');
  expect(body).not.toContain(String(upstream.port));
  expect(body).not.toContain('/base/mcp');
  expect(body).not.toMatch(/ECONN|at \w+ \(|upstream-internal/);
  return body;
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe('upstream failures', () => {
  // @req UP-TIMEOUT
  it('answers 504 at the timeout when the upstream never sends its response headers, logged once', async () => {
    upstream.mode = { kind: 'hang' };
    const before = logged('upstream_timeout');
    const started = performance.now();
    const res = await post();
    const elapsed = performance.now() - started;
    await expectGatewayError(res, 504);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    expect(logged('upstream_timeout')).toBe(before + 1);
  });

  // @req UP-MID-STREAM
  it("ends the client's stream cleanly after what was relayed when the upstream drops the connection mid-stream", async () => {
    upstream.mode = { kind: 'drop' };
    const before = logged('upstream_dropped');
    const res = await post();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    // Resolves (the stream ended) rather than rejecting (torn down).
    const events = await readEvents(res);
    expect(events.map((e) => e.data.method)).toEqual(['notifications/progress']);
    await waitFor(async () => logged('upstream_dropped') === before + 1, 2000, 'the log line');
  });

  // @req UP-KEY-REFUSED
  it("answers an upstream 403 with the gateway's own 401 invalid_token challenge, never the upstream's", async () => {
    upstream.mode = { kind: 'refuse', status: 403 };
    const before = logged('upstream_status');
    const res = await post();
    expect(res.status).toBe(401);
    expect(logged('upstream_status')).toBe(before + 1);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain('The upstream server refused this API key.');
    expect(challenge).not.toContain('ApiKey');
    expect(await res.text()).not.toContain('upstream-internal');
  });

  // @req UP-EXACT-URL
  it('does not follow an upstream redirect (it would carry the key away): 502 without Location', async () => {
    upstream.mode = { kind: 'redirect' };
    const res = await post();
    expect(res.headers.get('location')).toBeNull();
    await expectGatewayError(res, 502);
  });

  // @req UP-NO-LEAK
  it('serves 100 concurrent SSE streams and leaves no socket or memory growth behind', async () => {
    upstream.mode = { kind: 'stream', events: 5, gapMs: 200 };
    const pid = pidListeningOn(app.port)!;
    expect(pid).toBeGreaterThan(0);
    const batch = async () => {
      const answers = await Promise.all(
        Array.from({ length: 100 }, () =>
          post().then(async (res) => ({ status: res.status, events: await readEvents(res) })),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
      for (const { events } of answers) expect(events).toHaveLength(6);
    };
    const settle = async () => {
      // Idle keep-alive connections close on their own: the upstream's after 1 s, this test
      // client's to the gateway after Node's 5 s server default.
      await waitFor(async () => (await upstream.openConnections()) === 0, 10_000, 'upstream connections to close');
      await new Promise((r) => setTimeout(r, 6000));
    };
    // Warm-up batches grow the pools, JIT caches and heap to their working size.
    for (let round = 0; round < 4; round++) await batch();
    await settle();
    const fdsBefore = fdCount(pid);
    const rss: number[] = [rssBytes(pid)!];
    for (let round = 0; round < 3; round++) {
      await batch();
      rss.push(rssBytes(pid)!);
    }
    await settle();
    // Every socket the streams used is closed again (polled: closes land a little apart).
    await waitFor(
      async () => fdCount(pid) <= fdsBefore + 2,
      15_000,
      'the gateway to hold no more descriptors than before',
    ).catch(() => {});
    const fdsAfter = fdCount(pid);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    console.log(
      `[measure] 3 x 100 concurrent SSE streams after warm-up: gateway fds ${fdsBefore} -> ${fdsAfter}, RSS ${rss.map(mib).join(' -> ')} MB`,
    );
    const rssBefore = rss[0]!;
    const rssAfter = rss.at(-1)!;
    expect(await upstream.openConnections()).toBe(0);
    expect(fdsAfter).toBeLessThanOrEqual(fdsBefore + 2);
    // A leak of 35 KB per stream would add 10 MB over these 300 streams.
    expect(rssAfter - rssBefore).toBeLessThan(10 * 2 ** 20);
  });
});

describe('what a hostile client cannot push through', () => {
  // @req UP-HEADER-ALLOWLIST
  // @req UP-OWN-KEY
  it('forwards only the allow-listed request headers, with the key as Bearer in Authorization, and passes back only the allow-listed answer headers', async () => {
    upstream.mode = { kind: 'echo' };
    const from = upstream.arrivals.length;
    const body = PING;
    const res = await rawPost(
      [
        'Content-Type: application/json',
        'Accept: */*',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Cookie: c=browser',
        'Keep-Alive: timeout=99',
        'TE: trailers',
        'Proxy-Authorization: Basic Zm9vOmJhcg==',
        'X-Secret-Hop: 1',
        'X-Forwarded-Host: evil.example',
        'X-Forwarded-For: 203.0.113.1',
        'Forwarded: for=203.0.113.1;host=evil.example',
        'Origin: https://evil.example',
        'Mcp-Session-Id: sess-123',
        'MCP-Protocol-Version: 2025-11-25',
        'Mcp-Method: tools/call',
        'Mcp-Name: whoami',
        'Last-Event-ID: ev-5',
      ],
      body,
    );
    expect(res.status).toBe(200);
    const arrived = upstream.arrivals.slice(from);
    expect(arrived).toHaveLength(1);
    const { headers, url, body: arrivedBody } = arrived[0]!;
    expect(url).toBe(UPSTREAM_PATH);
    expect(arrivedBody.toString()).toBe(body);
    expect(headers.authorization).toBe(`Bearer ${KEY_A}`);
    expect(headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(headers.accept).toBe('application/json, text/event-stream');
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'mcp-session-id': 'sess-123',
      'mcp-protocol-version': '2025-11-25',
      'mcp-method': 'tools/call',
      'mcp-name': 'whoami',
      'last-event-id': 'ev-5',
    });
    for (const name of [
      'cookie',
      'keep-alive',
      'te',
      'proxy-authorization',
      'x-secret-hop',
      'x-forwarded-host',
      'x-forwarded-for',
      'forwarded',
      'origin',
      'upgrade',
    ]) {
      expect(headers[name], name).toBeUndefined();
    }
    expect(JSON.stringify(headers)).not.toContain(token);

    const head = res.head.toLowerCase();
    expect(head).toContain('mcp-session-id: upstream-session-1');
    expect(head).toContain('access-control-allow-origin: *');
    for (const name of Object.keys(UPSTREAM_ONLY_HEADERS)) {
      if (name === 'Access-Control-Allow-Origin') continue;
      expect(head, name).not.toContain(`${name.toLowerCase()}:`);
    }
    expect(head).not.toContain('upstream.example');
  });

  // @req UP-HEADER-ALLOWLIST
  it('refuses request smuggling shapes (Content-Length with Transfer-Encoding, two lengths) before anything is forwarded', async () => {
    upstream.mode = { kind: 'echo' };
    const from = upstream.arrivals.length;
    const clte = await rawPost(
      ['Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked'],
      `${PING.length.toString(16)}\r\n${PING}\r\n0\r\n\r\n`,
    );
    expect(clte.status).toBe(400);
    const twoLengths = await rawPost(
      ['Content-Type: application/json', `Content-Length: ${PING.length}`, 'Content-Length: 5'],
      PING,
    );
    expect(twoLengths.status).toBe(400);
    const badChunk = await rawPost(
      ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
      `zz\r\n${PING}\r\n0\r\n\r\n`,
    );
    expect(badChunk.status).toBe(400);
    expect(upstream.arrivals.length).toBe(from);
  });

  // @req UP-HEADER-ALLOWLIST
  it('forwards a body byte for byte, sized when the client sized it, and never a Connection: upgrade', async () => {
    upstream.mode = { kind: 'echo' };
    const from = upstream.arrivals.length;
    const chunked = await rawPost(
      ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
      `10\r\n${PING.slice(0, 16)}\r\n${(PING.length - 16).toString(16)}\r\n${PING.slice(16)}\r\n0\r\n\r\n`,
    );
    expect(chunked.status).toBe(200);
    expect(upstream.arrivals.at(-1)!.body.toString()).toBe(PING);
    expect(upstream.arrivals.at(-1)!.headers['transfer-encoding']).toBe('chunked');
    // A sized body arrives sized, not chunked.
    const sized = await rawPost(['Content-Type: application/json', `Content-Length: ${PING.length}`], PING);
    expect(sized.status).toBe(200);
    expect(upstream.arrivals.at(-1)!.headers['content-length']).toBe(String(PING.length));
    expect(upstream.arrivals.at(-1)!.headers['transfer-encoding']).toBeUndefined();
    expect(upstream.arrivals.at(-1)!.body.toString()).toBe(PING);

    const upgrade = await rawPost(
      ['Content-Type: application/json', 'Connection: Upgrade', 'Upgrade: websocket', `Content-Length: ${PING.length}`],
      PING,
    );
    expect(upgrade.status).not.toBe(101);
    for (const arrival of upstream.arrivals.slice(from)) {
      expect(arrival.headers.upgrade).toBeUndefined();
      expect(arrival.headers.connection ?? '').not.toMatch(/upgrade/i);
    }
  });

  // @req UP-SESSION-ID-INJECTION
  it('refuses an Mcp-Session-Id that is not visible ASCII with a 400 that reaches nothing', async () => {
    upstream.mode = { kind: 'echo' };
    const from = upstream.arrivals.length;
    const spaced = await post({ 'Mcp-Session-Id': 'abc def' });
    expect(spaced.status).toBe(400);
    expect(await spaced.json()).toMatchObject({
      error: { message: 'Invalid Mcp-Session-Id header: visible ASCII only.' },
    });
    // A well-formed request in between, so "reaches nothing" is seen against one that does.
    expect(
      (
        await rawPost(
          ['Content-Type: application/json', `Content-Length: ${PING.length}`, 'Mcp-Session-Id: fine'],
          PING,
        )
      ).status,
    ).toBe(200);
    // Non-ASCII bytes on the wire (Node reads them as latin1).
    const latin1 = await raw(
      Buffer.concat([
        Buffer.from(
          `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${PING.length}\r\nMcp-Session-Id: ab`,
        ),
        Buffer.from([0xc3, 0xa9]),
        Buffer.from(`\r\n\r\n${PING}`),
      ]),
    );
    expect(latin1.status).toBe(400);
    // Two copies arrive joined by ", ".
    const twice = await rawPost(
      ['Content-Type: application/json', `Content-Length: ${PING.length}`, 'Mcp-Session-Id: a', 'Mcp-Session-Id: b'],
      PING,
    );
    expect(twice.status).toBe(400);
    // A control character is refused by the HTTP parser itself.
    const control = await rawPost(
      ['Content-Type: application/json', `Content-Length: ${PING.length}`, 'Mcp-Session-Id: a\x01b'],
      PING,
    );
    expect(control.status).toBe(400);
    // Only the one well-formed request in between reached the upstream.
    expect(upstream.arrivals.length).toBe(from + 1);

    // A CRLF inside the value only starts another header line, which is not on the allow-list.
    const split = await rawPost(
      ['Content-Type: application/json', `Content-Length: ${PING.length}`, 'Mcp-Session-Id: good\r\nX-Injected: 1'],
      PING,
    );
    expect(split.status).toBe(200);
    expect(upstream.arrivals.at(-1)!.headers['mcp-session-id']).toBe('good');
    expect(upstream.arrivals.at(-1)!.headers['x-injected']).toBeUndefined();
  });

  // @req UP-EXACT-URL
  it('forwards to exactly the configured URL whatever path or query the request names', async () => {
    upstream.mode = { kind: 'echo' };
    const from = upstream.arrivals.length;
    const paths = [
      '/mcp?tenant=t2',
      '/mcp?url=http://evil.example/&x=1',
      '/mcp/',
      '/mcp/../mcp',
      '/%6dcp',
      '/mcp/extra',
      '//evil.example/mcp',
      '/mcp;x=1',
      '/mcp#frag',
    ];
    const statuses: number[] = [];
    for (const path of paths) {
      const res = await post({}, PING, path);
      statuses.push(res.status);
      await res.body?.cancel();
    }
    const absolute = await raw(
      [
        `POST http://evil.example/other?x=1 HTTP/1.1`,
        'Host: evil.example',
        `Authorization: Bearer ${token}`,
        'Connection: close',
        'Content-Type: application/json',
        `Content-Length: ${PING.length}`,
        '',
        PING,
      ].join('\r\n'),
    );
    statuses.push(absolute.status);
    // Some of these reach /mcp (and so the upstream); the others are not /mcp at all.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const arrived = upstream.arrivals.slice(from);
    expect(arrived.length).toBe(statuses.filter((s) => s === 200).length);
    for (const arrival of arrived) {
      expect(arrival.url).toBe(UPSTREAM_PATH);
      expect(arrival.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    }
  });

  // @req UP-BODY-LIMIT
  it('keeps the 1 MiB request limit for forwarded bodies, declared or chunked, and forwards nothing over it', async () => {
    upstream.mode = { kind: 'echo' };
    const from = upstream.arrivals.length;
    const over = 'x'.repeat(1024 * 1024 + 1);
    const declared = await rawPost(['Content-Type: application/json', `Content-Length: ${over.length}`], over);
    expect(declared.status).toBe(413);
    const chunk = 64 * 1024;
    const pieces: string[] = [];
    for (let i = 0; i < over.length; i += chunk) {
      const piece = over.slice(i, i + chunk);
      pieces.push(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    }
    const streamed = await rawPost(
      ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
      `${pieces.join('')}0\r\n\r\n`,
    );
    expect(streamed.status).toBe(413);
    expect(upstream.arrivals.length).toBe(from);
  });

  // @req UP-UNREACHABLE
  // @req UP-HEALTH
  it('answers 502 within 1 s when the upstream is down, logs it once, and health says the upstream was not reached', async () => {
    await upstream.stop();
    const before = logged('upstream_unreachable');
    const started = performance.now();
    const res = await post();
    const elapsed = performance.now() - started;
    await expectGatewayError(res, 502);
    expect(elapsed).toBeLessThan(1000);
    expect(logged('upstream_unreachable')).toBe(before + 1);
    expect(app.output()).not.toContain(KEY_A);
    const health = (await (await fetch(`${app.url}/api/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      backend: 'upstream',
      upstream: { host: `127.0.0.1:${upstream.port}`, reached: false },
    });
  });
});
