// RFC 9728 §3.1: the path-suffixed form for the `/mcp` resource; the same document.
export { GET, OPTIONS } from '../route';

export const dynamic = 'force-dynamic';
