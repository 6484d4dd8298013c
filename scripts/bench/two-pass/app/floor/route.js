// The two-pass floor's route: a constant JSON-RPC answer, no work.
const ANSWER = '{"jsonrpc":"2.0","id":1,"result":{}}';

export const dynamic = 'force-dynamic';

export function POST() {
  return new Response(ANSWER, { headers: { 'Content-Type': 'application/json' } });
}
