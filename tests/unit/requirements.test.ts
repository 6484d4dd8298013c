import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirements } from '../spec/requirements';

const TESTS = join(import.meta.dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return /\.(test|spec)\.tsx?$/.test(name) ? [path] : [];
  });
}

const cited = new Set(
  testFiles(TESTS).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/@req ([A-Z0-9-]+)/g)].map((m) => m[1]!)),
);

describe('the requirements registry', () => {
  it('has every requirement cited by at least one test', () => {
    expect(Object.keys(requirements).filter((id) => !cited.has(id))).toEqual([]);
  });

  it('lists every requirement a test cites', () => {
    expect([...cited].filter((id) => !(id in requirements))).toEqual([]);
  });
});
