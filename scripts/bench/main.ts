/**
 * `npm run bench`: micro-benchmarks of the authentication hot path, then the production server
 * under load, then one table with ratios from this run and a JSON file in bench-results/.
 *
 *   --quick            2 s per case (a smoke run of the harness, not for the record)
 *   --duration <s>     seconds per measured case (default 8)
 *   --rounds <n>       interleaved rounds of the target cases after the main run (default 4, 2 s per case)
 *   --no-micro         skip the micro-benchmarks
 *   --no-macro         skip the load test (and the build)
 *   --no-upstream      skip the proxied cases (the gateway in front of an upstream MCP server)
 *   --upstream-only    only the proxied cases (no micro-benchmarks, no other load cases)
 *
 * The budget is reported, never asserted: timings depend on the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '@/kit/app';
import { buildIfNeeded } from './build';
import { INTERLEAVED_CASES, mb, runMacro, type CaseResult, type MacroResult } from './macro';
import { runMicro, type MicroResult } from './runMicro';
import { runUpstreamMacro, type UpstreamResult } from './upstream';

const CONNECTIONS = 16;

type Budget = { check: string; target: string; measured: string; met: boolean | null };

function log(line: string): void {
  process.stdout.write(`[bench] ${line}\n`);
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => pad(r, widths))].join(
    '\n',
  );
}

function floorRate(cases: CaseResult[]): number {
  const floors = cases.filter((c) => c.id === 'floor' || c.id === 'floor-end');
  return floors.reduce((a, c) => a + c.requestsPerSecond, 0) / floors.length;
}

function twoPassRate(cases: CaseResult[]): number {
  const floors = cases.filter((c) => c.id === 'two-pass-floor' || c.id === 'two-pass-floor-end');
  return floors.length === 0 ? NaN : floors.reduce((a, c) => a + c.requestsPerSecond, 0) / floors.length;
}

function macroTable(macro: MacroResult): string {
  const floor = floorRate(macro.cases);
  const twoPass = twoPassRate(macro.cases);
  const baseline = macro.cases.find((c) => c.id === 'baseline-stateless');
  return table(
    ['case', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'Redis/req', 'ratio', 'vs two-pass', 'app RSS after'],
    macro.cases.map((c) => {
      const onApp = c.target === 'app' || c.target === 'two-pass';
      const reference = onApp ? floor : (baseline?.requestsPerSecond ?? NaN);
      const non2xx =
        c.expectedStatus === 200
          ? String(c.non2xx)
          : `${c.non2xx} (${c.expectedStatus}s expected; ${c.unexpected} other)`;
      return [
        c.label,
        c.requestsPerSecond.toFixed(0),
        String(c.p50Ms),
        String(c.p99Ms),
        String(c.total),
        non2xx,
        c.redisCallsPerRequest.toFixed(3),
        `${(c.requestsPerSecond / reference).toFixed(2)}x`,
        onApp ? `${(c.requestsPerSecond / twoPass).toFixed(2)}x` : '',
        mb(c.rssAfterBytes),
      ];
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each target case's ratio to both floors in every interleaved round, and the median. */
function roundsTable(macro: MacroResult): string {
  const label = (id: string) => macro.cases.find((c) => c.id === id)?.label ?? id;
  const rows: string[][] = [];
  for (const id of INTERLEAVED_CASES.filter((c) => c !== 'floor' && c !== 'two-pass-floor')) {
    for (const reference of ['floor', 'two-pass-floor'] as const) {
      const ratios = macro.rounds.map((r) => r.rates[id]! / r.rates[reference]!);
      rows.push([
        `${label(id)} ÷ ${reference === 'floor' ? 'floor' : 'two-pass floor'}`,
        ...ratios.map((x) => `${x.toFixed(2)}x`),
        `${median(ratios).toFixed(2)}x`,
      ]);
    }
  }
  rows.push([
    'two-pass floor ÷ floor',
    ...macro.rounds.map((r) => `${(r.rates['two-pass-floor']! / r.rates.floor!).toFixed(2)}x`),
    `${median(macro.rounds.map((r) => r.rates['two-pass-floor']! / r.rates.floor!)).toFixed(2)}x`,
  ]);
  rows.push(['floor req/s', ...macro.rounds.map((r) => r.rates.floor!.toFixed(0)), '']);
  return table(['interleaved rounds', ...macro.rounds.map((_, i) => `round ${i + 1}`), 'median'], rows);
}

function microTable(micro: MicroResult[]): string {
  return table(
    ['micro-benchmark (per call)', 'p50 µs', 'p99 µs', 'samples'],
    micro.map((m) => [
      m.name,
      m.medianMicros.toFixed(m.medianMicros < 1 ? 3 : 1),
      m.p99Micros.toFixed(m.p99Micros < 1 ? 3 : 1),
      String(m.samples),
    ]),
  );
}

function upstreamTable(result: UpstreamResult): string {
  const rows = result.cases.map((c) => [
    c.label,
    String(c.connections),
    c.requestsPerSecond.toFixed(0),
    String(c.p50Ms),
    String(c.p99Ms),
    String(c.total),
    String(c.unexpected),
    c.keyServiceCallsPerRequest === null ? '' : c.keyServiceCallsPerRequest.toFixed(4),
  ]);
  const events = result.firstEvent.map((f) => [
    `time to first SSE event, ${f.via}`,
    '1',
    '',
    f.p50Ms.toFixed(2),
    f.p99Ms.toFixed(2),
    String(f.samples),
    '',
    '',
  ]);
  return table(
    ['proxied case', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'unexpected', 'key service/req'],
    [...rows, ...events],
  );
}

/** The proxied ratios per interleaved round, and their medians. */
function upstreamRoundsTable(result: UpstreamResult): string {
  if (result.rounds.length === 0) return '';
  const pairs: Array<[string, string, string]> = [
    ['key-service ping ÷ list-source ping', 'ping-bearer-key-service', 'ping-bearer'],
    ['proxied tools/list, judge (sealed) ÷ list source', 'upstream-proxied-judge', 'upstream-proxied'],
    ['proxied tools/list, read-only ÷ full access', 'upstream-proxied-read-only', 'upstream-proxied'],
    ['proxied tools/list ÷ in-process ping', 'upstream-proxied', 'ping-bearer'],
  ];
  const rows = pairs.map(([label, id, reference]) => {
    const ratios = result.rounds.map((r) => r[id]! / r[reference]!);
    return [label, ...ratios.map((x) => `${x.toFixed(2)}x`), `${median(ratios).toFixed(2)}x`];
  });
  return table(['proxied interleaved rounds', ...result.rounds.map((_, i) => `round ${i + 1}`), 'median'], rows);
}

function upstreamBudget(result: UpstreamResult): Budget[] {
  const by = (id: string) => result.cases.find((c) => c.id === id)!;
  const direct1 = by('upstream-direct-1c');
  const proxied1 = by('upstream-proxied-1c');
  const addedP50 = proxied1.p50Ms - direct1.p50Ms;
  const addedP99 = proxied1.p99Ms - direct1.p99Ms;
  // Ratios: the median over the interleaved rounds when they ran, else the main run's.
  const from = result.rounds.length > 0 ? `median of ${result.rounds.length} interleaved rounds` : 'main run';
  const ratioOf = (id: string, reference: string): number =>
    result.rounds.length > 0
      ? median(result.rounds.map((r) => r[id]! / r[reference]!))
      : by(id).requestsPerSecond / by(reference).requestsPerSecond;
  const ratio = ratioOf('upstream-proxied', 'ping-bearer');
  const readOnly = ratioOf('upstream-proxied-read-only', 'upstream-proxied');
  const [viaGateway, direct] = [
    result.firstEvent.find((f) => f.via === 'gateway')!,
    result.firstEvent.find((f) => f.via === 'direct')!,
  ];
  const unexpected = result.cases.reduce((a, c) => a + c.unexpected, 0);
  const keyService = by('ping-bearer-key-service');
  const serviceRatio = ratioOf('ping-bearer-key-service', 'ping-bearer');
  const judgeRatio = ratioOf('upstream-proxied-judge', 'upstream-proxied');
  return [
    {
      check: `in-process ping, key-service source vs list source (req/s, ${CONNECTIONS} conns, ${from})`,
      target: '>= 0.90x',
      measured: `${serviceRatio.toFixed(2)}x`,
      met: serviceRatio >= 0.9,
    },
    {
      check: 'key-service questions per /mcp request, warm cache',
      target: '~0 (< 0.001)',
      measured: (keyService.keyServiceCallsPerRequest ?? NaN).toFixed(4),
      met: (keyService.keyServiceCallsPerRequest ?? 1) < 0.001,
    },
    {
      check: `proxied tools/list, upstream judge (sealed key) vs list source (req/s, ${CONNECTIONS} conns, ${from})`,
      target: 'reported',
      measured: `${judgeRatio.toFixed(2)}x`,
      met: null,
    },
    {
      check: `proxied tools/list, read-only token vs full access (req/s, ${CONNECTIONS} conns, ${from})`,
      target: '>= 0.95x',
      measured: `${readOnly.toFixed(2)}x`,
      met: readOnly >= 0.95,
    },
    {
      check: 'latency the gateway adds, 1 connection, p50',
      target: '<= 3 ms',
      measured: `${addedP50.toFixed(2)} ms`,
      met: addedP50 <= 3,
    },
    {
      check: 'latency the gateway adds, 1 connection, p99',
      target: 'reported',
      measured: `${addedP99.toFixed(2)} ms`,
      met: null,
    },
    {
      // What forwarding costs beyond the gateway's own authenticated request (auth, limit, Next).
      check: 'forwarding alone, p50 (proxied - in-process ping - direct)',
      target: 'reported',
      measured: `${(proxied1.p50Ms - by('ping-bearer-1c').p50Ms - direct1.p50Ms).toFixed(2)} ms`,
      met: null,
    },
    {
      check: `proxied tools/list vs in-process ping (req/s, ${CONNECTIONS} conns, ${from})`,
      target: '>= 0.80x',
      measured: `${ratio.toFixed(2)}x`,
      met: ratio >= 0.8,
    },
    {
      check: 'time to first SSE event p50, gateway vs direct',
      target: 'reported',
      measured: `${viaGateway.p50Ms.toFixed(2)} ms vs ${direct.p50Ms.toFixed(2)} ms`,
      met: null,
    },
    { check: 'non-2xx/errors on proxied cases', target: '0', measured: String(unexpected), met: unexpected === 0 },
  ];
}

function budget(macro: MacroResult | null, micro: MicroResult[] | null): Budget[] {
  const out: Budget[] = [];
  if (macro) {
    // The target ratios: the median over the interleaved rounds when they ran, else the main run's.
    const rounds = macro.rounds.length;
    const from = rounds > 0 ? `median of ${rounds} interleaved rounds` : 'main run';
    const ratioOf = (id: string, reference: 'floor' | 'two-pass-floor'): number =>
      rounds > 0
        ? median(macro.rounds.map((r) => r.rates[id]! / r.rates[reference]!))
        : macro.cases.find((c) => c.id === id)!.requestsPerSecond /
          (reference === 'floor' ? floorRate(macro.cases) : twoPassRate(macro.cases));
    for (const id of ['ping-bearer', 'tools-list-bearer', 'session-bearer']) {
      const ratio = ratioOf(id, 'floor');
      const label = macro.cases.find((c) => c.id === id)!.label;
      out.push({
        check: `${label} vs floor (req/s, ${from})`,
        target: '>= 0.45x',
        measured: `${ratio.toFixed(2)}x`,
        met: ratio >= 0.45,
      });
    }
    const readOnlyRatio =
      macro.cases.find((c) => c.id === 'whoami-read-only')!.requestsPerSecond /
      macro.cases.find((c) => c.id === 'whoami-bearer')!.requestsPerSecond;
    out.push({
      check: 'read-only whoami vs full-access whoami (req/s, main run)',
      target: '>= 0.95x',
      measured: `${readOnlyRatio.toFixed(2)}x`,
      met: readOnlyRatio >= 0.95,
    });
    const vsTwoPass = ratioOf('ping-bearer', 'two-pass-floor');
    out.push({
      check: `authenticated ping vs two-pass floor (req/s, ${from})`,
      target: '>= 0.80x',
      measured: `${vsTwoPass.toFixed(2)}x`,
      met: vsTwoPass >= 0.8,
    });
    const mcpCases = macro.cases.filter((c) => c.target === 'app' && c.path === '/mcp');
    const mostRedis = Math.max(...mcpCases.map((c) => c.redisCallsPerRequest));
    out.push({
      check: 'Redis round trips per /mcp request (worst case)',
      target: '<= 1',
      measured: mostRedis.toFixed(3),
      met: mostRedis <= 1,
    });
    const authenticated = macro.cases.filter(
      (c) => c.target === 'app' && c.id !== 'unauthenticated' && !c.id.startsWith('floor'),
    );
    for (const c of authenticated.filter((a) => a.path === '/mcp')) {
      const spread = c.p99Ms / Math.max(c.p50Ms, 1);
      out.push({
        check: `${c.label}: p99 / p50`,
        target: '<= 3x',
        measured: `${spread.toFixed(1)}x (${c.p99Ms} / ${c.p50Ms} ms)`,
        met: spread <= 3,
      });
    }
    const unexpected =
      authenticated.reduce((a, c) => a + c.non2xx + c.errors + c.timeouts, 0) +
      macro.rounds.reduce((a, r) => a + r.unexpected, 0);
    out.push({
      check: 'non-2xx/errors on authenticated cases',
      target: '0',
      measured: String(unexpected),
      met: unexpected === 0,
    });
    const { afterWarmupBytes: before, endBytes: after } = macro.rss;
    const growth = before && after ? (after - before) / before : null;
    out.push({
      check: 'server RSS growth, after warm-up to end',
      target: '< 10%',
      measured: growth === null ? 'n/a' : `${(growth * 100).toFixed(1)}% (${mb(before)} -> ${mb(after)})`,
      met: growth === null ? null : growth < 0.1,
    });
  }
  if (micro) {
    const verify = micro.find((m) => m.name.startsWith('verify'));
    if (verify)
      out.push({
        check: 'access token verify p50',
        target: '< 30 µs',
        measured: `${verify.medianMicros.toFixed(1)} µs`,
        met: verify.medianMicros < 30,
      });
    const named = (name: string) => micro.find((m) => m.name === name);
    const [plain, sealed, firstOpen, laterOpen] = [
      named('verify (tokens.verify)'),
      named('verify (tokens.verify), sealed'),
      named("open a seal (sealer.open): a token's first request on an instance"),
      named("open the seal (tokens.openSeal): the token's later requests"),
    ];
    if (plain && sealed && firstOpen && laterOpen) {
      // What a proxied request with a sealed key pays over one without: the longer token's
      // verify, and the seal's key (jose compactDecrypt, dir + A256GCM, on a token's first request
      // on an instance; kept for the token's later requests).
      const longer = sealed.medianMicros - plain.medianMicros;
      const later = longer + laterOpen.medianMicros;
      out.push({
        check: "the seal, added to a proxied request, p50: a token's later requests",
        target: '< 30 µs',
        measured: `${later.toFixed(1)} µs`,
        met: later < 30,
      });
      out.push({
        check: "the seal, added to a proxied request, p50: a token's first request on an instance",
        target: 'reported',
        measured: `${(longer + firstOpen.medianMicros).toFixed(1)} µs`,
        met: null,
      });
    }
    for (const op of ['identify', 'isActive']) {
      const rows = micro.filter((m) => m.name.startsWith(op));
      if (rows.length < 2) continue;
      const first = rows[0]!.medianMicros;
      const last = rows[rows.length - 1]!.medianMicros;
      // "Flat": 10,000 keys within 2x of 1 key (a linear scan would be ~10,000x).
      out.push({
        check: `keys.${op} 1 -> 10,000 keys`,
        target: '<= 2x (flat)',
        measured: `${(last / first).toFixed(2)}x`,
        met: last / first <= 2,
      });
    }
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const durationSeconds = Number(argValue(argv, '--duration') ?? (quick ? 2 : 8));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  log(
    `node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  const upstreamOnly = argv.includes('--upstream-only');
  const micro =
    argv.includes('--no-micro') || upstreamOnly ? null : runMicro(ROOT, join(outDir, `micro-${stamp}.json`), log);

  let macro: MacroResult | null = null;
  let upstream: UpstreamResult | null = null;
  const rounds = Number(argValue(argv, '--rounds') ?? (quick ? 1 : 4));
  const loadOptions = {
    connections: CONNECTIONS,
    durationSeconds,
    warmupSeconds: quick ? 1 : 4,
    rounds,
    roundSeconds: quick ? 1 : 2,
  };
  if (!argv.includes('--no-macro') || upstreamOnly) buildIfNeeded(ROOT, log);
  if (!argv.includes('--no-macro') && !upstreamOnly) {
    buildIfNeeded(ROOT, log, 'two-pass');
    macro = await runMacro(loadOptions, log);
  }
  if ((!argv.includes('--no-macro') && !argv.includes('--no-upstream')) || upstreamOnly)
    upstream = await runUpstreamMacro(loadOptions, log);

  const budgetRows = [...budget(macro, micro), ...(upstream ? upstreamBudget(upstream) : [])];
  const report = [
    '',
    macro
      ? `Load: autocannon, ${CONNECTIONS} connections, ${durationSeconds} s per case after warm-up; ratio = req/s ÷ floor, and vs two-pass = req/s ÷ two-pass floor (each the mean of its first and last run), for app cases; ÷ the bare JWT server for the baseline and store cases.`
      : '',
    macro ? macroTable(macro) : '',
    macro
      ? `server RSS: start ${mb(macro.rss.startBytes)}, after warm-up ${mb(macro.rss.afterWarmupBytes)}, end ${mb(macro.rss.endBytes)} (pid ${macro.server.pid}: ${macro.server.process})`
      : '',
    macro && macro.rounds.length > 0
      ? `\nThe target ratios again, in ${macro.rounds.length} interleaved rounds after the main run (${loadOptions.roundSeconds} s per case, each round in a rotated order, so each ratio compares cases measured seconds apart):`
      : '',
    macro && macro.rounds.length > 0 ? roundsTable(macro) : '',
    '',
    upstream
      ? `Proxied: the gateway (MCP_UPSTREAM_URL) in front of a bare node:http MCP server, vs that server called directly; ${CONNECTIONS}-connection throughput as a ratio to the gateway's in-process ping in the same run.`
      : '',
    upstream ? upstreamTable(upstream) : '',
    upstream ? upstreamRoundsTable(upstream) : '',
    '',
    micro ? microTable(micro) : '',
    '',
    table(
      ['budget (reported, not asserted)', 'target', 'measured', 'met'],
      budgetRows.map((b) => [b.check, b.target, b.measured, b.met === null ? 'n/a' : b.met ? 'yes' : 'NO']),
    ),
    '',
  ].join('\n');
  process.stdout.write(report);

  const file = join(outDir, `bench-${stamp}.json`);
  const json = JSON.stringify(
    {
      startedAt,
      node: process.version,
      cpus: cpus().length,
      loadavgAtStart: loadavg(),
      quick,
      macro,
      upstream,
      micro,
      budget: budgetRows,
    },
    null,
    2,
  );
  writeFileSync(file, json);
  // A partial run is kept under its own name only, never as the latest full result.
  if (!upstreamOnly) writeFileSync(join(outDir, 'latest.json'), json);
  log(`results written to ${file}`);
}
