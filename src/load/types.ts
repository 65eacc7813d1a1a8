import type { ClusterClient } from '../cluster/index.ts';
import type { Clock, MetricsSource } from '../metrics/index.ts';
import type { Profile } from '../profile/index.ts';
import type { SmokeTarget } from '../../load/lib/script-profile.ts';
import type { LoadScriptName } from './bundle.ts';

/** The runners `--load` chooses from; `auto` picks k6 when found, else builtin. */
export type LoadRunnerName = 'k6' | 'k6-operator' | 'builtin' | 'none';
export const LOAD_RUNNER_NAMES: readonly LoadRunnerName[] = ['k6', 'k6-operator', 'builtin', 'none'];

/** One load run: which step and run it belongs to, and what to change from the profile for it. */
export interface LoadRequest {
  /** Migration step (mesh weight, %), tagged on every request as `step`. */
  step: number;
  /** Tagged on every request as `run_id`; filters the run's Prometheus series. */
  runId: string;
  /** Default `canary`. */
  script?: LoadScriptName | undefined;
  /** Overrides of `profile.load` for this run. */
  rate?: number | undefined;
  duration?: string | undefined;
  targetUrl?: string | undefined;
  host?: string | undefined;
  /** Smoke script targets; default each mesh workload's health path and the load paths. */
  smokeTargets?: SmokeTarget[] | undefined;
}

/** What a runner may use; everything but the profile is optional and injected for tests. */
export interface LoadContext {
  profile: Profile;
  /** k6-operator: the cluster to create the TestRun in. */
  cluster?: ClusterClient | undefined;
  /** k6-operator: where remote-written k6 series are read back; default a client for `profile.prometheus.url`. */
  metrics?: MetricsSource | undefined;
  clock?: Clock | undefined;
  /** Progress lines (k6 output, TestRun stages, builtin counters), for a live display. */
  onProgress?: ((line: string) => void) | undefined;
  /** Stops the run early; the result says it was aborted. */
  signal?: AbortSignal | undefined;
  /** Where summaries and bundles go; default a fresh temporary directory. */
  workDir?: string | undefined;
  /** Environment to look up K6_BIN and PATH in; default process.env. */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface ThresholdResult {
  /** k6 metric name, e.g. `http_req_failed`. */
  metric: string;
  /** k6 threshold expression, e.g. `rate<0.01`. */
  expression: string;
  /** False when the value is missing too: an unmeasured threshold never passes. */
  ok: boolean;
  /** The value compared, when the runner knows it (rate as a ratio, latency in ms). */
  actual?: number | null | undefined;
}

export type LoadVerdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

export interface LoadResult {
  runner: LoadRunnerName;
  script: LoadScriptName;
  step: number;
  runId: string;
  requested: { rate: number; duration: string };
  /** `rate` is requests per second over the run; null when nothing could be measured. */
  achieved: { rate: number | null; requests: number; dropped?: number | undefined };
  /** Failed / all requests (k6's http_req_failed: status outside 200–399 or no response); null = unknown. */
  errorRate: number | null;
  /** null = not measured (no requests, or the runner cannot know it). */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  thresholds: ThresholdResult[];
  /**
   * PASS: the load ran as asked and every threshold was measured and held. FAIL: a measured threshold
   * did not hold. INCONCLUSIVE: the run cannot be judged (no summary, no remote-write series, a lost
   * TestRun, a generator that could not keep up, an interrupted run); `reason` says why.
   */
  verdict: LoadVerdict;
  /** Why the verdict is not PASS (empty on PASS). */
  reason: string;
  /** `verdict === 'PASS'`, kept for callers that only ask whether the load held. */
  ok: boolean;
  /** The load generator's exit status (k6's exit code and what it means). */
  exit?: { code: number; meaning: string } | undefined;
  notes: string[];
  /** The k6 summary JSON, when one was written. */
  summaryPath?: string | undefined;
  startedAt: string;
  finishedAt: string;
}

/** A way to generate load. Every runner returns the same result shape. */
export interface LoadRunner {
  readonly name: LoadRunnerName;
  run(req: LoadRequest, ctx: LoadContext): Promise<LoadResult>;
}
