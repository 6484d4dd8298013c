/**
 * What the consent page tells the user about where the authorization will go (MCP 2026-07-28
 * authorization, security considerations: the redirect host must be shown clearly, and a
 * localhost-only redirect gets a warning; OAuth 2.1 §7.12.2).
 */
import type { AuthorizationRequest } from './consentRequest';
import { KNOWN_CIMD_CLIENTS, knownClientOfRedirectUri } from './knownClients';
import { withoutLoopbackPort } from './redirectUri';

export type ConsentView = {
  /** A known client's name, else the name the client gave itself (unverified), else a description. */
  readonly clientName: string;
  /** The name comes from this server's list of known clients, not from the client. */
  readonly known: boolean;
  /** A CIMD client's identity: the host that serves its metadata document. */
  readonly clientIdHost: string | null;
  /** Where the code goes: the host of an https or loopback URI, or `scheme://authority` of an app's scheme. */
  readonly redirectHost: string;
  /** The redirect goes to a program on this computer (loopback), whoever it is. */
  readonly localhostOnly: boolean;
  /** The CSP `form-action` source that lets the form's redirect reach the client. */
  readonly formActionSource: string;
};

export function consentView(request: Pick<AuthorizationRequest, 'client' | 'redirectUri'>): ConsentView {
  const { client, redirectUri } = request;
  const url = new URL(redirectUri);
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  const redirectHost = web ? url.host : `${url.protocol}//${url.host}`;
  const knownByRedirect = knownClientOfRedirectUri(redirectUri)?.name;
  const knownByDocument = client.kind === 'cimd' ? KNOWN_CIMD_CLIENTS[client.clientId] : undefined;
  const knownName = knownByDocument ?? knownByRedirect;
  let clientName: string;
  if (knownName !== undefined) clientName = knownName;
  else if (client.kind === 'preregistered') clientName = `An application using the client id “${client.clientId}”`;
  else clientName = client.name ?? 'An unnamed application';
  return {
    clientName,
    known: knownName !== undefined,
    clientIdHost: client.kind === 'cimd' ? new URL(client.clientId).host : null,
    redirectHost,
    localhostOnly: withoutLoopbackPort(redirectUri) !== null,
    formActionSource: web ? url.origin : url.protocol,
  };
}
