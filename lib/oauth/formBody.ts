/** Reading an OAuth endpoint's body: one mapping of size and encoding failures to OAuth errors. */
import { BodyEncodingError, BodyTooLargeError, readLimitedText } from '../http/readBody';
import { OAuthError, type OAuthErrorCode } from './errors';

/**
 * The body as text, at most `limit` bytes. Too large is a 413 and invalid UTF-8 a 400, both
 * carrying `code` (`invalid_request`, or `invalid_client_metadata` at registration).
 */
export async function readOAuthBody(request: Request, limit: number, code: Extract<OAuthErrorCode, 'invalid_request' | 'invalid_client_metadata'>): Promise<string> {
  try {
    return await readLimitedText(request, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new OAuthError(code, `The body exceeds ${limit} bytes.`, { status: 413 });
    if (error instanceof BodyEncodingError) throw new OAuthError(code, 'The body is not valid UTF-8.');
    throw new OAuthError(code, 'The body could not be read.');
  }
}
