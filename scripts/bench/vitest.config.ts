import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Micro-benchmarks only (`vitest bench`); never part of `npm test`. */
export default defineConfig({
  root,
  resolve: { alias: { '@': root } },
  test: {
    include: [],
    environment: 'node',
    hookTimeout: 60_000,
    benchmark: { include: ['scripts/bench/micro/**/*.bench.ts'] },
  },
});
