/**
 * `npm run dev` with no setup: missing development values are generated once, kept in
 * `.env.development.local` (git-ignored) so they survive restarts, and the dev key printed once.
 */
import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { developmentDefaults } from '../lib/config';

const FILE = '.env.development.local';

export function ensureDevelopmentEnv(env: NodeJS.ProcessEnv): void {
  const path = join(process.cwd(), FILE);
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match && !env[match[1]!]) env[match[1]!] = match[2]!;
    }
  }
  const hadSecret = Boolean(env.AUTH_SECRET?.trim());
  const { generatedApiKey } = developmentDefaults(env);
  const lines: string[] = [];
  if (!hadSecret) lines.push(`AUTH_SECRET=${env.AUTH_SECRET}`);
  if (generatedApiKey) lines.push(`MCP_API_KEYS=${generatedApiKey}`);
  if (lines.length === 0) return;
  appendFileSync(path, `# generated for local development by npm run dev\n${lines.join('\n')}\n`, { mode: 0o600 });
  if (generatedApiKey) {
    // Development only, once: the operator needs this key to try the server.
    console.log(`\n  Development API key (saved in ${FILE}): ${generatedApiKey}\n`);
  }
}
