/**
 * Runs after every other suite (npm test orders it last): the output of every server instance the
 * integration and end-to-end suites started must hold no key, secret, token, code or client secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KEY_A, KEY_B, SERVER_LOG, TEST_SECRET } from '../support/app';
import { findLeaks } from '../support/logAudit';

describe('server output of the whole test run', () => {
  // @req ADV-LOG-AUDIT
  it('holds no API key, secret, token, code or client secret', () => {
    expect(existsSync(SERVER_LOG)).toBe(true);
    const output = readFileSync(SERVER_LOG, 'utf8');
    // The audit means something only if the suites' servers really logged here.
    expect(output.match(/Ready in/g)?.length ?? 0).toBeGreaterThan(5);
    expect(output).toContain('[token] invalid_client');
    expect(findLeaks(output, { KEY_A, KEY_B, AUTH_SECRET: TEST_SECRET, REDIS_BRIDGE_TOKEN: 'test-bridge-token-0123456789abcdef' })).toEqual([]);
  });
});
