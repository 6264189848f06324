import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing running; `integration` (files named *.int.test.ts and the
// end-to-end tests) gets real Redis and Kafka from test/infra/global-setup.ts; `hostile` (the
// hostile-server suite) runs on its own, after the others.
export default defineConfig({
  test: {
    // Two cores: more workers only fight over the CPU (and the broker).
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default', './test/infra/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/unit/**/*.test.ts', 'deploy/*/test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.int.test.ts', 'services/*/test/**/*.int.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/e2e/hostile.test.ts'],
          globalSetup: ['test/infra/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Measures latency, CPU and memory under 57 hostile servers: run alone (`npm test` runs
        // it after the other projects), never beside other tests.
        test: {
          name: 'hostile',
          include: ['test/e2e/hostile.test.ts'],
          testTimeout: 240_000,
        },
      },
      {
        // kill -9 of the broker, Redis and each service on the distributed deployment: its own
        // broker and Redis, services as processes. Alone, after the rest (`npm run chaos`: every fault).
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
