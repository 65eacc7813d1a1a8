// The CI gate jobs of deploy/ci: they parse, their shell parses, and their steps run, as the CI runner
// would run them, against the simulator and a real Prometheus. What only a CI service does is
// emulated: `actions/checkout`/`setup-node`/`upload-artifact` are not run, and instead of `npm ci`
// each job's working copy is a project that depends on meshgate, linked to this checkout the way
// `npm install <folder>` links it (node_modules/meshgate and node_modules/.bin/meshgate-gate).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSimulator, type StartedSimulator } from '../../src/sim/index.ts';
import { ROOT } from '../support/cli.ts';
import { preset } from '../support/openmetrics-presets.ts';
import { startPrometheus, type StartedPrometheus } from '../support/prometheus.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Workflow {
  on: { workflow_dispatch: { inputs: { step: { required: boolean } } } };
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: { gate: { env: Record<string, string>; steps: Step[]; 'timeout-minutes': number } };
}
interface GitlabJob {
  stage: string;
  resource_group: string;
  before_script: string[];
  script: string[];
  artifacts: { when: string; paths: string[]; reports: { junit: string } };
}

const github = parse(readFileSync(path.join(ROOT, 'deploy/ci/github/meshgate-gate.yml'), 'utf8')) as Workflow;
const gitlab = parse(
  readFileSync(path.join(ROOT, 'deploy/ci/gitlab/meshgate-gate.gitlab-ci.yml'), 'utf8'),
) as {
  stages: string[];
  'meshgate-gate': GitlabJob;
};

const work = mkdtempSync(path.join(os.tmpdir(), 'meshgate-ci-'));
// The canary presets hold one service.
const config = path.join(work, 'meshgate.config.ts');
writeFileSync(config, "export default { canary: { services: ['zamaz-api'] } };\n");

const healthyCanary = preset('healthyCanary');
const regression = preset('appRegression');
let sim: StartedSimulator;
let broken: StartedSimulator;
let prom: StartedPrometheus;

beforeAll(async () => {
  [sim, broken, prom] = await Promise.all([
    startSimulator({ scenario: [path.join(ROOT, 'scenarios/healthy')] }),
    startSimulator({ scenario: [path.join(ROOT, 'scenarios/broken/mesh-pod-without-sidecar')] }),
    startPrometheus({ openmetrics: [healthyCanary.openmetrics, regression.openmetrics] }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([sim?.stop(), broken?.stop(), prom?.stop()]);
});

/** Canary flags a CI variable would carry; here they also pin the window to the preset's data. */
function canaryFlags(p: typeof healthyCanary): string {
  return `--load none --end ${p.params.end.toISOString()} --window 30m --config ${config}`;
}

/** One shell step as the runner runs it: bash, `-e`, in the job's working copy, with the job's env. */
function shell(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd = repo(),
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** A fresh working copy of the user's repository: meshgate as a dependency, reports/ written here. */
function repo(): string {
  const dir = mkdtempSync(path.join(work, 'repo-'));
  writeFileSync(
    path.join(dir, 'package.json'),
    '{ "name": "gate-repo", "private": true, "devDependencies": { "meshgate": "*" } }\n',
  );
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, path.join(dir, 'node_modules', 'meshgate'), 'dir');
  for (const [name, target] of [
    ['meshgate', '../meshgate/bin/meshgate.js'],
    ['meshgate-gate', '../meshgate/bin/meshgate-gate'],
  ] as const) {
    symlinkSync(target, path.join(dir, 'node_modules', '.bin', name));
  }
  return dir;
}

/**
 * The GitHub job's steps in order, as the runner does: `run` steps (but `npm ci`) are executed; after
 * a failure only `if: always()` steps run. `${{ … }}` expressions are replaced by what they evaluate to.
 */
async function runGithubJob(
  env: Record<string, string>,
): Promise<{ ran: string[]; failedAt?: string; out: string }> {
  const ran: string[] = [];
  let failedAt: string | undefined;
  let out = '';
  const cwd = repo();
  for (const step of github.jobs.gate.steps) {
    if (failedAt && step.if !== 'always()') continue;
    if (!step.run || step.run.startsWith('npm ci')) continue;
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [
        k,
        v.replace('${{ secrets.MESHGATE_KUBECONFIG }}', env.KUBECONFIG_DATA ?? ''),
      ]),
    );
    const res = await shell(step.run, { ...env, ...stepEnv }, cwd);
    ran.push(step.name ?? step.run);
    out += res.out;
    if (res.code !== 0 && !failedAt) failedAt = step.name;
  }
  return { ran, ...(failedAt ? { failedAt } : {}), out };
}

/** The job's env as the workflow sets it (report dir `reports`, in the working copy). */
function githubEnv(kubeconfigData: string, step: string, flags: string): Record<string, string> {
  return {
    ...github.jobs.gate.env,
    KUBECONFIG: path.join(mkdtempSync(path.join(work, 'runner-')), 'kubeconfig'),
    KUBECONFIG_DATA: kubeconfigData,
    MESHGATE_STEP: step,
    MESHGATE_PROMETHEUS_URL: prom.url,
    MESHGATE_CANARY_FLAGS: flags,
    GITHUB_STEP_SUMMARY: path.join(work, `step-summary-${Math.random().toString(36).slice(2)}.md`),
  };
}

describe('deploy/ci: the files', () => {
  it('GitHub Actions: dispatched with a step, one gate at a time, verify then canary, uploads whatever happens', () => {
    expect(github.on.workflow_dispatch.inputs.step.required).toBe(true);
    expect(github.concurrency).toEqual({ group: 'meshgate-gate', 'cancel-in-progress': false });
    const steps = github.jobs.gate.steps;
    const names = steps.map((s) => s.name ?? s.uses);
    expect(names.indexOf('verify mesh')).toBeLessThan(names.indexOf('canary'));
    expect(steps.find((s) => s.name === 'verify mesh')?.run).toBe(
      'npx --no-install meshgate-gate verify mesh',
    );
    for (const s of steps.filter((x) => x.uses?.startsWith('actions/upload-artifact'))) {
      expect(s.if).toBe('always()');
    }
    expect(Object.keys(github.jobs.gate.env)).toEqual(
      expect.arrayContaining([
        'KUBECONFIG',
        'MESHGATE_STEP',
        'MESHGATE_REPORT_DIR',
        'MESHGATE_PROMETHEUS_URL',
      ]),
    );
  });

  it('GitLab CI: one job, verify then canary, artifacts and JUnit kept whatever happens', () => {
    const job = gitlab['meshgate-gate'];
    expect(gitlab.stages).toContain(job.stage);
    expect(job.resource_group).toBe('meshgate-gate');
    expect(job.script).toEqual([
      'npx --no-install meshgate-gate verify mesh',
      'npx --no-install meshgate-gate canary --step "$MESHGATE_STEP" $MESHGATE_CANARY_FLAGS',
    ]);
    expect(job.artifacts.when).toBe('always');
    expect(job.artifacts.reports.junit).toBe('reports/ci/*/junit.xml');
  });

  it('every shell line parses (bash -n), meshgate-gate included', async () => {
    const scripts = [
      ...github.jobs.gate.steps.flatMap((s) => (s.run ? [s.run] : [])),
      ...gitlab['meshgate-gate'].before_script,
      ...gitlab['meshgate-gate'].script,
      readFileSync(path.join(ROOT, 'bin/meshgate-gate'), 'utf8'),
    ];
    for (const s of scripts) {
      const res = await new Promise<number | null>((resolve) => {
        const c = spawn('bash', ['-n', '-c', s]);
        c.on('close', resolve);
      });
      expect(res, s).toBe(0);
    }
  });
});

describe('deploy/ci: the steps, run against the simulator and Prometheus', () => {
  it('GitHub: a healthy mesh and a passing canary run every step and exit 0', async () => {
    const job = await runGithubJob(
      githubEnv(readFileSync(sim.kubeconfigPath, 'utf8'), '25', canaryFlags(healthyCanary)),
    );
    expect(job.failedAt, job.out).toBeUndefined();
    expect(job.ran).toEqual([
      'Kubeconfig of the meshgate ServiceAccount',
      'verify mesh',
      'canary',
      'Summary on the run page',
    ]);
    expect(job.out).toContain('meshgate verify: gate open (PASS)');
    expect(job.out).toContain('meshgate canary: gate open (PASS)');
  }, 300_000);

  it('a failing canary exits 1 and says the pipeline stops', async () => {
    const res = await shell(
      'npx --no-install meshgate-gate canary --step "$MESHGATE_STEP" $MESHGATE_CANARY_FLAGS',
      {
        KUBECONFIG: sim.kubeconfigPath,
        MESHGATE_PROMETHEUS_URL: prom.url,
        MESHGATE_STEP: '25',
        MESHGATE_REPORT_DIR: 'reports',
        MESHGATE_CANARY_FLAGS: canaryFlags(regression),
      },
    );
    expect(res.code).toBe(1);
    expect(res.out).toContain('meshgate canary: gate closed (FAIL): the pipeline stops here');
  }, 300_000);

  it('GitLab: a failing verify stops the job before the canary', async () => {
    const job = gitlab['meshgate-gate'];
    const env = {
      MESHGATE_KUBECONFIG: broken.kubeconfigPath,
      MESHGATE_STEP: '25',
      MESHGATE_REPORT_DIR: 'reports',
      MESHGATE_CANARY_FLAGS: canaryFlags(healthyCanary),
    };
    // The runner runs before_script and script as one shell; a failing line ends it.
    const lines = [...job.before_script.filter((l) => !l.startsWith('npm ci')), ...job.script];
    const res = await shell(lines.join('\n'), env);
    expect(res.code).toBe(1);
    expect(res.out).toContain('meshgate verify: gate closed (FAIL): the pipeline stops here');
    expect(res.out).not.toContain('meshgate canary:');
  }, 300_000);

  it('a configuration error exits 3 and is named as one, not as a closed gate', async () => {
    const res = await shell(
      'npx --no-install meshgate-gate canary --step "$MESHGATE_STEP" $MESHGATE_CANARY_FLAGS',
      {
        KUBECONFIG: sim.kubeconfigPath,
        MESHGATE_STEP: '25',
        MESHGATE_REPORT_DIR: 'reports',
        MESHGATE_CANARY_FLAGS: '--load no-such-runner',
      },
    );
    expect(res.code).toBe(3);
    expect(res.out).toContain('meshgate canary: configuration or usage error (exit 3)');
    // No run was made, so no earlier run's report is uploaded as this one's.
    expect(res.out).toContain('meshgate canary: no run directory was made (exit 3): nothing to upload');
  }, 120_000);
});
