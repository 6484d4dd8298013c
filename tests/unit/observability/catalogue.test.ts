import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENTS, REASONS } from '@/lib/observability/catalogue';

const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'observability.md'), 'utf8');

describe('the event catalogue', () => {
  // @req OBS-SCHEMA
  it('is documented in docs/observability.md event by event and reason by reason', () => {
    for (const [name, event] of Object.entries(EVENTS)) {
      expect(DOC).toContain(
        `| \`${name}\` | ${event.description} | ${event.reasons.map((r) => `\`${r}\``).join(', ')} |`,
      );
    }
    for (const [name, reason] of Object.entries(REASONS))
      expect(DOC).toContain(`| \`${name}\` | ${reason.outcome} | ${reason.description} |`);
  });

  it('gives every reason to at least one event', () => {
    const used = new Set(Object.values(EVENTS).flatMap((e) => e.reasons as readonly string[]));
    expect(Object.keys(REASONS).filter((r) => !used.has(r))).toEqual([]);
  });
});
