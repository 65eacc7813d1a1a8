import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  ClusterClient,
  ClusterError,
  loadKubeConfig,
  Resources,
  type KubeObject,
  type ResourceRef,
} from '../../cluster/index.ts';
import { loadProfile } from '../../profile/index.ts';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import { profileOverrides, type GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';

const CLUSTER_KINDS: ResourceRef[] = [
  Resources.namespaces,
  Resources.nodes,
  Resources.storageClasses,
  Resources.csiDrivers,
  Resources.mutatingWebhooks,
  Resources.validatingWebhooks,
  Resources.crds,
  Resources.clusterRoles,
  Resources.clusterRoleBindings,
  Resources.clusterSpiffeIds,
];

const NAMESPACED_KINDS: ResourceRef[] = [
  Resources.pods,
  Resources.services,
  Resources.serviceAccounts,
  Resources.configMaps,
  Resources.deployments,
  Resources.statefulSets,
  Resources.daemonSets,
  Resources.replicaSets,
  Resources.networkPolicies,
  Resources.gateways,
  Resources.virtualServices,
  Resources.destinationRules,
  Resources.peerAuthentications,
  Resources.authorizationPolicies,
  Resources.roles,
  Resources.roleBindings,
];

const SECRETISH = /token|password|passwd|secret|credential|api[-_]?key|private[-_]?key/i;

/**
 * Removes what must never leave the cluster in a snapshot: values of env vars and ConfigMap keys
 * whose names look like credentials, and server-side bookkeeping nobody needs to replay.
 */
export function scrub(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj) as KubeObject & { data?: Record<string, string>; binaryData?: unknown };
  delete (copy.metadata as { managedFields?: unknown }).managedFields;
  const ann = copy.metadata.annotations;
  if (ann) delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  if (copy.kind === 'ConfigMap' && copy.data) {
    for (const k of Object.keys(copy.data)) if (SECRETISH.test(k)) copy.data[k] = '<redacted by meshgate>';
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const rec = node as Record<string, unknown>;
    if (typeof rec.name === 'string' && typeof rec.value === 'string' && SECRETISH.test(rec.name)) {
      rec.value = '<redacted by meshgate>';
    }
    Object.values(rec).forEach(visit);
  };
  visit(copy.spec);
  return copy;
}

/** `meshgate snapshot --out DIR`: what the suites read, as a scenario `meshgate sim` can replay. */
export async function snapshot(out: string, global: GlobalOptions, io: Io): Promise<ExitCodeValue> {
  const { profile } = await loadProfile({ configPath: global.config, overrides: profileOverrides(global) });
  const cluster = new ClusterClient(
    loadKubeConfig({ kubeconfig: global.kubeconfig, context: global.context }),
  );
  const missing: string[] = [];
  const dir = path.resolve(out);
  mkdirSync(dir, { recursive: true });
  const grab = async (ref: ResourceRef, namespace?: string): Promise<KubeObject[]> => {
    try {
      return (await cluster.list(ref, { namespace })).map(scrub);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      missing.push(err.message);
      return [];
    }
  };
  let version: unknown;
  try {
    version = await cluster.version();
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    io.err(`error: ${err.message}\n`);
    return ExitCode.Inconclusive;
  }
  const clusterObjects: unknown[] = [
    {
      apiVersion: 'sim.meshgate.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'cluster' },
      spec: { version, forbidden: [] },
    },
  ];
  for (const ref of CLUSTER_KINDS) clusterObjects.push(...(await grab(ref)));
  writeFileSync(
    path.join(dir, 'cluster.yaml'),
    stringify({ apiVersion: 'v1', kind: 'List', items: clusterObjects }),
  );
  let count = clusterObjects.length;
  const ns = profile.namespaces;
  for (const namespace of [...new Set([ns.istio, ns.spire, ns.mesh, ns.legacy, ns.monitoring])]) {
    const items: KubeObject[] = [];
    for (const ref of NAMESPACED_KINDS) items.push(...(await grab(ref, namespace)));
    mkdirSync(path.join(dir, namespace), { recursive: true });
    writeFileSync(
      path.join(dir, namespace, 'objects.yaml'),
      stringify({ apiVersion: 'v1', kind: 'List', items }),
    );
    count += items.length;
  }
  io.out(`recorded ${count} objects into ${dir} (Secrets are never recorded)\n`);
  if (missing.length) {
    io.err(`could not record:\n${missing.map((m) => `  - ${m}`).join('\n')}\n`);
    return ExitCode.Inconclusive;
  }
  return ExitCode.Pass;
}
