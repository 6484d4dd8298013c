/** Reading request bodies within a limit (lib/http/readBody.ts), every failure a value. */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { drainWithinLimit, readLimitedText } from '@/lib/http/readBody';

const post = (body: BodyInit, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  new Request('https://mcp.example.com/mcp', { method: 'POST', body, headers, signal, duplex: 'half' } as RequestInit);

describe('readLimitedText and drainWithinLimit', () => {
  it('read a body within the limit, and refuse one past it by its length or as counted', async () => {
    expect(await readLimitedText(post('héllo'), 100)).toEqual({ ok: true, value: 'héllo' });
    expect(await readLimitedText(post('x'.repeat(10), { 'Content-Length': '10' }), 5)).toEqual({
      ok: false,
      reason: 'too_large',
    });
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(3));
        controller.close();
      },
    });
    expect(await drainWithinLimit(post(chunked), 10)).toEqual({ ok: false, reason: 'too_large' });
    expect(await readLimitedText(post(new Uint8Array([0xff, 0xfe])), 10)).toEqual({ ok: false, reason: 'encoding' });
  });

  it('answer aborted when the client goes away mid-body, even if the stream never errors', async () => {
    const controller = new AbortController();
    const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new Uint8Array(5)) });
    const reading = drainWithinLimit(post(stalled, {}, controller.signal), 100);
    controller.abort();
    expect(await reading).toEqual({ ok: false, reason: 'aborted' });
  });

  // A listener left on the request's signal kept every request alive under load (a bench found
  // the server's heap growing with requests served): none may remain once the read is done.
  it('leave no listener on the request signal once the read is done', async () => {
    const controller = new AbortController();
    const request = post('{"jsonrpc":"2.0"}', {}, controller.signal);
    expect(await readLimitedText(request, 100)).toMatchObject({ ok: true });
    expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
    const drained = post('x'.repeat(50), {}, controller.signal);
    expect(await drainWithinLimit(drained, 10)).toMatchObject({ ok: false });
    expect(getEventListeners(drained.signal, 'abort')).toHaveLength(0);
  });
});
