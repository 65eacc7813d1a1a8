import os from 'node:os';
import { ClusterClient, ClusterError, loadKubeConfig } from '../../src/cluster/index.ts';
import { isInconclusive } from '../../src/checks/inconclusive.ts';
import type { CheckStatus, Finding } from '../../src/checks/types.ts';
import type { Profile } from '../../src/profile/index.ts';
import type { SuiteContext } from '../../suites/support/context.ts';
import type { GateGroup } from '../../suites/support/gate-spec.ts';

export interface GateOutcome {
  status: CheckStatus | 'crashed';
  findings: Finding[];
  details: string[];
}

/**
 * Runs a suite's check bodies in-process against a cluster (the simulator), classifying what they
 * return or throw the way suites/support/gate.ts does: a ClusterError or Inconclusive is
 * inconclusive, anything else a crash. Much cheaper than the CLI (no vitest boot per run), for tests
 * that compare many scenarios.
 */
export async function runGates(
  kubeconfig: string,
  profile: Profile,
  groups: GateGroup[],
): Promise<Map<string, GateOutcome>> {
  const cluster = new ClusterClient(loadKubeConfig({ kubeconfig }));
  const ctx: SuiteContext = {
    run: { profile, kubeconfig, reportDir: os.tmpdir(), probe: false },
    profile,
    cluster,
  };
  const out = new Map<string, GateOutcome>();
  await Promise.all(
    groups
      .flatMap((g) => g.gates)
      .map(async (g) => {
        try {
          const r = await g.body(ctx);
          out.set(g.id, { status: r.status, findings: r.findings, details: r.details });
        } catch (err) {
          if (isInconclusive(err) || err instanceof ClusterError) {
            const hint = isInconclusive(err) ? err.hint : '';
            out.set(g.id, {
              status: 'inconclusive',
              findings: [{ object: g.id, message: err.message, hint }],
              details: [],
            });
          } else {
            out.set(g.id, {
              status: 'crashed',
              findings: [
                { object: g.id, message: err instanceof Error ? err.message : String(err), hint: '' },
              ],
              details: [],
            });
          }
        }
      }),
  );
  return out;
}
