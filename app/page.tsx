import { getConfig } from '@/lib/config';

export const dynamic = 'force-dynamic';

export default function Home() {
  const { resource } = getConfig();
  return (
    <main>
      <h1>MCP OAuth gateway</h1>
      <p>
        Connector URL: <code>{resource}</code>
      </p>
    </main>
  );
}
