/** Reading an SSE answer event by event, with the time each event arrived. */

export type TimedEvent = { readonly at: number; readonly data: Record<string, unknown> };

/**
 * The `data:` payloads of `response`'s SSE stream, each stamped with its arrival time
 * (`performance.now()`), until the stream ends or `stop` says so.
 */
export async function readEvents(
  response: Response,
  stop: (event: TimedEvent) => boolean = () => false,
): Promise<TimedEvent[]> {
  const events: TimedEvent[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return events;
    buffered += value;
    let boundary: number;
    while ((boundary = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === '') continue;
      const event = { at: performance.now(), data: JSON.parse(data) as Record<string, unknown> };
      events.push(event);
      if (stop(event)) {
        await reader.cancel();
        return events;
      }
    }
  }
}
