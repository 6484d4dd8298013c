#!/usr/bin/env node
// Runs a TypeScript bench module (its exported `main(argv)`) through Vite's module runner, so the
// bench reuses lib/ and kit/ as they are, with the `@/` alias, and needs no build step.
import { runnerImport } from 'vite';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [entry = 'scripts/bench/main.ts', ...argv] = process.argv.slice(2);
const { module } = await runnerImport(resolve(root, entry), {
  configFile: false,
  root,
  resolve: { alias: { '@': root } },
  logLevel: 'warn',
});
await module.main(argv);
