/**
 * The log line format, read from the environment without throwing: writing a log line must never
 * fail. `lib/config/index.ts` refuses a `LOG_FORMAT` that names no format at start, with the same rules.
 */
export type LogFormat = 'json' | 'pretty';

type FormatEnv = { readonly NODE_ENV?: string; readonly LOG_FORMAT?: string };

/** `LOG_FORMAT` as written (any case, trimmed), `undefined` when unset, `null` when it names no format. */
export function parseLogFormat(raw: string | undefined): LogFormat | null | undefined {
  const value = raw?.trim().toLowerCase();
  if (!value) return undefined;
  return value === 'json' || value === 'pretty' ? value : null;
}

/** JSON lines in production (what log drains read), one readable line per event otherwise. */
export function logFormatOf(env: FormatEnv): LogFormat {
  return parseLogFormat(env.LOG_FORMAT) ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty');
}
