'use client';
/**
 * The consent form. Without JavaScript it is a plain form POST answered with a 303. With
 * JavaScript, `fetch()` posts the same fields plus `via=fetch` (no custom headers, so no preflight)
 * and the page navigates to the location it is given, or shows the error with a fresh request token.
 */
import { useRef, useState, type FormEvent } from 'react';

type Access = 'read' | 'full';

/** What each choice means, in the words the page shows. */
const ACCESS_TEXT: Record<Access, { label: string; meaning: string }> = {
  read: {
    label: 'Read-only',
    meaning: 'It can look things up and read, using only tools marked as changing nothing. It cannot change anything.',
  },
  full: {
    label: 'Full access',
    meaning: 'It can use every tool, including ones that create, change or delete things on your behalf.',
  },
};

type Reply = { location?: string; error?: string; request?: string };

export function ConsentForm({
  access,
  action,
  request,
  initialError,
}: {
  access: { readonly offered: readonly Access[]; readonly preselected: Access };
  action: string;
  request: string;
  initialError: string | null;
}) {
  const [token, setToken] = useState(request);
  const [error, setError] = useState<string | null>(initialError);
  const [busy, setBusy] = useState(false);
  const keyInput = useRef<HTMLInputElement>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const fields = new URLSearchParams();
    for (const [name, value] of new FormData(event.currentTarget, submitter))
      if (typeof value === 'string') fields.append(name, value);
    fields.set('via', 'fetch');
    setBusy(true);
    try {
      const response = await fetch(action, { method: 'POST', body: fields, credentials: 'omit', cache: 'no-store' });
      const reply = (await response.json()) as Reply;
      if (reply.location) {
        window.location.assign(reply.location);
        return;
      }
      if (reply.request) setToken(reply.request);
      setError(reply.error ?? 'Authorization failed. Try again.');
      if (keyInput.current) {
        keyInput.current.value = '';
        keyInput.current.focus();
      }
    } catch {
      setError('Could not reach the server. Check your connection and try again.');
    }
    setBusy(false);
  }

  return (
    <form method="post" action={action} onSubmit={(event) => void onSubmit(event)}>
      <input type="hidden" name="request" value={token} />
      {error ? (
        <p role="alert" style={{ color: 'crimson' }}>
          {error}
        </p>
      ) : null}
      {access.offered.length > 1 ? (
        <fieldset>
          <legend>What may it do?</legend>
          {access.offered.map((choice) => (
            <p key={choice}>
              <label>
                <input
                  type="radio"
                  name="access"
                  value={choice}
                  defaultChecked={choice === access.preselected}
                  data-testid={`access-${choice}`}
                />{' '}
                <strong>{ACCESS_TEXT[choice].label}</strong>: {ACCESS_TEXT[choice].meaning}
              </label>
            </p>
          ))}
        </fieldset>
      ) : (
        <p data-testid="access-read-only">
          <input type="hidden" name="access" value="read" />
          <strong>{ACCESS_TEXT.read.label}</strong>: {ACCESS_TEXT.read.meaning}
        </p>
      )}
      <p>
        <label htmlFor="api_key">API key</label>
        <br />
        <input
          ref={keyInput}
          id="api_key"
          name="api_key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          size={40}
          aria-invalid={error ? true : undefined}
        />
      </p>
      <p>
        <button type="submit" name="action" value="authorize" disabled={busy}>
          Authorize
        </button>{' '}
        <button type="submit" name="action" value="cancel" formNoValidate disabled={busy}>
          Cancel
        </button>
      </p>
    </form>
  );
}
