/**
 * The consent page: names the client, shows where the user will be sent, and asks for the API key.
 * It validates the request again itself (anyone can open this URL) and never redirects: errors are
 * shown here. Headers (no-store, no framing, no referrer) come from next.config.ts.
 */
import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { AuthorizationError, validateAuthorizationRequest } from '@/lib/oauth/authorize';
import { CONSENT_SUBMIT_PATH, issueConsentToken } from '@/lib/oauth/consentRequest';
import { accessChoices, WRONG_KEY_MESSAGE } from '@/lib/oauth/consent';
import { accessOf } from '@/lib/tokens/access';
import { consentView } from '@/lib/oauth/consentView';
import { inPageContext } from '@/lib/observability/context';
import { getServices } from '@/lib/services';
import { ConsentForm } from './ConsentForm';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Authorize access', robots: { index: false } };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function toParams(record: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(record)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) params.append(name, v);
  }
  return params;
}

const SCOPE_TEXT: Record<string, string> = {
  mcp: 'Use the tools of this MCP server as you: the ones you choose below.',
  offline_access: 'Stay connected: renew its access without asking you again, until you remove the key.',
};

export default async function ConsentPage({ searchParams }: { searchParams: SearchParams }) {
  // Its events (a refused request, a client document that failed) carry the response's request id.
  return inPageContext(await headers(), () => renderConsent(searchParams));
}

async function renderConsent(searchParams: SearchParams) {
  const services = await getServices();
  const params = toParams(await searchParams);
  let request;
  try {
    request = await validateAuthorizationRequest(params, services);
  } catch (error) {
    if (!(error instanceof AuthorizationError)) throw error;
    return (
      <main>
        <h1>This authorization request cannot be completed</h1>
        <p role="alert">{error.error.description}</p>
      </main>
    );
  }
  const consentToken = await issueConsentToken(request, services);
  const view = consentView(request);
  // Chromium applies form-action to the redirect that follows the form POST: allow the callback.
  const formAction = `form-action 'self' ${view.formActionSource}`;
  return (
    <main>
      <meta httpEquiv="Content-Security-Policy" content={formAction} />
      <h1>Authorize access</h1>
      <p>
        <strong data-testid="client-name">{view.clientName}</strong> asks to use this MCP server with your API key.
      </p>
      <p data-testid="client-known">
        {view.known
          ? 'This is a known client: its name comes from this server, not from the application.'
          : 'This application is not one this server knows: its name is what it says about itself.'}
        {view.clientIdHost !== null ? (
          <>
            {' '}
            It is identified by its address on <strong data-testid="client-id-host">{view.clientIdHost}</strong>.
          </>
        ) : null}
      </p>
      <p>
        After you authorize, you will be sent back to <strong data-testid="redirect-host">{view.redirectHost}</strong>.
      </p>
      {view.localhostOnly ? (
        <p role="note" data-testid="localhost-warning">
          <strong>Warning:</strong> the authorization goes to a program on this computer ({view.redirectHost}), not to a
          website. Continue only if you just started this connection from an application on this computer: any program
          running here could receive it.
        </p>
      ) : null}
      <p>It will be able to:</p>
      <ul>
        <li>{SCOPE_TEXT.mcp}</li>
        {request.client.grantTypes.includes('refresh_token') ? <li>{SCOPE_TEXT.offline_access}</li> : null}
      </ul>
      <p>The application never sees your key: it receives short-lived tokens tied to it.</p>
      <ConsentForm
        access={accessChoices(accessOf(request.scopes) ?? 'read', services.config)}
        action={CONSENT_SUBMIT_PATH}
        request={consentToken}
        initialError={params.get('consent_error') === 'invalid_key' ? WRONG_KEY_MESSAGE : null}
      />
    </main>
  );
}
