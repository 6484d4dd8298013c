/** Reading an OAuth endpoint's body: one mapping of its failures to OAuth errors. */
import { readLimitedText } from '../http/readBody';
import { OAuthError, type OAuthErrorCode } from './errors';

/**
 * The body as text, at most `limit` bytes. Too large is a 413 and invalid UTF-8 a 400, both
 * carrying `code` (`invalid_request`, or `invalid_client_metadata` at registration). A client that
 * went away mid-body gets a 400 nobody reads, logged once as `client_aborted`.
 */
export async function readOAuthBody(
  request: Request,
  limit: number,
  code: Extract<OAuthErrorCode, 'invalid_request' | 'invalid_client_metadata'>,
): Promise<string> {
  const body = await readLimitedText(request, limit);
  if (body.ok) return body.value;
  switch (body.reason) {
    case 'too_large':
      throw new OAuthError(code, `The body exceeds ${limit} bytes.`, { status: 413 });
    case 'encoding':
      throw new OAuthError(code, 'The body is not valid UTF-8.');
    case 'aborted':
      throw new OAuthError(code, 'The body ended early: the connection closed.', { reason: 'client_aborted' });
  }
}
