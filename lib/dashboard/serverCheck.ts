/**
 * The deployment check's server-side steps (`POST /api/check/…`): the ones a browser cannot run,
 * because they reach what only the server reaches (the key source, a client's metadata document
 * through the SSRF-guarded fetcher). Each request makes the server call out, so each counts
 * against the per-address registration limit, like the registration the check also makes.
 */
import { clientIp, UNKNOWN_CLIENT_IP } from '../http/clientIp';
import { errorJsonResponse } from '../http/errors';
import { jsonResponse } from '../http/json';
import { readLimitedText } from '../http/readBody';
import { OUTAGE_RETRY_AFTER_SECONDS, rateLimitHeaders } from '../limits/headers';
import type { z } from 'zod';
import type { Services } from '../services';

export type CheckVerdict = { readonly ok: boolean; readonly detail: string; readonly fix?: string };

/**
 * A step: the schema of its JSON body (an empty body reads as `{}`; an issue's message becomes the
 * 400's description) and the check itself.
 */
export type ServerCheckStep<I> = { readonly input: z.ZodType<I>; readonly run: (input: I) => Promise<CheckVerdict> };

const MAX_BODY_BYTES = 2048;

function badRequest(description: string): Response {
  return errorJsonResponse(400, { error: 'invalid_request', error_description: description });
}

export async function answerServerCheck<I>(
  request: Request,
  services: Services,
  step: ServerCheckStep<I>,
): Promise<Response> {
  const decision = await services.limiter.count('register', clientIp(request, services.config) ?? UNKNOWN_CLIENT_IP);
  if (decision.outcome === 'unavailable') {
    return errorJsonResponse(
      503,
      { error: 'temporarily_unavailable', error_description: 'The rate-limit store is unreachable; retry shortly.' },
      { headers: { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) } },
    );
  }
  const limitHeaders = rateLimitHeaders(decision);
  if (decision.outcome === 'limited') {
    return errorJsonResponse(
      429,
      { error: 'too_many_requests', error_description: `Too many checks; retry in ${decision.retryAfterSeconds} s.` },
      { headers: limitHeaders },
    );
  }
  const text = await readLimitedText(request, MAX_BODY_BYTES);
  if (!text.ok) return badRequest(`The body must be JSON of at most ${MAX_BODY_BYTES} bytes.`);
  let body: unknown = {};
  if (text.value.trim() !== '') {
    try {
      body = JSON.parse(text.value);
    } catch {
      return badRequest('The body is not valid JSON.');
    }
  }
  const input = step.input.safeParse(body);
  if (!input.success) return badRequest(input.error.issues[0]?.message ?? 'The body does not fit this check.');
  return jsonResponse(await step.run(input.data), 200, limitHeaders);
}
