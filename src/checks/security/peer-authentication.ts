import type { KubeObject } from '../../cluster/types.ts';
import { podContainers } from '../common/containers.ts';
import {
  formatSelector,
  matchesSelector,
  readSelector,
  type LabelSelector,
} from '../common/label-selector.ts';
import { labelsOf, num, rec, recs, str } from '../common/narrow.ts';
import { objectName } from '../types.ts';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
type DeclaredMode = MtlsMode | 'UNSET';

export interface PeerAuthn {
  name: string;
  namespace: string;
  created: string;
  /** Undefined when the policy has no selector (or an empty matchLabels: Istio treats both alike). */
  selector?: LabelSelector;
  mode: DeclaredMode;
  portLevel: Map<number, DeclaredMode>;
}

export type Scope = 'mesh' | 'namespace' | 'workload';

/** Where an effective mode came from: a policy and its scope, or Istio's default. */
export interface ModeSource {
  mode: MtlsMode;
  /** `PeerAuthentication/ns/name`, or undefined for "no policy sets a mode". */
  policy?: string;
  scope?: Scope | 'port';
}

export interface PodMtls {
  pod: string;
  /** The pod-level mode: every port not listed in `ports`. */
  otherPorts: ModeSource;
  ports: { port: number; source: ModeSource }[];
  /** Policies in scope that Istio ignores for this pod, and why (for the report). */
  ignored: string[];
}

function declaredMode(value: unknown): DeclaredMode {
  const m = str(rec(value).mode);
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : 'UNSET';
}

export function readPeerAuthn(obj: KubeObject): PeerAuthn {
  const spec = rec(obj.spec);
  const sel = spec.selector === undefined ? undefined : readSelector(rec(spec.selector));
  const portLevel = new Map<number, DeclaredMode>();
  for (const [key, value] of Object.entries(rec(spec.portLevelMtls))) {
    const port = Number(key);
    if (Number.isInteger(port)) portLevel.set(port, declaredMode(value));
  }
  return {
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? '',
    created: obj.metadata.creationTimestamp ?? '',
    // Istio (composePeerAuthentication) treats a selector without matchLabels as no selector.
    ...(sel && Object.keys(sel.matchLabels ?? {}).length > 0 ? { selector: sel } : {}),
    mode: declaredMode(spec.mtls),
    portLevel,
  };
}

const ref = (p: PeerAuthn): string => objectName('PeerAuthentication', p.name, p.namespace);

/** Istio's order within a scope: oldest creationTimestamp first, then name. */
function byAge(a: PeerAuthn, b: PeerAuthn): number {
  const t = Date.parse(a.created) - Date.parse(b.created);
  if (Number.isFinite(t) && t !== 0) return t;
  return a.name.localeCompare(b.name);
}

/** The container ports of a pod's application containers (the sidecar's own ports are not inbound). */
export function appPorts(pod: KubeObject): number[] {
  const ports = new Set<number>();
  for (const c of podContainers(pod)) {
    if (c.name === 'istio-proxy' || c.kind === 'init' || c.kind === 'ephemeral') continue;
    for (const p of recs(c.spec.ports)) {
      const n = num(p.containerPort);
      if (n !== undefined) ports.add(n);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * The effective PeerAuthentication of one pod, as istiod computes it (pilot's
 * composePeerAuthentication): the oldest mesh-wide (root namespace, no selector), namespace-wide and
 * workload (selector, own namespace) policy each; a later scope overrides an earlier one unless its
 * mode is UNSET; port-level modes only from the workload policy, UNSET ports inheriting; no policy
 * at all is PERMISSIVE. A selector in the root namespace is ignored.
 */
export function resolvePodMtls(pod: KubeObject, policies: PeerAuthn[], rootNamespace: string): PodMtls {
  const ns = pod.metadata.namespace ?? '';
  const labels = labelsOf(pod.metadata.labels);
  const ignored: string[] = [];
  const mesh: PeerAuthn[] = [];
  const namespaceWide: PeerAuthn[] = [];
  const workload: PeerAuthn[] = [];
  for (const p of policies) {
    if (p.selector === undefined) {
      if (p.namespace === rootNamespace) mesh.push(p);
      else if (p.namespace === ns) namespaceWide.push(p);
    } else if (p.namespace === rootNamespace) {
      if (matchesSelector(p.selector, labels)) {
        ignored.push(
          `${ref(p)} selects ${formatSelector(p.selector)} in the root namespace ${rootNamespace}: Istio ignores selectors there`,
        );
      }
    } else if (p.namespace === ns && matchesSelector(p.selector, labels)) {
      workload.push(p);
    }
  }
  const pick = (list: PeerAuthn[], scope: string): PeerAuthn | undefined => {
    const sorted = [...list].sort(byAge);
    for (const newer of sorted.slice(1)) {
      ignored.push(
        `${ref(newer)} (${newer.mode}) is ignored: ${ref(sorted[0] as PeerAuthn)} is the older ${scope} policy`,
      );
    }
    return sorted[0];
  };
  const meshCfg = pick(mesh, 'mesh-wide');
  const nsCfg = pick(namespaceWide, 'namespace-wide');
  const wlCfg = pick(workload, 'workload');

  let current: ModeSource = { mode: 'PERMISSIVE' };
  for (const [cfg, scope] of [
    [meshCfg, 'mesh'],
    [nsCfg, 'namespace'],
    [wlCfg, 'workload'],
  ] as const) {
    if (cfg && cfg.mode !== 'UNSET') current = { mode: cfg.mode, policy: ref(cfg), scope };
  }
  const ports: { port: number; source: ModeSource }[] = [];
  const wanted = new Set(appPorts(pod));
  if (wlCfg) for (const port of wlCfg.portLevel.keys()) wanted.add(port);
  for (const port of [...wanted].sort((a, b) => a - b)) {
    const declared = wlCfg?.portLevel.get(port);
    ports.push({
      port,
      source:
        wlCfg && declared !== undefined && declared !== 'UNSET'
          ? { mode: declared, policy: ref(wlCfg), scope: 'port' }
          : current,
    });
  }
  for (const p of [...mesh, ...namespaceWide].filter((x) => x.portLevel.size > 0)) {
    ignored.push(`${ref(p)} sets portLevelMtls without a selector: Istio ignores it`);
  }
  return { pod: objectName('Pod', pod.metadata.name, ns), otherPorts: current, ports, ignored };
}
