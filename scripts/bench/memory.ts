/**
 * Leak or working-set growth? Runs one load case for a long time against the production server
 * (`next start` with `--trace-gc`, Upstash limiter on a real redis-server as in `npm run bench`):
 *
 *   node scripts/bench/load.mjs scripts/bench/memory.ts [ping|tools|apikey|floor] [seconds]
 *
 * Prints, per 10 s slice: requests served, RSS, and the V8 heap left live after the slice's last
 * full (mark-compact) GC. Writes a heap snapshot after the first slice and one at the end
 * (bench-results/profiles/*.heapsnapshot) and prints which object kinds grew between them. A leak
 * shows as live heap rising with the requests served; a working set shows as a plateau.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { baseEnv, KEY_A, ROOT } from '@/kit/app';
import { clientCredentialsToken } from '@/kit/http';
import { freePort, waitFor } from '@/kit/ports';
import { startRedisStack } from '@/kit/redis';
import { mb, RAISED_LIMITS } from './macro';
import { pidListeningOn, rssBytes } from './rss';
import { loadCase } from './cases';

const SLICE_SECONDS = 10;

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
};

/** Self size and count per (type, constructor name) of a V8 heap snapshot. */
function aggregate(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + nameAt]!]! : `(${type})`;
    const key = `${type === 'closure' ? 'closure ' : ''}${name}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, entry);
  }
  return out;
}

function growth(before: string, after: string, top = 15): string {
  const a = aggregate(before);
  const b = aggregate(after);
  const total = (m: Map<string, { bytes: number }>) => [...m.values()].reduce((s, v) => s + v.bytes, 0);
  const rows = [...b.entries()]
    .map(([k, v]) => ({
      k,
      dCount: v.count - (a.get(k)?.count ?? 0),
      dBytes: v.bytes - (a.get(k)?.bytes ?? 0),
      count: v.count,
    }))
    .sort((x, y) => y.dBytes - x.dBytes)
    .slice(0, top);
  return [
    `heap snapshot totals: ${mb(total(a))} -> ${mb(total(b))}`,
    'largest growth by object kind (bytes, count):',
    ...rows.map(
      (r) =>
        `  ${(r.dBytes / 1024).toFixed(0).padStart(8)} KiB  ${String(r.dCount).padStart(7)}  (now ${r.count})  ${r.k}`,
    ),
  ].join('\n');
}

/** Live and committed V8 heap after the last mark-compact in `text` (`--trace-gc` lines), in MB. */
function lastFullGc(text: string): string {
  const last = [...text.matchAll(/Mark-Compact[^\n]*?([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/g)].at(-1);
  return last ? `${last[3]} MB live, ${last[4]} MB committed` : 'n/a';
}

export async function main(argv: string[]): Promise<void> {
  const which = argv[0] ?? 'ping';
  const seconds = Number(argv[1] ?? 120);
  const dir = join(ROOT, 'bench-results', 'profiles');
  mkdirSync(dir, { recursive: true });
  const redis = await startRedisStack();
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // glibc's per-thread malloc arenas, to compare: MALLOC_ARENA_MAX=2 node scripts/bench/load.mjs …
    ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
    ...baseEnv(port),
    NODE_ENV: 'production' as const,
    UPSTASH_REDIS_REST_URL: redis.restUrl,
    UPSTASH_REDIS_REST_TOKEN: redis.restToken,
    ...RAISED_LIMITS,
  };
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const child = spawn(
    process.execPath,
    [
      '--trace-gc',
      '--heapsnapshot-signal=SIGUSR2',
      `--diagnostic-dir=${dir}`,
      nextBin,
      'start',
      '-p',
      String(port),
      '-H',
      '127.0.0.1',
    ],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let gcLog = '';
  child.stdout.on('data', (chunk: Buffer) => {
    gcLog += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const snapshots: string[] = [];
  const snapshot = async () => {
    const before = new Set(readdirSync(dir));
    child.kill('SIGUSR2');
    await waitFor(
      async () => {
        const added = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
        // Written once its size stops changing.
        if (added.length === 0) return false;
        const file = join(dir, added[0]!);
        const size = statSync(file).size;
        await new Promise((r) => setTimeout(r, 1000));
        if (statSync(file).size !== size || size === 0) return false;
        snapshots.push(file);
        return true;
      },
      120_000,
      'heap snapshot',
    );
  };
  try {
    await waitFor(async () => (await fetch(`${url}/api/health`)).ok, 60_000, 'next start');
    const pid = pidListeningOn(port);
    const token = await clientCredentialsToken(url, KEY_A);
    const c = loadCase(which, token);
    process.stdout.write(`server pid ${pid}\nslice  requests (total)   RSS        V8 heap after the last full GC\n`);
    process.stdout.write(`start  ${'0'.padStart(16)}   ${mb(rssBytes(pid)).padStart(9)}\n`);
    let total = 0;
    for (let slice = 1; slice * SLICE_SECONDS <= seconds; slice++) {
      const r = await autocannon({
        url: `${url}${c.path}`,
        connections: 16,
        duration: SLICE_SECONDS,
        method: c.method,
        headers: c.headers ?? {},
        ...(c.body ? { body: c.body } : {}),
      });
      total += r.requests.total;
      process.stdout.write(
        `${String(slice).padStart(5)}  ${`${r.requests.total} (${total})`.padStart(16)}   ${mb(rssBytes(pid)).padStart(9)}   ${lastFullGc(gcLog)}${r.non2xx ? `  non-2xx ${r.non2xx}` : ''}\n`,
      );
      if (slice === 1) await snapshot();
    }
    await snapshot();
    process.stdout.write(`${growth(snapshots[0]!, snapshots[1]!)}\n`);
  } finally {
    child.kill('SIGINT');
    await exited;
    await redis.stop();
  }
}
