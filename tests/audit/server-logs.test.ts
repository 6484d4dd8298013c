/**
 * Runs after every other suite (npm test orders it last): the output of every server instance the
 * integration and end-to-end suites started must hold no key, secret, token, code or client secret,
 * neither in the text as written nor in any decoded string of the JSON event lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENTS, REASONS } from '@/lib/observability/catalogue';
import { KEY_A, KEY_B, SERVER_LOG, TEST_SECRET } from '@/kit/app';
import { eventsIn } from '../support/events';
import { findLeaks } from '../support/logAudit';

/** Every key an event line may have (lib/observability/log.ts `AuthEvent`). */
const EVENT_KEYS = new Set([
  'time',
  'level',
  'event',
  'outcome',
  'reason',
  'grant',
  'client_kind',
  'client_name',
  'redirect_host',
  'fingerprint',
  'mcp_method',
  'tool',
  'request_id',
  'duration_ms',
  'runtime',
  'error',
]);

describe('server output of the whole test run', () => {
  // @req ADV-LOG-AUDIT
  it('holds no API key, secret, token, code or client secret', () => {
    expect(existsSync(SERVER_LOG)).toBe(true);
    const output = readFileSync(SERVER_LOG, 'utf8');
    // The audit means something only if the suites' servers really logged here, in JSON.
    expect(output.match(/Ready in/g)?.length ?? 0).toBeGreaterThan(5);
    const events = eventsIn(output);
    expect(events.some((e) => e.event === 'token' && e.reason === 'api_key_invalid')).toBe(true);
    expect(
      events.some((e) => e.event === 'token' && e.reason === 'issued' && /^[0-9a-f]{16}$/.test(e.fingerprint ?? '')),
    ).toBe(true);
    expect(
      findLeaks(output, {
        KEY_A,
        KEY_B,
        AUTH_SECRET: TEST_SECRET,
        REDIS_BRIDGE_TOKEN: 'test-bridge-token-0123456789abcdef',
      }),
    ).toEqual([]);
  });

  // @req OBS-SCHEMA
  it('has every event line in the one schema, with a listed event and one of its reasons', () => {
    const events = eventsIn(readFileSync(SERVER_LOG, 'utf8'));
    expect(events.length).toBeGreaterThan(50);
    const offSchema = events.filter(
      (e) =>
        Object.keys(e).some((k) => !EVENT_KEYS.has(k)) ||
        !(e.event in EVENTS) ||
        !(EVENTS[e.event].reasons as readonly string[]).includes(e.reason) ||
        REASONS[e.reason].outcome !== e.outcome ||
        (e.fingerprint !== undefined && !/^[0-9a-f]{16}$/.test(e.fingerprint)) ||
        // Only a read-only refusal names the method and tool.
        ((e.mcp_method !== undefined || e.tool !== undefined) && e.reason !== 'insufficient_scope'),
    );
    expect(offSchema).toEqual([]);
  });
});
