/**
 * The SDK's answers to the messages whose answer cannot vary, learned from the SDK once per
 * process and replayed with the caller's request id.
 *
 * A `ping` or an argument-free `tools/list` costs the SDK a server, a transport, zod parsing and an
 * abort controller per request (docs/performance.md); their result is the same for every caller,
 * because the tools backend registers the same tools for every identity. Nothing here composes an
 * answer: the first request of each kind goes through the SDK, and only a plain 200 JSON result
 * whose bytes this module reproduces exactly is kept. Anything that could change the SDK's answer
 * (another method, parameters, a progress token, a batch, an extra member, the era headers) keeps
 * the request on the SDK's path.
 */
import { isJsonContentType } from '@modelcontextprotocol/server';

/** Methods whose result depends on nothing in the request but the method itself. */
const CONSTANT_METHODS: ReadonlySet<string> = new Set(['ping', 'tools/list']);

/** The only members such a message may have; any other makes the SDK's answer unknown here. */
const MESSAGE_MEMBERS: ReadonlySet<string> = new Set(['jsonrpc', 'id', 'method', 'params']);

/** The JSON-RPC ids replayed: strings and safe integers (any other id takes the SDK's path). */
type ReplayableId = string | number;

/** What identifies one learned answer, and the id to answer with. */
export type ConstantQuestion = { readonly key: string; readonly id: ReplayableId };

/** A learned 200 answer. */
type LearnedAnswer = {
  readonly headers: readonly (readonly [string, string])[];
  /** The body's bytes before and after the serialised id. */
  readonly before: string;
  readonly after: string;
};

/** Largest number of learned answers: constant methods times the protocol versions the SDK accepts. */
const MAX_ANSWERS = 64;

const ID_MARK = '\u0000constant-answer-id\u0000';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The question a POST asks when its answer is one of the constant ones, else `null`. `accept` is
 * the `Accept` the SDK will see; the SDK refuses a request that does not accept both media types,
 * and such a request is left to it.
 */
export function constantQuestion(headers: Headers, accept: string | null, message: unknown): ConstantQuestion | null {
  if (!isPlainObject(message)) return null;
  if (message.jsonrpc !== '2.0' || typeof message.method !== 'string' || !CONSTANT_METHODS.has(message.method)) return null;
  for (const member of Object.keys(message)) if (!MESSAGE_MEMBERS.has(member)) return null;
  const id = message.id;
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) return null;
  if ('params' in message && !(isPlainObject(message.params) && Object.keys(message.params).length === 0)) return null;
  if (accept === null || !accept.includes('application/json') || !accept.includes('text/event-stream')) return null;
  if (!isJsonContentType(headers.get('content-type'))) return null;
  // The SDK routes by era on these headers; a message naming itself in them is left to it.
  if (headers.has('mcp-method') || headers.has('mcp-name')) return null;
  const version = headers.get('mcp-protocol-version');
  // Unsupported versions are refused by the SDK and never learned, so at most a few keys exist.
  return { key: `${message.method} ${version ?? ''}`, id };
}

export type ConstantAnswers = {
  /** The learned answer to `question`, or `null` when the SDK has not given it yet. */
  replay(question: ConstantQuestion): Response | null;
  /**
   * Keeps the SDK's `response` to `question` when it is a plain JSON result this module
   * reproduces byte for byte. Returns a response with the same status, headers and body.
   */
  learn(question: ConstantQuestion, response: Response): Promise<Response>;
};

export function createConstantAnswers(): ConstantAnswers {
  const learned = new Map<string, LearnedAnswer>();

  /** Keeps a 200 JSON answer's `text` when re-serialising reproduces it with any id. */
  function keep(question: ConstantQuestion, headers: Headers, text: string): void {
    if (learned.size >= MAX_ANSWERS) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (!isPlainObject(parsed) || !('result' in parsed) || 'error' in parsed || parsed.id !== question.id) return;
    // Kept only when re-serialising with the same id gives the SDK's exact bytes.
    if (JSON.stringify({ ...parsed, id: question.id }) !== text) return;
    const template = JSON.stringify({ ...parsed, id: ID_MARK });
    const mark = JSON.stringify(ID_MARK);
    const at = template.indexOf(mark);
    if (at < 0 || template.indexOf(mark, at + 1) >= 0) return;
    learned.set(question.key, {
      // The length differs with the id; the runtime sets it for each replayed body.
      headers: [...headers].filter(([name]) => name !== 'content-length'),
      before: template.slice(0, at),
      after: template.slice(at + mark.length),
    });
  }

  return {
    replay(question) {
      const answer = learned.get(question.key);
      if (!answer) return null;
      const body = answer.before + JSON.stringify(question.id) + answer.after;
      return new Response(body, { status: 200, headers: answer.headers as [string, string][] });
    },
    async learn(question, response) {
      if (response.status !== 200 || response.body === null || !response.headers.get('content-type')?.startsWith('application/json')) return response;
      const text = await response.text();
      keep(question, response.headers, text);
      return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
}
