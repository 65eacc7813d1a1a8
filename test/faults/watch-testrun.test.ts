// The k6-operator runner waiting on its TestRun through watch faults: a cut or silent watch still
// sees the run finish; a watch that cannot be re-established makes the run "cannot be judged".
import { describe, expect, it } from 'vitest';
import { NotFound, Resources, objectPath, type ClusterClient } from '../../src/cluster/index.ts';
import {
  K6OperatorRunner,
  LoadRunNotJudged,
  LoadRunnerUnavailable,
  TestRunWatchLost,
  testRunName,
  type LoadRequest,
} from '../../src/load/index.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';
import { rejection, useFaultySimulator } from './transport-support.ts';

const NS = 'meshgate';
const STAGES = ['initialization', 'initialized', 'created', 'started', 'finished'];

function profile(deadline: string): Profile {
  return {
    ...defaultProfile,
    load: {
      ...defaultProfile.load,
      operator: { ...defaultProfile.load.operator, namespace: NS, deadline },
    },
  };
}

/**
 * Stands in for the k6-operator: polls (no watch, so the faults hit only the runner) until the
 * TestRun exists, then moves status.stage along. A TestRun already cleaned up ends it.
 */
async function operate(c: ClusterClient, name: string, stages: string[]): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 400; i++) {
    c.invalidate();
    if (await c.find(Resources.testRuns, name, NS)) break;
    await sleep(25);
  }
  for (const stage of stages) {
    await sleep(50);
    try {
      await c.transport.json({
        method: 'PATCH',
        path: `${objectPath(Resources.testRuns, name, NS)}/status`,
        body: { status: { stage } },
        contentType: 'application/merge-patch+json',
        info: { verb: 'patch', group: 'k6.io', resource: 'testruns', namespace: NS, name, path: '' },
      });
    } catch (err) {
      if (err instanceof NotFound) return;
      throw err;
    }
  }
}

describe('k6-operator runner: waiting on the TestRun through watch faults', () => {
  const env = useFaultySimulator({
    faults: [
      { match: 'testruns\\?watch=true.*cut-run', watch: { afterEvents: 1, action: 'reset' }, count: 2 },
      { match: 'testruns\\?watch=true.*silent-run', watch: { afterEvents: 1, action: 'silent' }, count: 1 },
      { match: 'testruns\\?watch=true.*lost-run', status: 503 },
    ],
  });

  async function run(runId: string, deadline: string, stages: string[]) {
    const req: LoadRequest = { step: 25, runId, rate: 10, duration: '10s' };
    const name = testRunName(req);
    const cluster = env().client({ watch: { idleTimeoutMs: 500 } });
    const operator = operate(env().client(), name, stages);
    const progress: string[] = [];
    try {
      const result = await new K6OperatorRunner().run(req, {
        profile: profile(deadline),
        cluster,
        onProgress: (l) => progress.push(l),
      });
      return { result, progress, name };
    } finally {
      await operator;
    }
  }

  it('a watch cut twice mid-run still sees every stage up to finished', async () => {
    const { result, progress, name } = await run('cut-run', '30s', STAGES);
    expect(progress.filter((l) => l.startsWith(`TestRun ${name}:`))).toEqual(
      STAGES.map((s) => `TestRun ${name}: ${s}`),
    );
    expect(result.notes).toContain(`TestRun ${NS}/${name} ended at stage finished`);
    expect(
      env()
        .sim.faultLog()
        .filter((e) => e.path.includes('cut-run'))
        .map((e) => e.fault)
        .slice(0, 2),
    ).toEqual(['reset', 'reset']);
  });

  it('a silent watch is noticed and the run is seen to finish', async () => {
    const { result, name } = await run('silent-run', '30s', STAGES);
    expect(result.notes).toContain(`TestRun ${NS}/${name} ended at stage finished`);
  });

  it('a watch lost until the deadline: the run cannot be judged (LoadRunNotJudged), objects cleaned up', async () => {
    const err = await rejection(run('lost-run', '2s', ['initialization']));
    expect(err).toBeInstanceOf(LoadRunNotJudged);
    // Callers that treat an unavailable runner as INCONCLUSIVE treat this one so too.
    expect(err).toBeInstanceOf(LoadRunnerUnavailable);
    const e = err as LoadRunNotJudged;
    expect(e.cause).toBeInstanceOf(TestRunWatchLost);
    const name = 'meshgate-lost-run-s25';
    expect(e.message).toContain(`lost the watch on TestRun ${name} and could not re-establish it within 2s`);
    expect(e.message).toContain('the API server answered 503 to watch testruns.k6.io');
    expect(e.result.ok).toBe(false);
    expect(e.result.notes).toContain(
      `the run cannot be judged: whether TestRun ${NS}/${name} finished is unknown`,
    );
    const c = env().client();
    expect(await c.find(Resources.testRuns, name, NS)).toBeUndefined();
    expect(await c.find(Resources.configMaps, `${name}-script`, NS)).toBeUndefined();
  });
});
