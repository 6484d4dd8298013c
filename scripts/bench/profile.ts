/**
 * CPU profile of the production server under one load case, to find what dominates:
 *
 *   node scripts/bench/load.mjs scripts/bench/profile.ts [ping|tools|floor|apikey|refresh|proxied] [seconds]
 *
 * `proxied` profiles the gateway with `MCP_UPSTREAM_URL` set, in front of the bench's upstream
 * server (its own process, not in the profile), driven with `tools/list`.
 *
 * Starts `next start` with `--cpu-prof` and, as `npm run bench` does, a real redis-server behind the
 * Upstash REST protocol with raised limits (so the middleware's limiter call is in the profile),
 * drives the case with autocannon, stops the server (which writes the profile) and prints self
 * time by function and by package, and how many limiter commands Redis ran per request. The .cpuprofile file stays
 * in bench-results/profiles/ for Chrome DevTools.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { baseEnv, KEY_A, ROOT } from '@/kit/app';
import { freePort, waitFor } from '@/kit/ports';
import { clientCredentialsToken } from '@/kit/http';
import { startRedisStack } from '@/kit/redis';
import { pidListeningOn, rssBytes } from './rss';
import { mb, RAISED_LIMITS } from './macro';
import { loadCase, refreshCase } from './cases';
import { startUpstream } from './upstream';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
};
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

function packageOf(url: string): string {
  if (!url) return '(native/vm)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) {
    const inner = /node_modules\/next\/dist\/compiled\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    return inner ? `next/compiled/${inner[1]}` : nm[1]!;
  }
  if (url.includes('/.next/server/')) return `.next/server/${url.split('/.next/server/')[1]!.split('/')[0]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(ROOT, '.');
}

export function summarize(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id)!;
    const fn = `${callFrame.functionName || '(anonymous)'} ${packageOf(callFrame.url)}:${callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    const pkg = packageOf(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const pct = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `self time by package (${(total / 1e6).toFixed(1)} s sampled):`,
    ...sorted(byPackage).map(([k, v]) => `  ${pct(v)}  ${k}`),
    'self time by function:',
    ...sorted(byFunction).map(([k, v]) => `  ${pct(v)}  ${k}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const which = argv[0] ?? 'ping';
  const seconds = Number(argv[1] ?? 10);
  const dir = join(ROOT, 'bench-results', 'profiles');
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  // NODE_OPTIONS may not carry --cpu-prof, so this starts `next start` itself.
  const port = await freePort();
  const redis = await startRedisStack();
  const upstream = which === 'proxied' ? await startUpstream() : null;
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...baseEnv(port),
    NODE_ENV: 'production' as const,
    UPSTASH_REDIS_REST_URL: redis.restUrl,
    UPSTASH_REDIS_REST_TOKEN: redis.restToken,
    ...RAISED_LIMITS,
    ...(upstream ? { MCP_UPSTREAM_URL: upstream.url } : {}),
  };
  const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
  const child = spawn(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'],
    { cwd: ROOT, env, stdio: 'inherit' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const app = { url: `http://127.0.0.1:${port}` };
  await waitFor(async () => (await fetch(`${app.url}/api/health`)).ok, 30_000, 'next start');
  const pid = pidListeningOn(port);
  try {
    const token = await clientCredentialsToken(app.url, KEY_A);
    // Refresh: one fresh token per request, minted up front (more than 16 connections can spend).
    const c =
      which === 'refresh'
        ? await refreshCase(app.url, env, seconds * 3000)
        : loadCase(which === 'proxied' ? 'tools' : which, token);
    await redis.command('CONFIG', 'RESETSTAT');
    const rss: string[] = [mb(rssBytes(pid))];
    let requests = 0;
    for (let elapsed = 0; elapsed < seconds; elapsed += 5) {
      const r = await autocannon({
        url: `${app.url}${c.path}`,
        connections: 16,
        duration: Math.min(5, seconds - elapsed),
        method: c.method,
        headers: c.headers ?? {},
        ...(c.body ? { body: c.body } : {}),
        ...(c.nextBody ? { requests: [{ setupRequest: (request) => ({ ...request, body: c.nextBody!() }) }] } : {}),
      });
      requests += r.requests.total;
      rss.push(`${mb(rssBytes(pid))} @${(r.requests.total / r.duration).toFixed(0)}/s non2xx=${r.non2xx}`);
    }
    process.stdout.write(`RSS every 5 s: ${rss.join(' | ')}\n`);
    const stats = String(await redis.command('INFO', 'commandstats'));
    const calls = [...stats.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)].filter(
      ([, name]) => name !== 'info' && name !== 'config|resetstat',
    );
    process.stdout.write(
      `Redis commands per request (${requests} requests): ${calls.map(([, name, n]) => `${name} ${(Number(n) / requests).toFixed(2)}`).join(', ') || 'none'}\n`,
    );
  } finally {
    child.kill('SIGINT');
    await exited;
    await upstream?.stop();
    await redis.stop();
  }
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= started)
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (profiles.length === 0) throw new Error('the server wrote no CPU profile');
  process.stdout.write(`${profiles[0]}\n${summarize(profiles[0]!)}\n`);
}
