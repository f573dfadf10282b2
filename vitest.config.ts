import { defineConfig } from 'vitest/config';

// The suite runs on the embedded default (PGlite, local disk) and, when
// COFFER_TEST_DATABASE_URL is set, once more against that PostgreSQL.
const backends = ['pglite', ...(process.env.COFFER_TEST_DATABASE_URL ? ['postgres'] : [])];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    projects: [
      ...backends.map((backend) => ({
        extends: true as const,
        test: {
          name: backend,
          include: ['test/**/*.test.ts'],
          env: { COFFER_TEST_BACKEND: backend },
        },
      })),
      // The web app's component and state tests (jsdom), configured in its own workspace.
      'web/vite.config.ts',
    ],
  },
});
