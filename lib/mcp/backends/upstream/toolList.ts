/**
 * The upstream's `tools/list` answer as a read-only connection sees it: only the tools it may call,
 * so the model does not try the others. The answer is rewritten whether it comes as one JSON body
 * or as an SSE stream (event by event: notifications before the result pass unchanged).
 */
const encoder = new TextEncoder();

/** Whether a listed tool stays: by its name and the `readOnlyHint` the upstream gave it. */
export type KeepTool = (name: string, readOnlyHint: boolean | undefined) => boolean;

/** `message` with `result.tools` narrowed to the tools `keep` accepts; anything else unchanged. */
export function narrowToolList(message: unknown, keep: KeepTool): unknown {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return message;
  const result = (message as { result?: unknown }).result;
  if (typeof result !== 'object' || result === null) return message;
  const tools = (result as { tools?: unknown }).tools;
  if (!Array.isArray(tools)) return message;
  const kept = tools.filter((tool) => {
    if (typeof tool !== 'object' || tool === null) return false;
    const { name, annotations } = tool as { name?: unknown; annotations?: { readOnlyHint?: unknown } };
    return typeof name === 'string' && keep(name, annotations?.readOnlyHint === true ? true : undefined);
  });
  return { ...message, result: { ...result, tools: kept } };
}

function narrowJson(text: string, keep: KeepTool): string {
  try {
    return JSON.stringify(narrowToolList(JSON.parse(text) as unknown, keep));
  } catch {
    // Not JSON: the client gets what the upstream sent, and its own parser refuses it.
    return text;
  }
}

/** One SSE event block (RFC: lines up to a blank line) with its `data` rewritten when it is a tool list. */
function narrowEvent(block: string, keep: KeepTool): string {
  const lines = block.split(/\r?\n/);
  const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, ''));
  if (data.length === 0) return block;
  const rewritten = narrowJson(data.join('\n'), keep);
  const others = lines.filter((line) => !line.startsWith('data:'));
  return [...others, `data: ${rewritten}`].join('\n');
}

/** `body` with every tool list in it narrowed; `eventStream` says how it is framed. */
export function narrowToolListStream(
  body: ReadableStream<Uint8Array>,
  eventStream: boolean,
  keep: KeepTool,
): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let buffered = '';
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        buffered += decoder.decode(chunk, { stream: true });
        if (!eventStream) return;
        // Whole events only: a block ends at a blank line.
        for (let end = buffered.search(/\r?\n\r?\n/); end !== -1; end = buffered.search(/\r?\n\r?\n/)) {
          const separator = /\r?\n\r?\n/.exec(buffered.slice(end))![0];
          controller.enqueue(encoder.encode(`${narrowEvent(buffered.slice(0, end), keep)}\n\n`));
          buffered = buffered.slice(end + separator.length);
        }
      },
      flush(controller) {
        buffered += decoder.decode();
        if (buffered.length === 0) return;
        controller.enqueue(encoder.encode(eventStream ? narrowEvent(buffered, keep) : narrowJson(buffered, keep)));
      },
    }),
  );
}
