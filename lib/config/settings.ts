/**
 * The pieces every domain's settings are built from: the one error type, and one zod parser per
 * kind of value (integers, flags, comma-separated lists, URLs). A setting's message is one line
 * naming it; `npm test` pins each one (tests/unit/config.test.ts).
 */
import { z } from 'zod';

/** A configuration the server must not run with. The message is one line naming the setting. */
export class ConfigError extends TypeError {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

/** An unset or blank value, trimmed otherwise: how every setting reads its raw string. */
export function trimmed(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  return value ? value : undefined;
}

/** An integer setting from `min` to `max`, `fallback` when unset or blank. */
export function integerSetting(name: string, fallback: number, max = 1_000_000, min = 1) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });
}

/** A `1`/`true`/`0`/`false` setting (any case); `undefined` when unset, so the caller picks the default. */
export function flagSetting(name: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = trimmed(raw)?.toLowerCase();
      if (value === undefined) return undefined;
      if (value === '1' || value === 'true') return true;
      if (value === '0' || value === 'false') return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be 1, true, 0 or false` });
      return z.NEVER;
    });
}

/** A comma-separated list: entries trimmed, blanks dropped, duplicates kept (callers decide). */
export function listSetting() {
  return z
    .string()
    .optional()
    .transform((raw) =>
      (raw ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
    );
}

/** `raw` as an absolute URL, or `null`. */
export function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** The parsed value, or a `ConfigError` with the first issue's message. */
export function parseOrRefuse<T>(schema: z.ZodType<T>, value: unknown, fallbackMessage: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(result.error.issues[0]?.message ?? fallbackMessage);
  return result.data;
}
