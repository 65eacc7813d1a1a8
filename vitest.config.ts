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
    // A suite run started by the CLI (which sets MESHGATE_RUN_CONTEXT) keeps no results cache: it would
    // be written into node_modules/.vite of the package, which in an installed copy (npx, the container
    // image with its read-only root filesystem) is not the user's to write. meshgate's own tests keep it.
    ...(process.env.MESHGATE_RUN_CONTEXT ? { cache: false as const } : {}),
    // The JSON results let .ci/run print a plain "N passed, N failed" line; the CLI sets its own reporters.
    reporters: ['default', ['json', { outputFile: 'reports/unit-results.json' }]],
    // Most of meshgate's own tests wait on servers and child processes rather than compute: two workers
    // on the two cores of CI took npm test's vitest part from 684 s to 463 s (vitest's default there is one).
    maxWorkers: 2,
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
