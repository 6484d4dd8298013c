#!/usr/bin/env node
// `npm test`: lint, format check and layer rules; then build the production app once and run every
// suite against it: unit and integration (Vitest), end to end (Playwright with Debian's Chromium),
// the log audit, and the offline `vercel build` check. Stops at the first failing step.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const steps = [
  // Cheap checks first: a lint, format or layering failure stops the run in seconds.
  ['eslint', ['.', '--max-warnings', '0']],
  ['prettier', ['--check', '.']],
  ['depcruise', ['lib', 'app', 'tools', 'middleware.ts', 'kit', '--config', '.dependency-cruiser.cjs']],
  ['next', ['build']],
  ['vitest', ['run', '--project', 'unit', '--project', 'integration']],
  ['playwright', ['test']],
  ['vitest', ['run', '--project', 'audit']],
  ['node', ['scripts/vercel-check.mjs']],
];

const missing = [];
if (spawnSync('redis-server', ['--version']).status !== 0) missing.push('redis-server');
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
if (missing.length > 0) {
  console.error(`npm test needs ${missing.join(' and ')}: apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}

rmSync('test-results/server-output.log', { force: true });
for (const [bin, args] of steps) {
  console.log(`\n> ${bin} ${args.join(' ')}`);
  const command = bin === 'node' ? [process.execPath, args] : ['npx', ['--no-install', bin, ...args]];
  const result = spawnSync(command[0], command[1], {
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) {
    console.error(`\n${bin} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}
