// The guide's Step 7 smoke run against the mesh services directly (health and main paths), before
// any user traffic moves. A run that cannot be judged is INCONCLUSIVE, never FAIL.

import type { ClusterClient } from '../cluster/index.ts';
import { resolveScriptProfile } from '../load/script-profile.ts';
import type { LoadResult } from '../load/types.ts';
import type { Profile } from '../profile/index.ts';
import type { Verdict } from '../report/types.ts';
import { loadRunnerFor, runLoad } from './load.ts';
import type { GateRun } from './run.ts';

export interface SmokeOutcome {
  verdict: Verdict;
  reason: string;
}

/** `--load none` cannot smoke-test anything: INCONCLUSIVE. */
export async function smokeGate(
  run: GateRun,
  profile: Profile,
  cluster: ClusterClient,
  load: string,
): Promise<SmokeOutcome> {
  if (load === 'none') {
    return {
      verdict: 'INCONCLUSIVE',
      reason: 'not run (--load none): pass --load builtin or k6 to smoke-test the mesh',
    };
  }
  const runner = await loadRunnerFor(load, profile, run.env);
  const urls = smokeUrls(profile);
  run.progress.line(`smoke run: GET ${urls.join(', ')}`);
  const r = await runLoad(
    run,
    runner,
    { step: 0, runId: `smoke-${Date.now()}`, script: 'smoke' },
    { profile, cluster },
  );
  if ('unavailable' in r) return { verdict: 'INCONCLUSIVE', reason: r.unavailable };
  if (nothingAnswered(r)) return { verdict: 'INCONCLUSIVE', reason: unreachableReason(profile, urls, r) };
  if (r.verdict === 'PASS')
    return {
      verdict: 'PASS',
      reason: `${r.achieved.requests} requests, every check and threshold held (${r.runner})`,
    };
  const failed = r.thresholds
    .filter((t) => !t.ok)
    .map((t) => `${t.metric} ${t.expression} (actual ${t.actual ?? 'n/a'})`);
  return {
    verdict: r.verdict,
    reason: `${r.runner}: ${r.verdict === 'INCONCLUSIVE' ? `cannot be judged: ${r.reason}; ` : ''}${[...failed, ...r.notes].join('; ') || r.reason}`,
  };
}

/** The URLs the smoke run requests, as the load script resolves them (profile or defaults). */
export function smokeUrls(profile: Profile): string[] {
  const script = resolveScriptProfile(profile, { step: 0, runId: 'smoke', script: 'smoke' });
  return script.smoke.targets.map(
    (t) => `${(t.url ?? script.targetUrl).replace(/\/$/, '')}${t.path.startsWith('/') ? '' : '/'}${t.path}`,
  );
}

/** No target gave any answer at all: from here they cannot be reached, which says nothing of the mesh. */
function nothingAnswered(r: LoadResult): boolean {
  return r.notes.some((n) => /^responses: none\b/.test(n));
}

/**
 * Why nothing answered, and how to reach the services: the default targets are in-cluster names
 * (`zamaz-api.zamaz-mesh:8080`) that resolve only inside the cluster.
 */
function unreachableReason(profile: Profile, urls: string[], r: LoadResult): string {
  const errors = r.notes.find((n) => /^responses: none/.test(n))?.replace(/^responses: none;?\s*/, '');
  const mesh = profile.namespaces.mesh;
  const [first] = profile.app.workloads;
  const forward = first
    ? `kubectl -n ${mesh} port-forward svc/${first.service} ${first.servicePort}:${first.servicePort}, then set load.smokeTargets: [{ name: '${first.name} health', url: 'http://127.0.0.1:${first.servicePort}', path: '${first.healthPath}' }]`
    : `kubectl -n ${mesh} port-forward svc/<service> <port>, then set load.smokeTargets`;
  return (
    `none of the smoke targets answered from this machine (${errors || 'no response'}): ${urls.join(', ')}. ` +
    'Names such as ' +
    `${first ? `${first.service}.${mesh}:${first.servicePort}` : `<service>.${mesh}`} resolve only inside the cluster: ` +
    'run meshgate test in the cluster (deploy/kubernetes/job.yaml), or port-forward and point the profile at it: ' +
    `${forward}; the gateway paths go to load.targetUrl (${profile.load.targetUrl}), e.g. ` +
    `kubectl -n ${profile.namespaces.istio} port-forward svc/${profile.istio.ingressGateway.name} 8081:80 and load.targetUrl: 'http://127.0.0.1:8081'`
  );
}
