/**
 * The whole connector flow driven by an official MCP SDK client (v2 `@modelcontextprotocol/client`
 * or v1 `@modelcontextprotocol/sdk`), the way claude.ai runs it: 401 → discovery → registration →
 * authorization URL → consent (by the caller: a browser or plain HTTP) → finishAuth → tools/list →
 * whoami → refresh on 401.
 */
import { CLAUDE_CALLBACK, CLAUDE_REGISTRATION } from './oauth';

type Tokens = { access_token: string; refresh_token?: string; token_type: string; expires_in?: number; scope?: string };
type ClientInformation = { client_id: string; client_secret?: string };

/** An in-memory `OAuthClientProvider` (the same shape in both SDK versions). */
export class MemoryOAuthProvider {
  clientInfo: ClientInformation | undefined;
  savedTokens: Tokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  readonly tokenHistory: Tokens[] = [];
  readonly expectedState = `state-${Math.random().toString(36).slice(2)}`;

  get redirectUrl(): string {
    return CLAUDE_CALLBACK;
  }
  get clientMetadata() {
    return {
      ...CLAUDE_REGISTRATION,
      redirect_uris: [...CLAUDE_REGISTRATION.redirect_uris],
      grant_types: [...CLAUDE_REGISTRATION.grant_types],
      response_types: [...CLAUDE_REGISTRATION.response_types],
    };
  }
  state(): string {
    return this.expectedState;
  }
  clientInformation() {
    return this.clientInfo;
  }
  saveClientInformation(info: ClientInformation) {
    this.clientInfo = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens: Tokens) {
    this.savedTokens = tokens;
    this.tokenHistory.push(tokens);
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  /** SDK v2 binds the callback leg to the authorization server it discovered (SEP-2352). */
  discovery: unknown;
  saveDiscoveryState(state: unknown) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** The parts of either SDK the flow uses. */
export type SdkParts<T> = {
  transport(provider: MemoryOAuthProvider): T;
  /** Connects a client over `transport` (the SDK starts OAuth on a 401). */
  connect(transport: T): Promise<Session>;
  finishAuth(transport: T, callback: URL): Promise<void>;
  isUnauthorized(error: unknown): boolean;
};

export type Session = {
  listToolNames(): Promise<string[]>;
  whoami(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
};

export type FlowReport = {
  provider: MemoryOAuthProvider;
  callback: URL;
  tools: string[];
  whoami: Record<string, unknown>;
  whoamiAfterRefresh: Record<string, unknown>;
};

/**
 * Runs the flow; `consent` receives the authorization URL and returns the callback URL the browser
 * was sent to.
 */
export async function runConnectorFlow<T>(
  sdk: SdkParts<T>,
  consent: (authorizationUrl: URL) => Promise<URL>,
  makeProvider: () => MemoryOAuthProvider = () => new MemoryOAuthProvider(),
): Promise<FlowReport> {
  const provider = makeProvider();
  const first = sdk.transport(provider);
  const refused = await sdk.connect(first).then(
    async (session) => {
      await session.close();
      return null;
    },
    (error: unknown) => error,
  );
  if (!sdk.isUnauthorized(refused))
    throw refused instanceof Error
      ? refused
      : new Error(
          refused === null ? 'connected without authorization' : 'the connection failed with a non-Error value',
        );
  if (!provider.authorizationUrl) throw new Error('the client never asked to open the authorization URL');

  const callback = await consent(provider.authorizationUrl);
  if (callback.searchParams.get('state') !== provider.expectedState) throw new Error('state did not round-trip');
  await sdk.finishAuth(first, callback);

  const session = await sdk.connect(sdk.transport(provider));
  const tools = await session.listToolNames();
  const whoami = await session.whoami();
  await session.close();

  // claude.ai refreshes on 401: make the stored access token unusable and call again.
  provider.savedTokens = { ...provider.savedTokens!, access_token: `${provider.savedTokens!.access_token}x` };
  const refreshed = await sdk.connect(sdk.transport(provider));
  const whoamiAfterRefresh = await refreshed.whoami();
  await refreshed.close();
  return { provider, callback, tools, whoami, whoamiAfterRefresh };
}
