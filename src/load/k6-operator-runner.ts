import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Resources,
  WatchTimeout,
  systemClock,
  type ClusterClient,
  type KubeObject,
} from '../cluster/index.ts';
import { createPrometheusClient, type MetricsSource } from '../metrics/index.ts';
import type { Profile } from '../profile/index.ts';
import type { ScriptProfile } from '../../load/lib/script-profile.ts';
import { bundleLoadScripts, type LoadScriptName } from './bundle.ts';
import { aggregateK6Run } from './k6-remote-write.ts';
import { LoadRunnerUnavailable, REMOTE_WRITE_TREND_STATS, k6RunEnv } from './k6-runner.ts';
import type { LoadResult as Result } from './types.ts';
import { blankResult, keepUpNote, settleVerdict } from './result.ts';
import { durationMs, resolveScriptProfile } from './script-profile.ts';
import { evaluateThresholds } from './thresholds.ts';
import type { LoadContext, LoadRequest, LoadResult, LoadRunner } from './types.ts';

/** TestRun stages after which nothing changes. */
const TERMINAL_STAGES = new Set(['finished', 'error']);

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'meshgate' } as const;
export const RUN_ID_LABEL = 'meshgate.dev/run-id';
export const STEP_LABEL = 'meshgate.dev/step';

/** A label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends) made from any text. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/**
 * The TestRun's name: short, because the operator derives Job and Pod names from it
 * (`<name>-initializer`, `<name>-1`, …), and unique per run and step.
 */
export function testRunName(req: LoadRequest): string {
  const id = req.runId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24)
    .replace(/-+$/, '');
  return `meshgate-${id || 'run'}-s${req.step}`;
}

export interface TestRunSpecInput {
  req: LoadRequest;
  script: ScriptProfile;
  scriptName: LoadScriptName;
  profile: Profile;
  name: string;
  configMap: string;
}

/**
 * The k6-operator TestRun (k6.io/v1alpha1). The profile goes in as an environment variable of the
 * runner pods (and the initializer, which evaluates the script's options), not in `arguments`, which
 * the operator splits on spaces.
 */
export function testRunObject(input: TestRunSpecInput): KubeObject {
  const { req, profile, name } = input;
  const op = profile.load.operator;
  const rw = profile.load.k6.remoteWrite;
  const env = Object.entries({
    // The run id as a label value everywhere, so the script's tags match the aggregation's filter.
    ...k6RunEnv({ ...req, runId: labelValue(req.runId) }, input.script),
    K6_NO_USAGE_REPORT: 'true',
    ...(rw
      ? { K6_PROMETHEUS_RW_SERVER_URL: rw.url, K6_PROMETHEUS_RW_TREND_STATS: REMOTE_WRITE_TREND_STATS }
      : {}),
  }).map(([k, v]) => ({ name: k, value: v }));
  const args = [`--tag step=${req.step}`, `--tag run_id=${labelValue(req.runId)}`, '--no-color'];
  if (rw) args.push('--out experimental-prometheus-rw');
  const pod = { env, ...(op.runnerImage ? { image: op.runnerImage } : {}) };
  return {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: {
      name,
      namespace: op.namespace,
      labels: { ...MANAGED_BY, [RUN_ID_LABEL]: labelValue(req.runId), [STEP_LABEL]: String(req.step) },
    },
    spec: {
      parallelism: op.parallelism,
      script: { configMap: { name: input.configMap, file: `${input.scriptName}.js` } },
      arguments: args.join(' '),
      cleanup: 'post',
      runner: pod,
      initializer: pod,
    },
  };
}

function stageOf(obj: KubeObject): string | undefined {
  const status = obj.status;
  if (typeof status !== 'object' || status === null) return undefined;
  const stage = (status as { stage?: unknown }).stage;
  return typeof stage === 'string' ? stage : undefined;
}

/** Raised when the TestRun did not end in time; names the last stage seen. */
export class TestRunTimeout extends Error {
  override readonly name: string = 'TestRunTimeout';
  constructor(
    readonly testRun: string,
    readonly lastStage: string | undefined,
    deadline: string,
  ) {
    super(
      `TestRun ${testRun} did not reach finished or error within ${deadline}; last stage seen: ${lastStage ?? '(none: the k6-operator never set status.stage; is it running?)'}`,
    );
  }
}

/**
 * The watch on the TestRun broke and could not be re-established before the deadline: whether the
 * run finished is unknown, so it cannot be judged (which is not the same as a run that stalled).
 */
export class TestRunWatchLost extends TestRunTimeout {
  override readonly name = 'TestRunWatchLost';
  constructor(
    testRun: string,
    lastStage: string | undefined,
    deadline: string,
    readonly watch: WatchTimeout,
  ) {
    super(testRun, lastStage, deadline);
    this.message = `lost the watch on TestRun ${testRun} and could not re-establish it within ${deadline} (last error: ${watch.lastError?.message ?? 'unknown'}); last stage seen: ${lastStage ?? '(none)'}`;
  }
}

/**
 * A load run whose outcome cannot be known (the TestRun could not be followed): never a pass and
 * never a fail, INCONCLUSIVE. Thrown after clean-up; `result` holds what was seen, with notes.
 */
export class LoadRunNotJudged extends LoadRunnerUnavailable {
  override readonly name = 'LoadRunNotJudged';
  constructor(
    message: string,
    readonly result: Result,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface WaitOptions {
  cluster: ClusterClient;
  namespace: string;
  name: string;
  deadlineMs: number;
  deadlineText: string;
  onStage: (stage: string) => void;
  signal?: AbortSignal | undefined;
}

/**
 * Waits until the TestRun's `status.stage` is finished or error, through the cluster client's
 * watchUntil (re-listed and re-watched whenever the stream ends, breaks or goes silent), so a dropped
 * stream costs a request, never a missed stage. Returns the terminal stage.
 * @throws TestRunTimeout with the last stage seen; TestRunWatchLost when the watch could not be kept
 * up to the deadline; the signal's Interrupted when it aborts.
 */
export async function waitForTestRun(o: WaitOptions): Promise<string> {
  let last: string | undefined;
  const stageIn = (obj: KubeObject | undefined) => (obj === undefined ? undefined : stageOf(obj));
  try {
    const done = await o.cluster.watchUntil(
      Resources.testRuns,
      o.name,
      (obj) => TERMINAL_STAGES.has(stageIn(obj) ?? ''),
      {
        namespace: o.namespace,
        signal: o.signal,
        timeoutMs: o.deadlineMs,
        condition: 'status.stage finished or error',
        describe: (obj) =>
          obj === undefined ? 'the TestRun does not exist' : `stage ${stageIn(obj) ?? '(none)'}`,
        onChange: (obj) => {
          const stage = stageIn(obj);
          if (stage !== undefined && stage !== last) {
            last = stage;
            o.onStage(stage);
          }
        },
      },
    );
    return stageIn(done) ?? 'error';
  } catch (err) {
    if (!(err instanceof WatchTimeout)) throw err;
    if (err.lost) throw new TestRunWatchLost(o.name, last, o.deadlineText, err);
    throw new TestRunTimeout(o.name, last, o.deadlineText);
  }
}

/**
 * Runs the bundled script as a k6-operator TestRun: ConfigMap, TestRun, wait for the stage, then the
 * verdict from Prometheus. `finished` only means the runners exited; thresholds are judged here on the
 * run's aggregated series, because each runner judged only its own share.
 */
export class K6OperatorRunner implements LoadRunner {
  readonly name = 'k6-operator' as const;

  constructor(private readonly opts: { bundleDir?: string } = {}) {}

  async run(req: LoadRequest, ctx: LoadContext): Promise<LoadResult> {
    const cluster = ctx.cluster;
    if (!cluster) {
      throw new LoadRunnerUnavailable('--load k6-operator needs a cluster: pass --kubeconfig/--context');
    }
    const clock = ctx.clock ?? systemClock;
    const profile = ctx.profile;
    const op = profile.load.operator;
    const script = resolveScriptProfile(profile, req);
    const scriptName = req.script ?? 'canary';
    const deadlineMs = durationMs(op.deadline, 'load.operator.deadline');

    const bundleDir =
      this.opts.bundleDir ?? (await mkdtemp(path.join(ctx.workDir ?? tmpdir(), 'meshgate-bundle-')));
    const bundles = await bundleLoadScripts(bundleDir);
    const name = testRunName(req);
    const configMap = `${name}-script`;
    const labels = { ...MANAGED_BY, [RUN_ID_LABEL]: labelValue(req.runId), [STEP_LABEL]: String(req.step) };

    const startedAt = new Date(clock.now());
    const result = blankResult(
      'k6-operator',
      req,
      { rate: script.rate, duration: script.duration },
      startedAt,
    );
    const created: { ref: typeof Resources.configMaps | typeof Resources.testRuns; name: string }[] = [];
    let stage: string | undefined;
    try {
      await cluster.create(
        Resources.configMaps,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: configMap, namespace: op.namespace, labels },
          data: { [`${scriptName}.js`]: await readFile(bundles[scriptName], 'utf8') },
        },
        op.namespace,
      );
      created.push({ ref: Resources.configMaps, name: configMap });
      await cluster.create(
        Resources.testRuns,
        testRunObject({ req, script, scriptName, profile, name, configMap }),
        op.namespace,
      );
      created.push({ ref: Resources.testRuns, name });
      ctx.onProgress?.(`TestRun ${op.namespace}/${name} created (parallelism ${op.parallelism})`);
      stage = await waitForTestRun({
        cluster,
        namespace: op.namespace,
        name,
        deadlineMs,
        deadlineText: op.deadline,
        onStage: (s) => ctx.onProgress?.(`TestRun ${name}: ${s}`),
        signal: ctx.signal,
      });
    } catch (err) {
      if (!(err instanceof TestRunTimeout)) {
        await this.cleanup(cluster, op.namespace, op.keep, created, result);
        throw err;
      }
      result.notes.push(err.message);
      stage = err.lastStage;
      if (err instanceof TestRunWatchLost) {
        result.notes.push(
          `the run cannot be judged: whether TestRun ${op.namespace}/${name} finished is unknown`,
        );
        await this.cleanup(cluster, op.namespace, op.keep, created, result);
        result.finishedAt = new Date(clock.now()).toISOString();
        throw new LoadRunNotJudged(`k6-operator: ${err.message}`, result, { cause: err });
      }
    }
    await this.cleanup(cluster, op.namespace, op.keep, created, result);
    const finishedAt = new Date(clock.now());
    result.finishedAt = finishedAt.toISOString();
    result.notes.push(`TestRun ${op.namespace}/${name} ended at stage ${stage ?? '(none)'}`);
    if (stage !== 'finished') {
      if (stage === 'error')
        result.notes.push(
          'the k6-operator reported an error: kubectl describe testrun and the runner pod logs say why',
        );
      // Whatever happened to the runners, nothing says how the service held: not a FAIL of the service.
      return settleVerdict(
        result,
        ctx.signal?.aborted
          ? `the TestRun was stopped at stage ${stage ?? '(none)'}`
          : stage === 'error'
            ? `the TestRun ended in stage error, so the run cannot be judged`
            : `the TestRun did not finish (last stage ${stage ?? '(none)'}): its end was not seen`,
      );
    }

    if (!profile.load.k6.remoteWrite) {
      result.notes.push(
        'finished says nothing about thresholds (each runner judges only its share): configure remote write (load.k6.remoteWrite) so meshgate can aggregate the run',
      );
      return settleVerdict(
        result,
        'no remote-write series to judge the run by (load.k6.remoteWrite is not set)',
      );
    }
    await this.aggregate(req, ctx, script, startedAt, finishedAt, result);
    return result;
  }

  private async aggregate(
    req: LoadRequest,
    ctx: LoadContext,
    script: ScriptProfile,
    start: Date,
    end: Date,
    result: LoadResult,
  ): Promise<void> {
    let own: ReturnType<typeof createPrometheusClient> | undefined;
    const source: MetricsSource =
      ctx.metrics ?? (own = createPrometheusClient({ url: ctx.profile.prometheus.url }));
    try {
      const agg = await aggregateK6Run(source, labelValue(req.runId), start, end);
      result.notes.push(...agg.notes);
      if (agg.requests === null) {
        settleVerdict(result, `no remote-write series of run ${labelValue(req.runId)} in Prometheus`);
        return;
      }
      const plannedS = durationMs(script.duration, 'load.duration') / 1000;
      const rate = agg.requests / plannedS;
      result.achieved = { rate, requests: agg.requests };
      result.errorRate = agg.errorRate;
      result.latencyMs = agg.latencyMs;
      result.thresholds = evaluateThresholds(script, agg);
      const note = keepUpNote(script.rate, rate, 0);
      if (note) result.notes.push(note);
      settleVerdict(
        result,
        agg.requests === 0
          ? 'the run sent no request'
          : note !== undefined
            ? 'the load generators could not keep up with the requested rate'
            : undefined,
      );
    } catch (err) {
      if (!(err instanceof Error) || err.name === 'Interrupted') throw err;
      result.notes.push(`could not read the run's series: ${err.message}`);
      settleVerdict(result, `the run's remote-write series could not be read: ${err.message}`);
    } finally {
      await own?.close();
    }
  }

  private async cleanup(
    cluster: ClusterClient,
    namespace: string,
    keep: boolean,
    created: { ref: typeof Resources.configMaps | typeof Resources.testRuns; name: string }[],
    result: LoadResult,
  ): Promise<void> {
    if (keep) {
      if (created.length)
        result.notes.push(
          `kept (load.operator.keep): ${created.map((c) => `${c.ref.kind}/${namespace}/${c.name}`).join(', ')}`,
        );
      return;
    }
    // TestRun first: its runners read the ConfigMap.
    for (const c of [...created].reverse()) {
      try {
        await cluster.delete(c.ref, c.name, namespace);
      } catch (err) {
        result.notes.push(`could not delete ${c.ref.kind}/${namespace}/${c.name}: ${(err as Error).message}`);
      }
    }
    created.length = 0;
  }
}
