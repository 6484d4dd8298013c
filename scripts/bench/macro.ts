/**
 * The macro benchmark: the production server (`next start`) with a real redis-server behind the
 * Upstash REST protocol, limits raised so the limiter runs on every request but never trips,
 * driven by autocannon. Every case runs against the same instance in the same run, so the
 * authenticated cases can be stated as ratios to the floor.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon, { type AutocannonResult } from 'autocannon';
import { KEY_A, ROOT, startApp, type AppInstance } from '@/kit/app';
import { clientCredentialsToken, form, MCP_HEADERS } from '@/kit/http';
import { freePort } from '@/kit/ports';
import { startServerProcess, type ServerProcess } from '@/kit/processes';
import { startRedisStack, type RedisStack } from '@/kit/redis';
import { fingerprintOf } from '@/lib/keys';
import { TWO_PASS_DIR } from './build';
import { pidListeningOn, processName, rssBytes } from './rss';
import { createSeedTokenStore } from './seed';
import { PING, refreshCase, TOOLS_LIST } from './cases';

export type MacroOptions = {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Interleaved rounds of the target cases after the main run (0: none), and seconds per case in each. */
  rounds?: number;
  roundSeconds?: number;
};

/** The cases the round's ratio targets compare, measured again in interleaved rounds. */
export const INTERLEAVED_CASES = [
  'floor',
  'two-pass-floor',
  'ping-bearer',
  'tools-list-bearer',
  'session-bearer',
  'ping-api-key',
] as const;

/** One interleaved round: req/s per case id, and answers that were not the expected status. */
export type InterleavedRound = { readonly rates: Record<string, number>; readonly unexpected: number };

export type CaseResult = {
  id: string;
  label: string;
  target: 'app' | 'baseline' | 'bridge' | 'two-pass';
  path: string;
  /** Redis commands the case caused, per request (all commands, counted by redis-server). */
  redisCallsPerRequest: number;
  /** The status every response is expected to have. */
  expectedStatus: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  /** Responses whose status was not `expectedStatus`, plus socket errors and timeouts. */
  unexpected: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  /** The app server's RSS right after this case. */
  rssAfterBytes: number | null;
};

export type MacroResult = {
  options: MacroOptions;
  server: { pid: number | null; process: string | null; redisBackend: string };
  rss: { startBytes: number | null; afterWarmupBytes: number | null; endBytes: number | null };
  cases: CaseResult[];
  rounds: InterleavedRound[];
};

type Case = {
  id: string;
  label: string;
  target: 'app' | 'baseline' | 'bridge' | 'two-pass';
  path: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** A fresh body per request (`refreshCase`), instead of `body`. */
  nextBody?: () => string;
  expectedStatus: number;
};

export const RAISED_LIMITS = {
  RATE_LIMIT_TOKEN_PER_MINUTE: '1000000',
  RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '1000000',
  RATE_LIMIT_REGISTER_PER_MINUTE: '1000000',
  RATE_LIMIT_MCP_PER_MINUTE: '1000000',
};

const WHOAMI_CALL = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});

/** The bodies of a realistic session in turn: `initialize`, `tools/list`, then ten `tools/call whoami`. */
function sessionMix(): () => string {
  const session = [
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    }),
    JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    ...Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({ jsonrpc: '2.0', id: 3 + i, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
    ),
  ];
  let next = 0;
  return () => session[next++ % session.length]!;
}

async function drive(
  baseUrl: string,
  c: Case,
  connections: number,
  durationSeconds: number,
): Promise<AutocannonResult> {
  return autocannon({
    url: `${baseUrl}${c.path}`,
    connections,
    duration: durationSeconds,
    method: c.method,
    headers: c.headers ?? {},
    ...(c.body === undefined ? {} : { body: c.body }),
    ...(c.nextBody ? { requests: [{ setupRequest: (request) => ({ ...request, body: c.nextBody!() }) }] } : {}),
  });
}

function summarize(c: Case, r: AutocannonResult, rssAfterBytes: number | null, redisCalls: number): CaseResult {
  const statusCounts = Object.fromEntries(
    Object.entries(r.statusCodeStats).map(([status, { count }]) => [status, count]),
  );
  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const expected = statusCounts[String(c.expectedStatus)] ?? 0;
  return {
    id: c.id,
    label: c.label,
    target: c.target,
    path: c.path,
    expectedStatus: c.expectedStatus,
    redisCallsPerRequest: total === 0 ? 0 : redisCalls / total,
    requestsPerSecond: total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    total,
    non2xx: r.non2xx,
    unexpected: total - expected + r.errors + r.timeouts,
    statusCounts,
    errors: r.errors,
    timeouts: r.timeouts,
    rssAfterBytes,
  };
}

/** One request of the case, checked before it is driven, so a broken case fails loudly. */
async function probe(baseUrl: string, c: Case): Promise<void> {
  const res = await fetch(`${baseUrl}${c.path}`, {
    method: c.method,
    headers: c.headers,
    body: c.nextBody ? c.nextBody() : c.body,
  });
  const text = await res.text();
  if (res.status !== c.expectedStatus)
    throw new Error(`${c.label}: expected ${c.expectedStatus}, got ${res.status}: ${text.slice(0, 300)}`);
}

async function startBaseline(app: AppInstance, redis: RedisStack): Promise<ServerProcess> {
  const port = await freePort();
  return startServerProcess([join(ROOT, 'scripts/bench/load.mjs'), 'scripts/bench/baselineServer.ts'], {
    what: 'baseline server',
    port,
    cwd: ROOT,
    env: {
      ...app.env,
      NODE_ENV: 'production',
      BENCH_PORT: String(port),
      UPSTASH_REDIS_REST_URL: redis.restUrl,
      UPSTASH_REDIS_REST_TOKEN: redis.restToken,
    },
    stderr: 'inherit',
    ready: async (origin) => (await fetch(`${origin}/none`, { method: 'POST', body: '{}' })).status === 404,
    timeoutMs: 30_000,
  });
}

/** Every command redis-server has run so far (`INFO commandstats`), to count a case's Redis calls. */
async function redisCommandCount(redis: RedisStack): Promise<number> {
  const info = String(await redis.command('INFO', 'commandstats'));
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * The two-pass floor: `scripts/bench/two-pass`, a Next app of the same version whose middleware, in
 * the product's middleware runtime, only passes through to a route returning a constant.
 */
async function startTwoPass(): Promise<ServerProcess> {
  const runtimeOf = (file: string) => /runtime:\s*'(\w+)'/.exec(readFileSync(join(ROOT, file), 'utf8'))?.[1] ?? 'edge';
  const [product, twoPass] = [runtimeOf('middleware.ts'), runtimeOf(join(TWO_PASS_DIR, 'middleware.js'))];
  if (product !== twoPass)
    throw new Error(`the two-pass floor's middleware runs on ${twoPass}, the product's on ${product}: make them match`);
  const port = await freePort();
  return startServerProcess(
    [
      join(ROOT, 'node_modules/next/dist/bin/next'),
      'start',
      join(ROOT, TWO_PASS_DIR),
      '-p',
      String(port),
      '-H',
      '127.0.0.1',
    ],
    {
      what: 'two-pass floor',
      port,
      cwd: ROOT,
      env: { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
      stdout: 'ignore',
      stderr: 'inherit',
      ready: async (origin) => (await fetch(`${origin}/floor`, { method: 'POST', body: '{}' })).status === 200,
      timeoutMs: 30_000,
    },
  );
}

export async function runMacro(options: MacroOptions, log: (line: string) => void): Promise<MacroResult> {
  const redis = await startRedisStack();
  let app: AppInstance | undefined;
  let baseline: ServerProcess | undefined;
  let twoPass: ServerProcess | undefined;
  try {
    app = await startApp({
      UPSTASH_REDIS_REST_URL: redis.restUrl,
      UPSTASH_REDIS_REST_TOKEN: redis.restToken,
      ...RAISED_LIMITS,
    });
    const pid = pidListeningOn(app.port);
    const rssStart = rssBytes(pid);
    log(`server pid ${pid} (${processName(pid)}), RSS at start ${mb(rssStart)}`);

    const token = await clientCredentialsToken(app.url, KEY_A);
    const readOnlyToken = await clientCredentialsToken(app.url, KEY_A, 'mcp', 'mcp:read');
    const seedStore = createSeedTokenStore(redis.restUrl, redis.restToken);
    const seedToken = await seedStore.issue({ sub: await fingerprintOf(KEY_A), client_id: 'mcp', scope: 'mcp' }, 3600);
    baseline = await startBaseline(app, redis);
    twoPass = await startTwoPass();

    const bearer = { ...MCP_HEADERS, Authorization: `Bearer ${token}` };
    const floor: Omit<Case, 'id' | 'label'> = {
      target: 'app',
      path: '/.well-known/oauth-authorization-server',
      method: 'GET',
      expectedStatus: 200,
    };
    const appCases: Case[] = [
      { id: 'floor', label: 'floor: GET AS metadata (no auth, no Redis)', ...floor },
      {
        id: 'two-pass-floor',
        label: 'two-pass floor: pass-through middleware, constant route',
        target: 'two-pass',
        path: '/floor',
        method: 'POST',
        headers: bearer,
        body: PING,
        expectedStatus: 200,
      },
      {
        id: 'ping-bearer',
        label: '/mcp ping, Bearer JWT',
        target: 'app',
        path: '/mcp',
        method: 'POST',
        headers: bearer,
        body: PING,
        expectedStatus: 200,
      },
      {
        id: 'tools-list-bearer',
        label: '/mcp tools/list, Bearer JWT',
        target: 'app',
        path: '/mcp',
        method: 'POST',
        headers: bearer,
        body: TOOLS_LIST,
        expectedStatus: 200,
      },
      {
        // What a connected assistant does: the handshake, the tool list, then ten tool calls.
        id: 'session-bearer',
        label: '/mcp session mix (initialize, tools/list, 10 tools/call), Bearer JWT',
        target: 'app',
        path: '/mcp',
        method: 'POST',
        headers: bearer,
        nextBody: sessionMix(),
        expectedStatus: 200,
      },
      {
        id: 'whoami-bearer',
        label: '/mcp tools/call whoami, Bearer JWT (full access)',
        target: 'app',
        path: '/mcp',
        method: 'POST',
        headers: bearer,
        body: WHOAMI_CALL,
        expectedStatus: 200,
      },
      {
        // The read-only policy's cost: the same call judged against the tool's readOnlyHint first.
        id: 'whoami-read-only',
        label: '/mcp tools/call whoami, Bearer JWT (read-only, mcp:read)',
        target: 'app',
        path: '/mcp',
        method: 'POST',
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${readOnlyToken}` },
        body: WHOAMI_CALL,
        expectedStatus: 200,
      },
      {
        id: 'ping-api-key',
        label: '/mcp ping, X-API-Key',
        target: 'app',
        path: '/mcp',
        method: 'POST',
        headers: { ...MCP_HEADERS, 'X-API-Key': KEY_A },
        body: PING,
        expectedStatus: 200,
      },
      {
        id: 'unauthenticated',
        label: '/mcp ping, no credentials (401 expected)',
        target: 'app',
        path: '/mcp',
        method: 'POST',
        headers: MCP_HEADERS,
        body: PING,
        expectedStatus: 401,
      },
      {
        id: 'token',
        label: 'POST /oauth/token client_credentials',
        target: 'app',
        path: '/oauth/token',
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form({ grant_type: 'client_credentials', client_id: 'mcp', client_secret: KEY_A }),
        expectedStatus: 200,
      },
      {
        id: 'refresh',
        label: 'POST /oauth/token refresh_token (first use, client_secret_post)',
        target: 'app',
        // Tokens for the probe, the warm-up and the run at up to 3000 refreshes a second.
        ...(await refreshCase(app.url, app.env, (options.warmupSeconds + options.durationSeconds + 1) * 3000)),
        expectedStatus: 200,
      },
    ];
    const baselineCases: Case[] = [
      {
        id: 'baseline-stateless',
        label: 'bare node:http ping, JWT verify (this design)',
        target: 'baseline',
        path: '/stateless',
        method: 'POST',
        headers: bearer,
        body: PING,
        expectedStatus: 200,
      },
      {
        // The store's own ceiling: the seed design can never serve more than this.
        id: 'bridge-get',
        label: "Upstash REST GET alone (the seed's store)",
        target: 'bridge',
        path: '/',
        method: 'POST',
        headers: { Authorization: `Bearer ${redis.restToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(['GET', 'bench:seed:absent']),
        expectedStatus: 200,
      },
      {
        id: 'baseline-seed',
        label: 'bare node:http ping, Upstash lookup (seed design)',
        target: 'baseline',
        path: '/seed',
        method: 'POST',
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${seedToken}` },
        body: PING,
        expectedStatus: 200,
      },
    ];
    const urls = { app: app.url, baseline: baseline.url, 'two-pass': twoPass.url, bridge: redis.restUrl };
    const urlOf = (c: Case) => urls[c.target];

    for (const c of [...appCases, ...baselineCases]) await probe(urlOf(c), c);
    log(`warm-up: ${options.warmupSeconds} s per case`);
    for (const c of [...appCases, ...baselineCases])
      await drive(urlOf(c), c, options.connections, options.warmupSeconds);
    const rssAfterWarmup = rssBytes(pid);
    log(`RSS after warm-up ${mb(rssAfterWarmup)}`);

    // Both floors run first and last; each one's two runs are averaged, so drift in the machine's
    // load during the run shows up as their difference rather than as a bias in the ratios.
    const twoPassCase = appCases.find((c) => c.id === 'two-pass-floor')!;
    const order: Case[] = [
      ...appCases,
      ...baselineCases,
      { ...appCases[0]!, id: 'floor-end', label: 'floor again (end of run)' },
      { ...twoPassCase, id: 'two-pass-floor-end', label: 'two-pass floor again (end of run)' },
    ];
    const cases: CaseResult[] = [];
    for (const c of order) {
      log(`measuring ${c.label} (${options.durationSeconds} s, ${options.connections} connections)`);
      const callsBefore = await redisCommandCount(redis);
      const result = await drive(urlOf(c), c, options.connections, options.durationSeconds);
      // The two INFO calls themselves are not the case's.
      cases.push(summarize(c, result, rssBytes(pid), (await redisCommandCount(redis)) - callsBefore - 1));
    }
    const rssEnd = rssBytes(pid);
    log(`RSS at end ${mb(rssEnd)}`);

    // The machine's speed drifts during a run (the floor has moved by 40% between its first and
    // last run), which biases a ratio between cases measured minutes apart. The target ratios are
    // measured again in short interleaved rounds, each in a rotated order, so each ratio compares
    // cases measured seconds apart; main.ts reports the median over rounds.
    const rounds: InterleavedRound[] = [];
    const interleaved = INTERLEAVED_CASES.map((id) => appCases.find((c) => c.id === id)!);
    for (let r = 0; r < (options.rounds ?? 0); r++) {
      log(`interleaved round ${r + 1}/${options.rounds}: ${options.roundSeconds} s per case`);
      const rates: Record<string, number> = {};
      let unexpected = 0;
      for (let i = 0; i < interleaved.length; i++) {
        const c = interleaved[(i + r) % interleaved.length]!;
        const result = summarize(c, await drive(urlOf(c), c, options.connections, options.roundSeconds ?? 2), null, 0);
        rates[c.id] = result.requestsPerSecond;
        unexpected += result.unexpected;
      }
      rounds.push({ rates, unexpected });
    }
    return {
      options,
      server: { pid, process: processName(pid), redisBackend: 'redis-server behind the Upstash REST protocol' },
      rss: { startBytes: rssStart, afterWarmupBytes: rssAfterWarmup, endBytes: rssEnd },
      cases,
      rounds,
    };
  } finally {
    await baseline?.stop();
    await twoPass?.stop();
    await app?.stop();
    await redis.stop();
  }
}

export function mb(bytes: number | null): string {
  return bytes === null ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
