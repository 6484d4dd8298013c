import { bench, describe } from 'vitest';
import { KEY_A } from '@/kit/app';
import { fingerprintOf } from '@/lib/keys';
import { benchServices, OPTIONS } from './support';

const services = await benchServices();
const claims = { sub: await fingerprintOf(KEY_A), client_id: 'mcp', scope: 'mcp' };
const { token } = await services.tokens.issue('access', claims, 3600);
await services.tokens.verify('access', token);

describe('access token', () => {
  bench(
    'mint (tokens.issue)',
    async () => {
      await services.tokens.issue('access', claims, 3600);
    },
    OPTIONS,
  );
  bench(
    'verify (tokens.verify)',
    async () => {
      await services.tokens.verify('access', token);
    },
    OPTIONS,
  );
});
