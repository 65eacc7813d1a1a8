import type { ExecResult, KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { readSelector, matchesSelector } from '../common/label-selector.ts';
import { num, rec, recs, str } from '../common/narrow.ts';
import { Inconclusive } from '../inconclusive.ts';
import { failed, objectName, passed, type CheckResult, type Finding } from '../types.ts';
import {
  findByName,
  labels,
  nodeOf,
  podReady,
  podsOfWorkload,
  rolloutStatus,
  serviceAccountOf,
} from './k8s.ts';
import { readMeshConfig } from './istio.ts';

export const SPIRE_MANAGED_LABEL = 'spiffe.io/spire-managed-identity';

/** The argv for a spire-server subcommand, with `-socketPath` when the profile moves the socket. */
export function spireServerArgv(profile: Profile, ...args: string[]): string[] {
  const { binary, socketPath } = profile.spire.server;
  return [binary, ...args, ...(socketPath ? ['-socketPath', socketPath] : [])];
}

export function checkSpireServer(
  workload: KubeObject | undefined,
  health: ExecResult | undefined,
  profile: Profile,
): CheckResult {
  const { kind, name } = profile.spire.server;
  const ns = profile.namespaces.spire;
  const obj = objectName(kind, name, ns);
  if (!workload) {
    return failed([
      {
        object: obj,
        message: `${obj} does not exist: there is no SPIRE server to issue workload identities`,
        hint: `helm upgrade --install spire spire/spire -n ${ns} (or correct spire.server in meshgate.config.ts)`,
      },
    ]);
  }
  const { desired, ready } = rolloutStatus(workload);
  const findings: Finding[] = [];
  if (ready < 1) {
    findings.push({
      object: obj,
      message: `${obj} has ${ready}/${desired} ready replicas`,
      hint: `kubectl -n ${ns} describe ${kind.toLowerCase()}/${name}; kubectl -n ${ns} logs ${kind.toLowerCase()}/${name} -c ${profile.spire.server.container}`,
      field: 'status.readyReplicas',
      expected: '>= 1',
      actual: String(ready),
    });
  }
  if (health && !(health.exitCode === 0 && /Server is healthy/.test(health.stdout))) {
    findings.push({
      object: obj,
      message: `spire-server healthcheck failed (exit ${health.exitCode}): ${(health.stderr || health.stdout).trim() || 'no output'}`,
      hint: `kubectl -n ${ns} logs ${kind.toLowerCase()}/${name} -c ${profile.spire.server.container}`,
    });
  }
  return failed(
    findings,
    `${name} ${ready}/${desired} ready${health ? `, healthcheck: ${health.stdout.trim() || health.stderr.trim()}` : ''}`,
  );
}

function tainted(node: KubeObject): boolean {
  return recs(rec(node.spec).taints).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/**
 * Nodes that need a node-local SPIRE component: every schedulable node (a mesh pod may land there next)
 * plus any node already running a SPIRE-managed pod.
 */
export function nodesNeedingSpire(nodes: KubeObject[], managedPods: KubeObject[]): string[] {
  const names = new Set(
    nodes.filter((n) => !tainted(n) && rec(n.spec).unschedulable !== true).map((n) => n.metadata.name),
  );
  for (const p of managedPods) {
    const n = nodeOf(p);
    if (n) names.add(n);
  }
  return [...names].sort();
}

/** A DaemonSet has a ready pod on each node that needs it (used for the SPIRE agent and the CSI driver). */
function checkNodeDaemon(
  ds: KubeObject | undefined,
  dsName: string,
  role: string,
  pods: KubeObject[],
  nodes: KubeObject[],
  managedPods: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.spire;
  const obj = objectName('DaemonSet', dsName, ns);
  if (!ds) {
    return failed([
      {
        object: obj,
        message: `${obj} does not exist: no ${role} runs on any node`,
        hint: `helm upgrade --install spire spire/spire -n ${ns} (or correct the name in meshgate.config.ts)`,
      },
    ]);
  }
  const own = podsOfWorkload(ds, pods);
  const readyOn = new Set(own.filter(podReady).map(nodeOf));
  const needed = nodesNeedingSpire(nodes, managedPods);
  const findings: Finding[] = [];
  for (const node of needed.filter((n) => !readyOn.has(n))) {
    const users = managedPods
      .filter((p) => nodeOf(p) === node)
      .map((p) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`);
    findings.push({
      object: objectName('Node', node),
      message:
        `no ready ${role} (${obj}) on node ${node}` +
        (users.length
          ? `: ${users.join(', ')} cannot get a SPIFFE identity there`
          : ': mesh pods scheduled there will get no identity'),
      hint: `check the DaemonSet's nodeSelector, affinity and tolerations, then kubectl -n ${ns} get pods -l ${Object.entries(
        rec(rec(ds.spec).selector).matchLabels ?? {},
      )
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')} -o wide`,
    });
  }
  const { desired, ready } = rolloutStatus(ds);
  return failed(
    findings,
    `${dsName}: ${ready}/${desired} ready, on ${[...readyOn].filter(Boolean).sort().join(', ') || 'no node'}; needed on ${needed.join(', ')}`,
  );
}

export function checkSpireAgents(
  daemonSets: KubeObject[],
  pods: KubeObject[],
  nodes: KubeObject[],
  managedPods: KubeObject[],
  profile: Profile,
): CheckResult {
  const name = profile.spire.agentDaemonSet;
  return checkNodeDaemon(
    findByName(daemonSets, name, profile.namespaces.spire),
    name,
    'SPIRE agent',
    pods,
    nodes,
    managedPods,
    profile,
  );
}

export function checkCsiDriver(
  csiDrivers: KubeObject[],
  daemonSets: KubeObject[],
  pods: KubeObject[],
  nodes: KubeObject[],
  managedPods: KubeObject[],
  profile: Profile,
): CheckResult {
  const driver = profile.spire.csiDriver;
  const name = profile.spire.csiDaemonSet;
  const node = checkNodeDaemon(
    findByName(daemonSets, name, profile.namespaces.spire),
    name,
    'SPIFFE CSI driver',
    pods,
    nodes,
    managedPods,
    profile,
  );
  if (findByName(csiDrivers, driver)) return node;
  return failed(
    [
      {
        object: objectName('CSIDriver', driver),
        message: `CSIDriver ${driver} is not registered: pods mounting the workload socket as a ${driver} CSI volume cannot start`,
        hint: `install the SPIFFE CSI driver (helm upgrade --install spire spire/spire -n ${profile.namespaces.spire}, which includes it)`,
      },
      ...node.findings,
    ],
    ...node.details,
  );
}

/** `trust_domain = "x"` from SPIRE's HCL `server.conf` (the only field read, so no HCL parser). */
export function spireTrustDomain(serverConf: string): string | undefined {
  return /^\s*trust_domain\s*=\s*"([^"]*)"/m.exec(serverConf)?.[1];
}

/** Istio and SPIRE must agree on the trust domain: SVIDs from SPIRE carry it, Istio's policies match it. */
export function checkTrustDomain(
  spireConfig: KubeObject | undefined,
  meshConfig: KubeObject | undefined,
  profile: Profile,
): CheckResult {
  const cmObj = objectName('ConfigMap', profile.spire.serverConfigMap, profile.namespaces.spire);
  const conf = Object.values(rec(spireConfig?.data)).find(
    (v): v is string => typeof v === 'string' && /trust_domain/.test(v),
  );
  const spire = conf === undefined ? undefined : spireTrustDomain(conf);
  if (spire === undefined) {
    throw new Inconclusive(
      `${cmObj} ${spireConfig ? 'has no trust_domain in its server.conf' : 'does not exist'}: SPIRE's trust domain cannot be read`,
      'set spire.serverConfigMap in meshgate.config.ts to the ConfigMap holding server.conf',
    );
  }
  const istio = readMeshConfig(meshConfig)?.trustDomain;
  const want = profile.trustDomain;
  const findings: Finding[] = [];
  if (spire !== want) {
    findings.push({
      object: cmObj,
      message: `SPIRE's trust domain is ${spire}, Istio's is ${istio ?? '?'} and the profile expects ${want}: SVIDs issued as spiffe://${spire}/... do not match Istio's policies`,
      hint: `set trust_domain = "${want}" in server.conf (helm upgrade spire spire/spire -n ${profile.namespaces.spire} --set global.spire.trustDomain=${want}); changing it re-issues every identity`,
      field: 'data.server.conf trust_domain',
      expected: want,
      actual: spire,
    });
  }
  if (istio !== undefined && istio !== want) {
    findings.push({
      object: objectName(
        'ConfigMap',
        meshConfig?.metadata.name ?? profile.istio.meshConfigMap,
        profile.namespaces.istio,
      ),
      message: `Istio's meshConfig.trustDomain is ${istio}, SPIRE's is ${spire}, the profile expects ${want}`,
      hint: `helm upgrade istiod istio/istiod -n ${profile.namespaces.istio} --reuse-values --set meshConfig.trustDomain=${want}`,
      field: 'data.mesh.trustDomain',
      expected: want,
      actual: istio,
    });
  }
  return failed(findings, `trust domain: SPIRE ${spire}, Istio ${istio ?? '(unread)'}, profile ${want}`);
}

/**
 * SPIRE Controller Manager registration: each ClusterSPIFFEID selecting the mesh namespace selects pods
 * and renders entries without failures. No ClusterSPIFFEID at all is allowed (hand-made entries):
 * mesh.spire.entries then decides.
 */
export function checkClusterSpiffeIds(
  ids: KubeObject[],
  namespaces: KubeObject[],
  profile: Profile,
): CheckResult {
  const meshNs = findByName(namespaces, profile.namespaces.mesh);
  const nsLabels = meshNs ? labels(meshNs) : { 'kubernetes.io/metadata.name': profile.namespaces.mesh };
  const selecting = ids.filter((id) =>
    matchesSelector(readSelector(rec(id.spec).namespaceSelector), nsLabels),
  );
  if (selecting.length === 0) {
    return passed(
      `no ClusterSPIFFEID selects ${profile.namespaces.mesh}: registration is by hand-made entries (see mesh.spire.entries)`,
    );
  }
  const findings: Finding[] = [];
  for (const id of selecting) {
    const stats = rec(rec(id.status).stats);
    const obj = objectName('ClusterSPIFFEID', id.metadata.name);
    const podsSelected = num(stats.podsSelected) ?? 0;
    const failures = (num(stats.entryFailures) ?? 0) + (num(stats.podEntryRenderFailures) ?? 0);
    const template = str(rec(id.spec).spiffeIDTemplate) ?? '';
    if (podsSelected === 0) {
      findings.push({
        object: obj,
        message: `${obj} selects ${profile.namespaces.mesh} but 0 pods: its podSelector matches no pod, so no entry is created`,
        hint: `label the pod templates ${SPIRE_MANAGED_LABEL}: "true" (the spire injection template does) or fix spec.podSelector`,
        field: 'status.stats.podsSelected',
        expected: '> 0',
        actual: '0',
      });
    }
    if (failures > 0) {
      findings.push({
        object: obj,
        message: `${obj} reports ${failures} entry failure(s) (entryFailures + podEntryRenderFailures)`,
        hint: `kubectl -n ${profile.namespaces.spire} logs ${profile.spire.server.kind.toLowerCase()}/${profile.spire.server.name} -c spire-controller-manager`,
        field: 'status.stats.entryFailures',
        expected: '0',
        actual: String(failures),
      });
    }
    if (
      template &&
      !template.includes('{{ .TrustDomain }}') &&
      !template.startsWith(`spiffe://${profile.trustDomain}/`)
    ) {
      findings.push({
        object: obj,
        message: `${obj} renders IDs as ${template}, outside the trust domain ${profile.trustDomain}`,
        hint: `use spiffeIDTemplate: spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}`,
      });
    }
  }
  return failed(
    findings,
    ...selecting.map(
      (id) => `${id.metadata.name}: ${num(rec(rec(id.status).stats).podsSelected) ?? 0} pods selected`,
    ),
  );
}

export interface SpireEntry {
  id: string;
  spiffeId: string;
  parentId: string;
  selectors: { type: string; value: string }[];
}

function spiffeIdOf(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = rec(v);
  return `spiffe://${str(o.trust_domain) ?? ''}${str(o.path) ?? ''}`;
}

/** Parses `spire-server entry show -output json` (SPIRE >= 1.5: IDs are objects, int64 fields strings). */
export function parseEntries(stdout: string): SpireEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Inconclusive(
      `spire-server entry show -output json did not print JSON (${stdout.slice(0, 80).trim() || 'empty output'})`,
      'SPIRE 1.5 or later is needed for -output json; check spire.server.binary and spire.server.socketPath in meshgate.config.ts',
    );
  }
  return recs(rec(doc).entries).map((e) => ({
    id: str(e.id) ?? '',
    spiffeId: spiffeIdOf(e.spiffe_id),
    parentId: spiffeIdOf(e.parent_id),
    selectors: recs(e.selectors).map((s) => ({ type: str(s.type) ?? '', value: str(s.value) ?? '' })),
  }));
}

/** Whether every k8s selector of an entry holds for the pod; selectors of other plugins are not ours to judge. */
function entrySelectsPod(entry: SpireEntry, pod: KubeObject): boolean {
  const k8s = entry.selectors.filter((s) => s.type === 'k8s');
  if (k8s.length === 0) return false;
  return k8s.every(({ value }) => {
    const colon = value.indexOf(':');
    const key = value.slice(0, colon);
    const arg = value.slice(colon + 1);
    switch (key) {
      case 'ns':
        return pod.metadata.namespace === arg;
      case 'sa':
        return serviceAccountOf(pod) === arg;
      case 'pod-uid':
        return pod.metadata.uid === arg;
      case 'pod-name':
        return pod.metadata.name === arg;
      case 'node-name':
        return nodeOf(pod) === arg;
      case 'pod-label': {
        const i = arg.indexOf(':');
        return labels(pod)[arg.slice(0, i)] === arg.slice(i + 1);
      }
      default:
        // container-image, container-name, pod-image...: resolved by the agent at attestation time.
        return true;
    }
  });
}

export function expectedSpiffeId(pod: KubeObject, profile: Profile): string {
  return `spiffe://${profile.trustDomain}/ns/${pod.metadata.namespace ?? ''}/sa/${serviceAccountOf(pod)}`;
}

/**
 * Every SPIRE-managed pod has a registration entry with its expected SPIFFE ID, by the controller
 * manager's `k8s:pod-uid` form or a hand-made `k8s:ns` + `k8s:sa` entry.
 */
export function checkSpireEntries(
  entries: SpireEntry[],
  managedPods: KubeObject[],
  profile: Profile,
): CheckResult {
  const findings: Finding[] = [];
  let uidForm = 0;
  for (const pod of managedPods) {
    const want = expectedSpiffeId(pod, profile);
    const obj = objectName('Pod', pod.metadata.name, pod.metadata.namespace);
    const matching = entries.filter((e) => entrySelectsPod(e, pod));
    const right = matching.find((e) => e.spiffeId === want);
    if (right) {
      if (right.selectors.some((s) => s.value.startsWith('pod-uid:'))) uidForm++;
      continue;
    }
    const ns = pod.metadata.namespace ?? '';
    findings.push(
      matching.length
        ? {
            object: obj,
            message: `SPIRE entries for ${obj} issue ${matching.map((e) => e.spiffeId).join(', ')}, expected ${want}`,
            hint: `fix the ClusterSPIFFEID spiffeIDTemplate or the hand-made entry (spire-server entry update -entryID ${matching[0]?.id ?? '<id>'} -spiffeID ${want} ...)`,
            field: 'spiffe_id',
            expected: want,
            actual: matching.map((e) => e.spiffeId).join(', '),
          }
        : {
            object: obj,
            message: `no SPIRE registration entry selects ${obj} (uid ${pod.metadata.uid ?? '?'}): it gets no SVID for ${want}`,
            hint:
              `check that a ClusterSPIFFEID selects it (label ${SPIRE_MANAGED_LABEL}: "true", kubectl get clusterspiffeids) ` +
              `or create an entry: kubectl -n ${profile.namespaces.spire} exec ${profile.spire.server.name}-0 -c ${profile.spire.server.container} -- ` +
              `${profile.spire.server.binary} entry create -spiffeID ${want} -parentID <agent id> -selector k8s:ns:${ns} -selector k8s:sa:${serviceAccountOf(pod)}`,
          },
    );
  }
  if (managedPods.length === 0) {
    return failed([
      {
        object: `Namespace/${profile.namespaces.mesh}`,
        message: `no running SPIRE-managed pod found in ${profile.namespaces.mesh}: nothing to verify entries for`,
        hint: 'deploy the application to the mesh namespace first (guide step 5)',
      },
    ]);
  }
  return failed(
    findings,
    `${entries.length} entries; ${managedPods.length - findings.length}/${managedPods.length} pods registered (${uidForm} by pod uid, ${managedPods.length - findings.length - uidForm} by ns/sa)`,
  );
}
