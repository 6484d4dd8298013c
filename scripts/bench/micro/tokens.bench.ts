import { bench, describe } from 'vitest';
import { benchServices, keyAClaims, OPTIONS } from './support';

const services = await benchServices();
const claims = await keyAClaims();
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
