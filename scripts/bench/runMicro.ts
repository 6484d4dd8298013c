/** Runs the micro-benchmarks (`vitest bench`, scripts/bench/micro/*.bench.ts) and reads their medians. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type MicroResult = {
  group: string;
  name: string;
  /** Per call, in microseconds; a batched benchmark (`xN` in its name) is divided by N. */
  medianMicros: number;
  p99Micros: number;
  meanMicros: number;
  samples: number;
  batch: number;
};

type VitestBenchJson = {
  files: Array<{
    groups: Array<{
      fullName: string;
      benchmarks: Array<{ name: string; median: number; p99: number; mean: number; sampleCount: number }>;
    }>;
  }>;
};

export function runMicro(root: string, outputJson: string, log: (line: string) => void): MicroResult[] {
  log('micro-benchmarks: vitest bench scripts/bench/micro/*.bench.ts');
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/vitest/vitest.mjs'),
      'bench',
      '--run',
      '--config',
      'scripts/bench/vitest.config.ts',
      '--outputJson',
      outputJson,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NO_COLOR: '1' } },
  );
  if (result.status !== 0) throw new Error(`vitest bench failed (exit ${result.status ?? result.signal})`);
  const json = JSON.parse(readFileSync(outputJson, 'utf8')) as VitestBenchJson;
  const rows: MicroResult[] = [];
  for (const file of json.files) {
    for (const group of file.groups) {
      for (const b of group.benchmarks) {
        const batch = Number(/\bx(\d+)\b/.exec(b.name)?.[1] ?? 1);
        // vitest reports milliseconds per sample
        rows.push({
          group: group.fullName.split(' > ').slice(1).join(' > '),
          name: b.name,
          medianMicros: (b.median * 1000) / batch,
          p99Micros: (b.p99 * 1000) / batch,
          meanMicros: (b.mean * 1000) / batch,
          samples: b.sampleCount,
          batch,
        });
      }
    }
  }
  return rows;
}
