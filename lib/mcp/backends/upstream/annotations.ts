/**
 * What the upstream says of its own tools, learned for read-only connections: its `tools/list`,
 * asked with the user's own key (tool sets may differ per key), remembered per key for a minute.
 * Only `readOnlyHint` is kept. An upstream that cannot list (down, a stateful server wanting a
 * session first) teaches nothing, and an unannotated tool stays refused: the safe default.
 */
import type { UpstreamSettings } from '../../../config';
import { sha256Hex } from '../../../crypto/sha256';
import { ExpiringMap, singleFlight } from '../../../keys/answerCache';
import { OWN_PROTOCOL_VERSION } from '../../../protocol';

const LEARNED_MS = 60_000;
/** After a failed listing, ask again soon rather than in a minute. */
const FAILED_MS = 5_000;
const MAX_PAGES = 10;
const LIST_TIMEOUT_MS = 10_000;

type Hints = ReadonlyMap<string, boolean | undefined>;

/** The JSON-RPC messages of an answer, JSON or SSE. */
function messagesOf(text: string, contentType: string): unknown[] {
  try {
    if (!contentType.startsWith('text/event-stream')) return [JSON.parse(text) as unknown];
    return text
      .split(/\r?\n\r?\n/)
      .map((block) =>
        block
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n'),
      )
      .filter((data) => data.length > 0)
      .map((data) => JSON.parse(data) as unknown);
  } catch {
    return [];
  }
}

type ListResult = { tools?: { name?: unknown; annotations?: { readOnlyHint?: unknown } }[]; nextCursor?: unknown };

export function createAnnotationLearner(settings: UpstreamSettings, fetchFn: typeof fetch = fetch) {
  const learned = new ExpiringMap<Hints>(Date.now);
  const once = singleFlight<Hints>();
  const keyHeader = (key: string) => (settings.apiKeyHeader === 'authorization' ? `Bearer ${key}` : key);

  async function page(key: string, cursor: string | undefined): Promise<ListResult | null> {
    try {
      const res = await fetchFn(settings.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'Mcp-Protocol-Version': OWN_PROTOCOL_VERSION,
          [settings.apiKeyHeader]: keyHeader(key),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/list',
          ...(cursor ? { params: { cursor } } : {}),
        }),
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.min(settings.timeoutMs, LIST_TIMEOUT_MS)),
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        return null;
      }
      const messages = messagesOf(await res.text(), res.headers.get('content-type') ?? '');
      const answer = messages.find((m) => typeof m === 'object' && m !== null && 'result' in m) as
        { result?: ListResult } | undefined;
      return answer?.result ?? null;
    } catch {
      return null;
    }
  }

  async function learn(key: string, id: string): Promise<Hints> {
    const hints = new Map<string, boolean | undefined>();
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const result = await page(key, cursor);
      if (result === null) {
        learned.set(id, hints, FAILED_MS);
        return hints;
      }
      for (const tool of result.tools ?? []) {
        if (typeof tool?.name !== 'string') continue;
        hints.set(tool.name, tool.annotations?.readOnlyHint === true ? true : undefined);
      }
      if (typeof result.nextCursor !== 'string' || result.nextCursor === '') break;
      cursor = result.nextCursor;
    }
    learned.set(id, hints, LEARNED_MS);
    return hints;
  }

  /** The upstream's `readOnlyHint` for `name` as listed for `key` (`undefined`: not said, or not listed). */
  return async function readOnlyHintOf(key: string, name: string): Promise<boolean | undefined> {
    const id = await sha256Hex(key);
    const hints = learned.get(id) ?? (await once(id, () => learn(key, id)));
    return hints.get(name);
  };
}
