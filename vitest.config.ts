import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const alias = { '@': fileURLToPath(new URL('.', import.meta.url)) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } },
      },
      {
        resolve: { alias },
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/integration/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Each file may start its own servers; two cores are shared by all of them.
          maxWorkers: 2,
          // Unit tests first, then the integration suites against real servers.
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        // Run by npm test after the integration and end-to-end suites: it reads their server output.
        test: {
          name: 'audit',
          include: ['tests/audit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
