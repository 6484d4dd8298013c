import { getConfig } from '@/lib/config';
import { cursorInstallLink, vscodeInstallLink } from '@/lib/dashboard/installLinks';
import { CopyField } from './components/CopyField';
import { DeploymentCheck } from './components/DeploymentCheck';
import { KeyTester } from './components/KeyTester';
import { ServerStatus } from './components/ServerStatus';
import styles from './page.module.css';

export const dynamic = 'force-dynamic';

/** The name Claude Code, Cursor and VS Code list the server under; any name works. */
const SERVER_NAME = 'gateway';

/** The connect instructions, built from `PUBLIC_URL` only (never from the request's Host). */
export default function Home() {
  const { issuer, resource, oauthClientId } = getConfig();
  const tokenEndpoint = `${issuer}/oauth/token`;
  const claudeCode = `claude mcp add --transport http ${SERVER_NAME} ${resource}`;
  const cursorJson = JSON.stringify({ mcpServers: { [SERVER_NAME]: { url: resource } } }, null, 2);
  const vscodeJson = JSON.stringify({ servers: { [SERVER_NAME]: { type: 'http', url: resource } } }, null, 2);
  const curlToken = [
    `ACCESS_TOKEN=$(curl -s ${tokenEndpoint} \\`,
    `  -d grant_type=client_credentials \\`,
    `  -d client_id=${oauthClientId} \\`,
    `  --data-urlencode "client_secret=$MCP_API_KEY" | jq -r .access_token)`,
  ].join('\n');
  const curlMcp = [
    `curl -s ${resource} \\`,
    `  -H "Authorization: Bearer $ACCESS_TOKEN" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -H "Accept: application/json, text/event-stream" \\`,
    `  -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
  ].join('\n');

  return (
    <main className={styles.main}>
      <header className={styles.header}>
        <h1>MCP OAuth gateway</h1>
        <p className={styles.lede}>
          Connect claude.ai, Claude Desktop, Claude Code, ChatGPT, Cursor, VS Code or a script to this MCP server with
          your API key, and check what a connector will see.
        </p>
      </header>

      <section className={styles.card} aria-labelledby="connect">
        <h2 id="connect">Connect your client</h2>

        <h3>claude.ai and Claude Desktop</h3>
        <p>
          In <strong>Settings → Connectors → Add custom connector</strong>, paste this URL. When you connect, a page of
          this server asks for your API key.
        </p>
        <CopyField value={resource} label="connector URL" />

        <h3>Claude Code</h3>
        <p>
          Run this, then <code>/mcp</code> inside Claude Code and choose to authenticate; your browser opens the same
          key page.
        </p>
        <CopyField value={claudeCode} label="Claude Code command" block />

        <h3>ChatGPT</h3>
        <p>
          In <strong>Settings → Connectors</strong> (developer mode on), choose <strong>Create</strong>, paste the
          connector URL above as the MCP server URL and pick OAuth authentication. ChatGPT identifies itself and signs
          its requests; a page of this server asks for your API key.
        </p>

        <h3>Cursor</h3>
        <p>
          <a href={cursorInstallLink(SERVER_NAME, resource)}>Add to Cursor</a>, or put this in{' '}
          <code>~/.cursor/mcp.json</code>, then choose <strong>Connect</strong> in Settings → MCP.
        </p>
        <CopyField value={cursorJson} label="Cursor configuration" block />

        <h3>VS Code</h3>
        <p>
          <a href={vscodeInstallLink(SERVER_NAME, resource)}>Add to VS Code</a>, or put this in{' '}
          <code>.vscode/mcp.json</code>, then start the server from the file and sign in when asked.
        </p>
        <CopyField value={vscodeJson} label="VS Code configuration" block />

        <h3>Scripts</h3>
        <p>
          Exchange your API key for an access token (OAuth <code>client_credentials</code>: client id{' '}
          <code>{oauthClientId}</code>, client secret = your key), then call <code>/mcp</code> with it. Put the key in{' '}
          <code>MCP_API_KEY</code> first, e.g. with <code>read -rs MCP_API_KEY</code> so it stays out of your shell
          history.
        </p>
        <CopyField value={curlToken} label="token request" block />
        <CopyField value={curlMcp} label="MCP request" block />
      </section>

      <section className={styles.card} aria-labelledby="test-key">
        <h2 id="test-key">Test your key</h2>
        <p>
          Runs the script flow from this page: a token, the MCP handshake, then the list of tools, the same steps a
          connector takes.
        </p>
        <KeyTester clientId={oauthClientId} />
      </section>

      <section className={styles.card} aria-labelledby="deployment-check">
        <h2 id="deployment-check">Check this deployment</h2>
        <p>
          Runs from this page the requests claude.ai makes when you add the connector: discovery, registration and the
          first call to <code>/mcp</code>. Then the server fetches a client&apos;s metadata document and key set as its
          token endpoint will, and asks your key source about a made-up key. No API key needed; each failed step says
          how to fix it.
        </p>
        <DeploymentCheck publicUrl={issuer} />
      </section>

      <section className={styles.card} aria-labelledby="server-status">
        <h2 id="server-status">Server status</h2>
        <ServerStatus />
      </section>
    </main>
  );
}
