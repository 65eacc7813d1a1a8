// The end of a demo run: the state meshgate left the cluster in (read back from the simulator), the
// summary document (demo-summary.json) and the summary printed after the last stage.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { formatDuration } from '../src/core/index.ts';
import { table, type Display, type Verdict } from './display.ts';
import type { FaultName } from './faults.ts';
import type { World } from './world.ts';

export interface StageRecord {
  index: string;
  name: string;
  command: string;
  exitCode: number | null;
  verdict: Verdict;
  startedAt: string;
  durationMs: number;
  meshWeightAfter: number | null;
}

export type Outcome = 'migrated' | 'rolled-back' | 'stopped' | 'interrupted' | 'error';

export interface DemoSummary {
  schema: 'meshgate.dev/demo-summary/v1';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  exitCode: number;
  outcome: Outcome;
  reason: string;
  options: {
    window: string;
    interval: string;
    monitorInterval: string;
    rate: number;
    inject: FaultName | null;
    at: number | null;
    minDetectableIncrease: number;
    verify: boolean;
    trafficOnly: boolean;
  };
  stages: StageRecord[];
  final: {
    meshWeight: number | null;
    replicas: Record<string, number | null>;
    virtualService: string;
  } | null;
  weightChanges: World['weightChanges'];
  load: World['load'] | null;
  prometheus: string | null;
  reportDir: string;
  auditFile: string;
  processes: string;
}

const secs = (ms: number) => `${Math.round(ms / 1000)}s`;

/** A path relative to the working directory when it lies below it, else absolute. */
export function shortPath(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
}

/** The VirtualService's mesh weight and the mesh Deployments' replicas, read back from the simulator. */
export async function finalState(world: World): Promise<DemoSummary['final']> {
  const kc = new KubeConfig();
  kc.loadFromFile(world.sim.kubeconfigPath);
  const p = world.profile;
  const ns = p.namespaces.mesh;
  const vsName = p.traffic.virtualService;
  const vs = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1beta1',
    namespace: ns,
    plural: 'virtualservices',
    name: vsName,
  })) as { spec?: { http?: Array<{ route?: Array<{ destination?: { host?: string }; weight?: number }> }> } };
  const first = vs.spec?.http?.[0]?.route ?? [];
  const mesh = first
    .filter((r) => r.destination?.host?.includes(`.${ns}.`))
    .reduce((s, r) => s + (r.weight ?? 0), 0);
  const apps = kc.makeApiClient(AppsV1Api);
  const replicas: Record<string, number | null> = {};
  for (const w of p.app.workloads) {
    try {
      const d = await apps.readNamespacedDeployment({ name: w.name, namespace: ns });
      replicas[w.name] = d.spec?.replicas ?? null;
    } catch {
      replicas[w.name] = null;
    }
  }
  return { meshWeight: first.length > 0 ? mesh : null, replicas, virtualService: `${ns}/${vsName}` };
}

/** meshgate's audit lines of this run (audit.jsonl in the run directory). */
export function auditLines(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The closing summary: stages, the final state, the router's lag, the load, the audit trail. */
export function printSummary(
  display: Display,
  doc: DemoSummary,
  audit: Array<Record<string, unknown>>,
  file: string,
): void {
  display.line();
  display.title('━━ summary');
  if (doc.stages.length > 0) {
    const rows = [['#', 'STAGE', 'VERDICT', 'EXIT', 'MESH AFTER', 'TIME']];
    for (const s of doc.stages) {
      rows.push([
        s.index.split('/')[0]!,
        s.name,
        s.verdict,
        String(s.exitCode ?? '-'),
        s.meshWeightAfter === null ? '?' : `${s.meshWeightAfter} %`,
        secs(s.durationMs),
      ]);
    }
    for (const l of table(rows).split('\n')) display.line(`  ${l}`);
  }
  if (doc.final) {
    const replicas = Object.entries(doc.final.replicas)
      .map(([k, v]) => `${k} ${v ?? '?'}`)
      .join(', ');
    display.line(
      `  VirtualService ${doc.final.virtualService}: ${doc.final.meshWeight ?? '?'} % to the mesh; mesh Deployments: ${replicas} replicas`,
    );
  }
  const lags = doc.weightChanges.map((c) => c.lagMs).filter((l): l is number => l !== null);
  if (lags.length > 0) {
    display.line(
      `  router followed ${lags.length} weight change${lags.length === 1 ? '' : 's'}, at most ${Math.max(...lags)} ms after each was recorded`,
    );
  }
  if (doc.load) {
    display.line(
      `  load: ${doc.load.requests.toLocaleString('en-US')} requests through the router at ${doc.options.rate} req/s` +
        ` (${doc.load.dropped} dropped, ${doc.load.failed} failed)${doc.load.notes.length ? `; ${doc.load.notes[0]}` : ''}`,
    );
  }
  if (audit.length > 0) {
    display.line(`  audit (${shortPath(doc.auditFile)}):`);
    for (const a of audit) {
      display.line(
        `    ${String(a.action)} ${String(a.outcome)}: ${String(a.from)} % → ${String(a.to)} %${a.verdict ? ` (verdict ${String(a.verdict)})` : ''}`,
      );
    }
  }
  display.line(`  reports: ${shortPath(doc.reportDir)} (summary ${shortPath(file)})`);
  const head: Verdict =
    doc.exitCode === 0
      ? 'PASS'
      : doc.exitCode === 1
        ? 'FAIL'
        : doc.exitCode === 2
          ? 'INCONCLUSIVE'
          : doc.outcome === 'interrupted'
            ? 'INTERRUPTED'
            : 'ERROR';
  display.line();
  display.line(
    `result: ${display.verdict(head)} — ${doc.reason} (${doc.outcome}, exit ${doc.exitCode}) in ${formatDuration(doc.durationMs)}`,
  );
}
