import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const suiteTest = {
  // Suites share one module graph per run so the per-run cluster cache fetches each kind once.
  isolate: false,
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 120_000,
  setupFiles: ['allure-vitest/setup'],
};

/**
 * Seconds per file of the unit project, roughly, on a 2-core machine with two workers (the files above
 * ~5 s; docs/performance.md, "Test suite time"). They only order the files: a wrong figure costs
 * balance, never a result.
 */
const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  'test/demo/demo.test.ts': 125,
  'test/deploy/ci.test.ts': 100,
  'test/deploy/rbac.test.ts': 60,
  'test/faults/signals.test.ts': 55,
  'test/packaging/pack.test.ts': 55,
  'test/report/report-browser.test.ts': 50,
  'test/e2e/prereq.test.ts': 45,
  'test/e2e/traffic.test.ts': 40,
  'test/e2e/security.test.ts': 38,
  'test/e2e/canary.test.ts': 33,
  'test/e2e/snapshot-replay.test.ts': 25,
  'test/e2e/mesh.test.ts': 22,
  'test/canary-analysis/step-prometheus.test.ts': 17,
  'test/e2e/one-worker-cache.test.ts': 17,
  'test/sim/kubectl.test.ts': 15,
  'test/cli/commands.test.ts': 13,
  'test/metrics/presets.test.ts': 11,
  'test/e2e/request-counts.test.ts': 9,
  'test/faults/transport.test.ts': 9,
  'test/e2e/snapshot.test.ts': 7,
  'test/faults/deadlines.test.ts': 7,
  'test/scenarios/revisions.test.ts': 6,
  'test/faults/transport-http.test.ts': 6,
  'test/metrics/client.test.ts': 6,
  'test/deploy/manifests.test.ts': 5,
};

/**
 * Hands the unit project's files to the workers longest first (the LPT rule), so two workers finish
 * together instead of one starting the demo's two minutes when the other is nearly done. Vitest's own
 * order is longest first only when its results cache (node_modules/.vite) knows every file; on a clean
 * checkout (CI) it knows none and keeps the order the files were found in. A file's expected time is
 * the cache's figure when it has one, else EXPECTED_SECONDS, else short.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    const expected = (spec: TestSpecification): number => {
      const file = path.relative(root, spec.moduleId).split(path.sep).join('/');
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`);
      return cached && !cached.failed ? cached.duration / 1000 : (EXPECTED_SECONDS[file] ?? 0);
    };
    // Projects stay apart and in vitest's order; a stable sort keeps vitest's order among equals.
    return base
      .map((spec, i) => ({ spec, i, t: expected(spec) }))
      .sort((a, b) =>
        a.spec.project.name === 'unit' && b.spec.project.name === 'unit' ? b.t - a.t || a.i - b.i : a.i - b.i,
      )
      .map((x) => x.spec);
  }
}

export default defineConfig({
  test: {
    // A suite run started by the CLI (which sets MESHGATE_RUN_CONTEXT) keeps no results cache: it would
    // be written into node_modules/.vite of the package, which in an installed copy (npx, the container
    // image with its read-only root filesystem) is not the user's to write. meshgate's own tests keep it.
    ...(process.env.MESHGATE_RUN_CONTEXT ? { cache: false as const } : {}),
    // The JSON results let .ci/run print a plain "N passed, N failed" line; the CLI sets its own reporters.
    reporters: ['default', ['json', { outputFile: 'reports/unit-results.json' }]],
    // Most of meshgate's own tests wait on servers, timers and child processes rather than compute: on
    // the two cores of CI, one worker (vitest's default there) took 684 s, two 463 s; since verify runs
    // its checks in-process, two take 308 s and three 264 s on a clean checkout (478 CPU-s: 1.8 cores
    // busy, no longer CPU-bound), every test passing (docs/performance.md).
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          // One module graph per worker, not per file: re-importing src/, client-node and the test
          // helpers for each of ~90 files cost more CPU than many files' tests (measured: 43 small
          // files, 90 → 31 CPU-seconds). No test mocks modules or leaves globals changed; servers
          // and processes are started and stopped by each file.
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      { test: { name: 'suites', include: ['suites/*/**/*.test.ts'], ...suiteTest } },
    ],
  },
});
