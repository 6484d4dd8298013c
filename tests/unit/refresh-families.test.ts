import { describe } from 'vitest';
import { createMemoryRefreshFamilies } from '../../lib/oauth/state/refreshFamilies';
import { refreshFamiliesContract } from '../support/refreshFamiliesContract';

describe('createMemoryRefreshFamilies', () => {
  // @req REFRESH-BACKENDS
  describe('the behaviour shared with the Upstash backend', () => {
    refreshFamiliesContract(() => ({ families: createMemoryRefreshFamilies(), advance: async () => {} }));
  });
});
