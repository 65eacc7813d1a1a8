import os from 'node:os';
import path from 'node:path';
import { ClusterClient, loadKubeConfig } from '../../src/cluster/index.ts';
import type { CheckStatus, Finding } from '../../src/checks/types.ts';
import { defaultProfile, type Profile } from '../../src/profile/index.ts';
import { exitCodeOf, verdictOf, type ExitCodeValue, type Verdict } from '../../src/report/types.ts';
import { startSimulator } from '../../src/sim/index.ts';
import type { SuiteContext } from '../../suites/support/context.ts';
import type { GateGroup } from '../../suites/support/gate-spec.ts';
import { crashFinding, toInconclusive } from '../../suites/support/outcome.ts';

export interface GateOutcome {
  status: CheckStatus | 'crashed';
  findings: Finding[];
  details: string[];
}

export interface RunGatesOptions {
  /** Opt-in active probes (the security suite's `--probe`). */
  probe?: boolean;
  /** Read every proxy for workload settings (`--all-pods`). */
  allPods?: boolean;
  /** The environment host tools are looked up in (prereq.tools). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a suite's check bodies in-process against a cluster (the simulator), classifying what they
 * return or throw the way suites/support/gate.ts does (the same functions): a ClusterError or
 * Inconclusive is inconclusive with its hint, anything else a crash. Much cheaper than the CLI (no
 * vitest boot per run), for tests about a check's verdict and message. The map keeps the suites'
 * declaration order, as a report lists them.
 */
export async function runGates(
  kubeconfig: string,
  profile: Profile,
  groups: GateGroup[],
  opts: RunGatesOptions = {},
): Promise<Map<string, GateOutcome>> {
  const cluster = new ClusterClient(loadKubeConfig({ kubeconfig }));
  const ctx: SuiteContext = {
    run: {
      profile,
      kubeconfig,
      reportDir: os.tmpdir(),
      probe: opts.probe ?? false,
      allPods: opts.allPods ?? false,
    },
    profile,
    cluster,
    env: opts.env,
  };
  const gates = groups.flatMap((g) => g.gates);
  const out = new Map<string, GateOutcome>(
    gates.map((g) => [g.id, { status: 'crashed', findings: [], details: [] }]),
  );
  await Promise.all(
    gates.map(async (g) => {
      try {
        const r = await g.body(ctx);
        out.set(g.id, { status: r.status, findings: r.findings, details: r.details });
      } catch (err) {
        const inc = toInconclusive(err);
        out.set(
          g.id,
          inc
            ? {
                status: 'inconclusive',
                findings: [{ object: g.id, message: inc.message, hint: inc.hint }],
                details: [],
              }
            : { status: 'crashed', findings: [crashFinding(g.id, err)], details: [] },
        );
      }
    }),
  );
  return out;
}

/** What one in-process run of some suites' checks gave on one scenario. */
export interface ScenarioGates {
  outcomes: Map<string, GateOutcome>;
  /** One check's outcome; throws naming the checks there are when the id is unknown. */
  check(id: string): GateOutcome;
  /** The ids of the checks that are neither passed nor skipped, in declaration order. */
  notPassed(): string[];
  /** The gate's verdict over these checks (a crash counts as inconclusive, as in the CLI). */
  verdict: Verdict;
  /** The exit code the CLI gives that verdict. */
  exitCode: ExitCodeValue;
}

/**
 * Starts the simulator on a scenario (one simulator for the whole run), runs the given suites' check
 * bodies against it in-process, and stops it. `scenario` is relative to the repository root.
 */
export async function gatesOnScenario(
  scenario: string,
  groups: GateGroup[],
  opts: RunGatesOptions & { profile?: Profile } = {},
): Promise<ScenarioGates> {
  const sim = await startSimulator({ scenario: path.resolve(import.meta.dirname, '../..', scenario) });
  let outcomes: Map<string, GateOutcome>;
  try {
    outcomes = await runGates(sim.kubeconfigPath, opts.profile ?? defaultProfile, groups, opts);
  } finally {
    await sim.stop();
  }
  const verdict = verdictOf(
    [...outcomes].map(([id, o]) => ({
      id,
      title: id,
      suite: 'mesh',
      status: o.status === 'crashed' ? 'inconclusive' : o.status,
      findings: o.findings,
      details: o.details,
    })),
  );
  return {
    outcomes,
    check(id) {
      const o = outcomes.get(id);
      if (!o) throw new Error(`no check ${id} in ${[...outcomes.keys()].join(', ')}`);
      return o;
    },
    notPassed: () =>
      [...outcomes].filter(([, o]) => o.status !== 'passed' && o.status !== 'skipped').map(([id]) => id),
    verdict,
    exitCode: exitCodeOf(verdict),
  };
}
