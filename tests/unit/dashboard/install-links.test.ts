import { describe, expect, it } from 'vitest';
import { cursorInstallLink, vscodeInstallLink } from '@/lib/dashboard/installLinks';

const MCP_URL = 'https://mcp.example.com/mcp';

describe('install links', () => {
  // @req DASH-INSTALL-LINKS
  it("decode to this deployment's /mcp URL in Cursor's deeplink format", () => {
    const link = new URL(cursorInstallLink('gateway', MCP_URL));
    expect(`${link.protocol}//${link.host}${link.pathname}`).toBe('cursor://anysphere.cursor-deeplink/mcp/install');
    expect(link.searchParams.get('name')).toBe('gateway');
    expect(JSON.parse(Buffer.from(link.searchParams.get('config')!, 'base64').toString('utf8'))).toEqual({
      url: MCP_URL,
    });
  });

  // @req DASH-INSTALL-LINKS
  it("decode to this deployment's /mcp URL in VS Code's format", () => {
    const link = vscodeInstallLink('gateway', MCP_URL);
    expect(link.startsWith('vscode:mcp/install?')).toBe(true);
    expect(JSON.parse(decodeURIComponent(link.slice('vscode:mcp/install?'.length)))).toEqual({
      name: 'gateway',
      type: 'http',
      url: MCP_URL,
    });
  });
});
