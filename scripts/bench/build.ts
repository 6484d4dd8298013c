/**
 * Builds the production app when `.next/BUILD_ID` is missing or older than any source file, or the
 * last build did not finish.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = [
  'app',
  'lib',
  'tools',
  'middleware.ts',
  'next.config.ts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];

const COMPLETE_BUILD_MARKERS = ['prerender-manifest.json', 'routes-manifest.json', 'required-server-files.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why a build is needed, or `null` when the existing one is current. */
export function staleBuildReason(root: string, sources: readonly string[] = SOURCES): string | null {
  const buildId = join(root, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return 'no production build yet';
  // BUILD_ID is written early: a build that failed later leaves it without these.
  const missing = COMPLETE_BUILD_MARKERS.find((file) => !existsSync(join(root, '.next', file)));
  if (missing) return `.next/${missing} is missing (an unfinished build)`;
  const built = statSync(buildId).mtimeMs;
  const changed = sources.find((source) => newestMtime(join(root, source)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

/** The two-pass floor's own app (`scripts/bench/two-pass`): its sources are all of it. */
export const TWO_PASS_DIR = join('scripts', 'bench', 'two-pass');
const TWO_PASS_SOURCES = ['app', 'middleware.js', 'next.config.mjs'];

/** Builds the product (`root`) or, with `app: 'two-pass'`, the bench's two-pass floor app. */
export function buildIfNeeded(
  root: string,
  log: (line: string) => void,
  app: 'product' | 'two-pass' = 'product',
): void {
  const dir = app === 'product' ? root : join(root, TWO_PASS_DIR);
  const reason = staleBuildReason(dir, app === 'product' ? SOURCES : TWO_PASS_SOURCES);
  if (!reason) {
    log('production build is current (.next/BUILD_ID newer than the sources)');
    return;
  }
  log(`building ${app === 'product' ? 'the app' : 'the two-pass floor'} (${reason}): next build`);
  const result = spawnSync(process.execPath, [join(root, 'node_modules/next/dist/bin/next'), 'build', dir], {
    cwd: root,
    stdio: 'inherit',
    // Vite's module runner, which loads this script, sets NODE_ENV to development; `next build` needs production.
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}
