import { bench, describe } from 'vitest';
import { KEY_A } from '@/kit/app';
import { createSealer } from '@/lib/tokens/seal';
import { benchServices, keyAClaims, OPTIONS } from './support';

const services = await benchServices();
const claims = await keyAClaims();
const { token } = await services.tokens.issue('access', claims, 3600);
await services.tokens.verify('access', token);
// The same claims with KEY_A sealed in (lib/tokens/seal.ts), as the key service, the upstream
// judge and digests-with-an-upstream issue them: what a proxied request pays is the longer
// token's verify plus opening the seal.
const { token: sealedToken } = await services.tokens.issue('access', claims, 3600, KEY_A);
const verified = await services.tokens.verify('access', sealedToken);
if ((await services.tokens.openSeal('access', verified)) !== KEY_A)
  throw new Error('the sealed bench token does not open to its key');
// The sealer alone keeps nothing: every call opens, as the first request with a token does.
const sealer = await createSealer([services.config.authSecret]);
if ((await sealer.open('access', verified.jti, verified.ks!)) !== KEY_A)
  throw new Error('the bench sealer does not open the seal of the bench token');

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

describe('sealed access token', () => {
  bench(
    'mint with a sealed key (tokens.issue)',
    async () => {
      await services.tokens.issue('access', claims, 3600, KEY_A);
    },
    OPTIONS,
  );
  bench(
    'verify (tokens.verify), sealed',
    async () => {
      await services.tokens.verify('access', sealedToken);
    },
    OPTIONS,
  );
  bench(
    "open a seal (sealer.open): a token's first request on an instance",
    async () => {
      await sealer.open('access', verified.jti, verified.ks!);
    },
    OPTIONS,
  );
  bench(
    "open the seal (tokens.openSeal): the token's later requests",
    async () => {
      await services.tokens.openSeal('access', verified);
    },
    OPTIONS,
  );
});
