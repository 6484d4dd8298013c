/**
 * The two streams of a forwarded request: the request body counted on its way up (an unsized body
 * cannot pass `MCP_BODY_LIMIT`), and the upstream's answer relayed chunk by chunk on its way back.
 */
import { MCP_BODY_LIMIT } from '../../transport';

class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/** Counts a streamed request body and fails it past `MCP_BODY_LIMIT`, so nothing buffers it. */
export function limitedBody(body: ReadableStream<Uint8Array>, onTooLarge: () => void): ReadableStream<Uint8Array> {
  let total = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > MCP_BODY_LIMIT) {
          onTooLarge();
          controller.error(new BodyTooLarge());
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * The upstream's body, chunk by chunk as it arrives (no buffering: `highWaterMark` 0 reads only
 * when the client's side asks). A read that fails (the upstream dropped the connection) closes the
 * client's stream cleanly instead of tearing it down; a client that goes away cancels the upstream
 * read, which aborts the upstream request.
 */
export function relay(
  body: ReadableStream<Uint8Array>,
  eventStream: boolean,
  onDropped: () => void,
  onEnd: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // Next sends the status and headers with the first chunk; an SSE stream (a session's GET)
        // may stay quiet for minutes, so an empty chunk sends them now. Node writes no bytes for
        // it, so the stream stays exactly the upstream's.
        if (eventStream) controller.enqueue(new Uint8Array(0));
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            end();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch {
          if (!ended) onDropped();
          end();
          controller.close();
        }
      },
      async cancel(reason) {
        end();
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
