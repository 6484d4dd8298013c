/**
 * The proxied cases: the gateway with `MCP_UPSTREAM_URL` in front of a minimal API-key MCP server
 * (`upstreamServer.ts`, its own process), against the same server called directly, in the same
 * run. Reported: the latency the gateway adds at one connection (p50, p99), proxied `tools/list`
 * throughput at `connections` as a ratio to the gateway's own authenticated in-process `ping`
 * (a second instance with the tools backend, same Redis, same limits), and the time to the first
 * SSE event of a streamed answer, via the gateway and direct. Keys in the operator's own system:
 * the in-process ping with a key-service source against the list source (and the questions the
 * service was asked per request), and proxied `tools/list` with the upstream as judge (the key
 * sealed in the token) against the list source.
 */
import { join } from 'node:path';
import autocannon, { type AutocannonResult } from 'autocannon';
import { KEY_A, KEY_B, ROOT, startApp, type AppInstance } from '@/kit/app';
import { clientCredentialsToken, MCP_HEADERS } from '@/kit/http';
import { freePort } from '@/kit/ports';
import { startServerProcess, type ServerProcess } from '@/kit/processes';
import { startKeyService, type KeyServiceFixture } from '@/kit/fakeServers/keyService';
import { startRedisStack } from '@/kit/redis';
import { PING, TOOLS_LIST } from './cases';
import { RAISED_LIMITS, type MacroOptions } from './macro';
import { pidListeningOn, rssBytes } from './rss';

export type UpstreamCase = {
  id: string;
  label: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  unexpected: number;
  /** Questions the key service was asked per request during the case (key-service cases only). */
  keyServiceCallsPerRequest: number | null;
};
export type FirstEvent = { via: 'gateway' | 'direct'; samples: number; p50Ms: number; p99Ms: number };
export type UpstreamResult = {
  cases: UpstreamCase[];
  firstEvent: FirstEvent[];
  gatewayRssEndBytes: number | null;
  /** Requests per second of `INTERLEAVED_UPSTREAM_CASES`, per interleaved round. */
  rounds: Array<Record<string, number>>;
};

/** The cases the proxied ratios compare, measured again in short interleaved rounds. */
export const INTERLEAVED_UPSTREAM_CASES = [
  'ping-bearer',
  'ping-bearer-key-service',
  'upstream-proxied',
  'upstream-proxied-read-only',
  'upstream-proxied-judge',
] as const;

const STREAM_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'stream', arguments: {} },
});

type Drive = {
  id: string;
  label: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** How many questions the key service has been asked so far, for cases whose gateway asks one. */
  keyServiceQuestions?: () => number;
};

/** The bench's upstream MCP server (`upstreamServer.ts`) in its own process; `url` is its `/mcp`. */
export async function startUpstream(): Promise<ServerProcess> {
  const port = await freePort();
  return startServerProcess([join(ROOT, 'scripts/bench/load.mjs'), 'scripts/bench/upstreamServer.ts'], {
    what: 'bench upstream server',
    port,
    path: '/mcp',
    cwd: ROOT,
    env: { NODE_ENV: 'production', BENCH_PORT: String(port), BENCH_KEYS: `${KEY_A},${KEY_B}` },
    stdout: 'inherit',
    stderr: 'inherit',
    ready: async (origin) => (await fetch(`${origin}/mcp`, { method: 'POST', body: '{}' })).status === 401,
    timeoutMs: 30_000,
  });
}

function drive(d: Drive, durationSeconds: number): Promise<AutocannonResult> {
  return autocannon({
    url: d.url,
    connections: d.connections,
    duration: durationSeconds,
    method: 'POST',
    headers: d.headers,
    body: d.body,
  });
}

function summarize(d: Drive, r: AutocannonResult, keyServiceCalls: number | null): UpstreamCase {
  const counts = Object.fromEntries(Object.entries(r.statusCodeStats).map(([status, { count }]) => [status, count]));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    id: d.id,
    label: d.label,
    connections: d.connections,
    requestsPerSecond: total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    total,
    unexpected: total - (counts['200'] ?? 0) + r.errors + r.timeouts,
    keyServiceCallsPerRequest: keyServiceCalls === null ? null : keyServiceCalls / Math.max(1, total),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Time from sending the request to the first SSE `data:` chunk, `samples` times in a row. */
async function firstEvent(
  via: FirstEvent['via'],
  url: string,
  headers: Record<string, string>,
  samples: number,
): Promise<FirstEvent> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body: STREAM_CALL });
    if (res.status !== 200) throw new Error(`first-event case (${via}) answered ${res.status}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`first-event case (${via}): stream ended without an event`);
      seen += decoder.decode(value, { stream: true });
      if (seen.includes('data:')) break;
    }
    times.push(performance.now() - started);
    await reader.cancel();
  }
  times.sort((a, b) => a - b);
  return {
    via,
    samples,
    p50Ms: Number(percentile(times, 50).toFixed(2)),
    p99Ms: Number(percentile(times, 99).toFixed(2)),
  };
}

export async function runUpstreamMacro(options: MacroOptions, log: (line: string) => void): Promise<UpstreamResult> {
  const redis = await startRedisStack();
  let tools: AppInstance | undefined;
  let gateway: AppInstance | undefined;
  let service: AppInstance | undefined;
  let judge: AppInstance | undefined;
  let upstream: ServerProcess | undefined;
  let keyService: KeyServiceFixture | undefined;
  try {
    [upstream, keyService] = await Promise.all([startUpstream(), startKeyService()]);
    keyService.add(KEY_A, 'cus_bench_a');
    const stores = {
      UPSTASH_REDIS_REST_URL: redis.restUrl,
      UPSTASH_REDIS_REST_TOKEN: redis.restToken,
      ...RAISED_LIMITS,
    };
    // Four instances on one Redis: the list source in process and proxied, a key service (its
    // answers cached, as in production) in process, and the upstream as judge (the key sealed in
    // the token, opened on every proxied request).
    [tools, gateway, service, judge] = await Promise.all([
      startApp(stores),
      startApp({ ...stores, MCP_UPSTREAM_URL: upstream.url }),
      startApp({
        ...stores,
        MCP_API_KEYS: undefined,
        MCP_KEY_SERVICE_URL: keyService.url,
        MCP_KEY_SERVICE_TOKEN: keyService.token,
      }),
      startApp({ ...stores, MCP_API_KEYS: undefined, MCP_KEY_SOURCE: 'upstream', MCP_UPSTREAM_URL: upstream.url }),
    ]);
    const [toolsToken, gatewayToken, readOnlyToken, serviceToken, judgeToken] = await Promise.all([
      clientCredentialsToken(tools.url, KEY_A),
      clientCredentialsToken(gateway.url, KEY_A),
      clientCredentialsToken(gateway.url, KEY_A, 'mcp', 'mcp:read'),
      clientCredentialsToken(service.url, KEY_A),
      clientCredentialsToken(judge.url, KEY_A),
    ]);
    const serviceQuestions = () => keyService!.questions.length;
    const viaGateway = { ...MCP_HEADERS, Authorization: `Bearer ${gatewayToken}` };
    const direct = { ...MCP_HEADERS, Authorization: `Bearer ${KEY_A}` };
    const drives: Drive[] = [
      {
        id: 'upstream-direct-1c',
        label: 'upstream tools/list, direct, 1 connection',
        url: upstream.url,
        headers: direct,
        body: TOOLS_LIST,
        connections: 1,
      },
      {
        id: 'upstream-proxied-1c',
        label: 'upstream tools/list, via gateway, 1 connection',
        url: `${gateway.url}/mcp`,
        headers: viaGateway,
        body: TOOLS_LIST,
        connections: 1,
      },
      {
        id: 'ping-bearer-1c',
        label: 'gateway in-process ping, Bearer JWT, 1 connection',
        url: `${tools.url}/mcp`,
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${toolsToken}` },
        body: PING,
        connections: 1,
      },
      {
        id: 'ping-bearer',
        label: 'gateway in-process ping, Bearer JWT',
        url: `${tools.url}/mcp`,
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${toolsToken}` },
        body: PING,
        connections: options.connections,
      },
      {
        // The same ping through a gateway whose keys live in a key service (warm cache).
        id: 'ping-bearer-key-service',
        label: 'gateway in-process ping, Bearer JWT, key-service source',
        url: `${service.url}/mcp`,
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${serviceToken}` },
        body: PING,
        connections: options.connections,
        keyServiceQuestions: serviceQuestions,
      },
      {
        id: 'upstream-proxied',
        label: 'upstream tools/list, via gateway',
        url: `${gateway.url}/mcp`,
        headers: viaGateway,
        body: TOOLS_LIST,
        connections: options.connections,
      },
      {
        // A read-only token: the body read and judged, the answer's tool list narrowed.
        id: 'upstream-proxied-read-only',
        label: 'upstream tools/list, via gateway, read-only token',
        url: `${gateway.url}/mcp`,
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${readOnlyToken}` },
        body: TOOLS_LIST,
        connections: options.connections,
      },
      {
        // The upstream as judge: no key list; the key rides sealed in the token.
        id: 'upstream-proxied-judge',
        label: 'upstream tools/list, via gateway, upstream judge (sealed key)',
        url: `${judge.url}/mcp`,
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${judgeToken}` },
        body: TOOLS_LIST,
        connections: options.connections,
      },
      {
        id: 'upstream-direct',
        label: 'upstream tools/list, direct',
        url: upstream.url,
        headers: direct,
        body: TOOLS_LIST,
        connections: options.connections,
      },
    ];
    for (const d of drives) {
      const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${d.label}: expected 200, got ${res.status}: ${text.slice(0, 200)}`);
    }
    log(`upstream cases: warm-up ${options.warmupSeconds} s each`);
    for (const d of drives) await drive(d, options.warmupSeconds);
    const cases: UpstreamCase[] = [];
    for (const d of drives) {
      log(
        `measuring ${d.label} (${options.durationSeconds} s, ${d.connections} connection${d.connections === 1 ? '' : 's'})`,
      );
      const asked = d.keyServiceQuestions?.();
      const result = await drive(d, options.durationSeconds);
      cases.push(summarize(d, result, asked === undefined ? null : d.keyServiceQuestions!() - asked));
    }
    // As in macro.ts: each ratio also from cases measured seconds apart, in rotated order, since
    // this machine's speed drifts by tens of percent between cases measured minutes apart.
    const rounds: Array<Record<string, number>> = [];
    const interleaved = INTERLEAVED_UPSTREAM_CASES.map((id) => drives.find((d) => d.id === id)!);
    for (let r = 0; r < (options.rounds ?? 0); r++) {
      log(`proxied interleaved round ${r + 1}/${options.rounds}: ${options.roundSeconds} s per case`);
      const rates: Record<string, number> = {};
      for (let i = 0; i < interleaved.length; i++) {
        const d = interleaved[(i + r) % interleaved.length]!;
        rates[d.id] = summarize(d, await drive(d, options.roundSeconds ?? 2), null).requestsPerSecond;
      }
      rounds.push(rates);
    }
    const samples = Math.max(50, options.durationSeconds * 25);
    log(`time to first SSE event: ${samples} sequential samples each`);
    await firstEvent('gateway', `${gateway.url}/mcp`, viaGateway, 20);
    await firstEvent('direct', upstream.url, direct, 20);
    const firstEvents = [
      await firstEvent('gateway', `${gateway.url}/mcp`, viaGateway, samples),
      await firstEvent('direct', upstream.url, direct, samples),
    ];
    return { cases, firstEvent: firstEvents, gatewayRssEndBytes: rssBytes(pidListeningOn(gateway.port)), rounds };
  } finally {
    await Promise.all([tools?.stop(), gateway?.stop(), service?.stop(), judge?.stop()]);
    await Promise.all([upstream?.stop(), keyService?.stop()]);
    await redis.stop();
  }
}
