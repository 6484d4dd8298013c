#!/usr/bin/env node
// Vercel readiness, tested rather than assumed: `vercel build` offline (no account, no network
// beyond the registry) against a generated project file, then a check that the build output holds
// the middleware, a function for every route under /mcp, /oauth and /.well-known, and that the
// /mcp function streams its responses.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = process.cwd();
const output = join(root, '.vercel', 'output');
mkdirSync(join(root, '.vercel'), { recursive: true });
writeFileSync(
  join(root, '.vercel', 'project.json'),
  JSON.stringify(
    { projectId: 'prj_offline_build_check', orgId: 'team_offline_build_check', settings: { framework: 'nextjs' } },
    null,
    2,
  ),
);
rmSync(output, { recursive: true, force: true });

const build = spawnSync('npx', ['--no-install', 'vercel', 'build', '--yes'], {
  stdio: 'inherit',
  env: { ...process.env, VERCEL_TELEMETRY_DISABLED: '1', NEXT_TELEMETRY_DISABLED: '1' },
});
if (build.status !== 0) fail(`vercel build exited with ${build.status ?? build.signal}`);

/** Route paths of the app router under the prefixes the product serves. */
function routes(dir = join(root, 'app')) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...routes(path));
    else if (/^(route\.ts|page\.tsx)$/.test(name))
      found.push('/' + relative(join(root, 'app'), dir).split(sep).join('/'));
  }
  return found;
}

const expected = routes().filter((r) => /^\/(mcp|oauth|\.well-known)(\/|$)/.test(r));
const problems = [];
let middlewareRuntime = 'missing';
const config = JSON.parse(readFileSync(join(output, 'config.json'), 'utf8'));
// Edge middleware is `middleware.func` behind middlewarePath `middleware`; Node middleware is
// `_middleware.func` behind `/_middleware` (as vercel build 50 writes them).
const middlewareRoute = config.routes?.find(
  (r) => r.middlewarePath === 'middleware' || r.middlewarePath === '/_middleware',
);
if (!middlewareRoute) problems.push('config.json routes no request through the middleware');
const middlewareConfig = ['middleware.func', '_middleware.func']
  .map((dir) => join(output, 'functions', dir, '.vc-config.json'))
  .find((path) => existsSync(path));
if (!middlewareConfig) problems.push('middleware.func (or _middleware.func) is missing');
else {
  const vc = JSON.parse(readFileSync(middlewareConfig, 'utf8'));
  // The runtime middleware.ts declares: Edge is `edge` in the output, Node a `nodejs…` runtime.
  const declared = /runtime:\s*'(\w+)'/.exec(readFileSync(join(root, 'middleware.ts'), 'utf8'))?.[1] ?? 'edge';
  const ok = declared === 'edge' ? vc.runtime === 'edge' : /^nodejs/.test(String(vc.runtime));
  if (!ok) problems.push(`middleware runtime is ${vc.runtime}, expected ${declared}`);
  middlewareRuntime = String(vc.runtime);
}
if (middlewareRoute && !new RegExp(middlewareRoute.src).test('/mcp'))
  problems.push('the middleware route does not match /mcp');
for (const route of expected) {
  if (!existsSync(join(output, 'functions', `${route.slice(1)}.func`))) problems.push(`no function for ${route}`);
}
// /mcp forwards SSE answers as they arrive (lib/mcp/backends/upstream.ts): its function must
// stream its response, on Node, with the route's maxDuration (app/mcp/route.ts).
const mcpConfig = join(output, 'functions', 'mcp.func', '.vc-config.json');
if (existsSync(mcpConfig)) {
  const vc = JSON.parse(readFileSync(mcpConfig, 'utf8'));
  if (vc.supportsResponseStreaming !== true)
    problems.push(`mcp.func does not stream its response (supportsResponseStreaming: ${vc.supportsResponseStreaming})`);
  if (!String(vc.runtime).startsWith('nodejs')) problems.push(`mcp.func runtime is ${vc.runtime}, expected nodejs`);
  if (vc.maxDuration !== 300)
    problems.push(`mcp.func maxDuration is ${vc.maxDuration}, expected 300 (app/mcp/route.ts)`);
}
if (problems.length > 0) fail(problems.join('\n'));
console.log(
  `vercel build output OK: middleware (${middlewareRuntime}), /mcp streaming (maxDuration 300) and ${expected.length} functions: ${expected.join(', ')}`,
);

function fail(message) {
  console.error(`Vercel check failed:\n${message}`);
  process.exit(1);
}
