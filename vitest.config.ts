import { defineConfig } from 'vitest/config';

const suiteTest = {
  // Suites share one module graph per run so the per-run cluster cache fetches each kind once.
  isolate: false,
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 120_000,
  setupFiles: ['allure-vitest/setup'],
};

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'reports/unit-results.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      { test: { name: 'suites', include: ['suites/*/**/*.test.ts'], ...suiteTest } },
    ],
  },
});
