#!/usr/bin/env node
// Checks that a scenario directory is a self-consistent cluster: every file parses, every object is
// well formed, and the cross-object invariants the checks rely on hold (selectors match pods, SPIRE
// entries match pod uids, ClusterSPIFFEID counts match, ...).
//
//   node scenarios/validate.mjs                      # scenarios/healthy, all invariants
//   node scenarios/validate.mjs scenarios/foo        # another scenario
//   node scenarios/validate.mjs --structure-only DIR # only parse/shape checks (for deliberately broken scenarios)
//
// Exit code 0 when every check passes, 1 otherwise.
/* global process, console */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const structureOnly = args.includes('--structure-only');
const dir = args.find((a) => !a.startsWith('--')) ?? join(here, 'healthy');

const errors = [];
const notes = [];
const fail = (where, msg) => errors.push(`${where}: ${msg}`);

// ------------------------------------------------------------------ load
function walk(d) {
  return readdirSync(d)
    .sort()
    .flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : /\.ya?ml$/.test(f) ? [p] : [];
    });
}
const objects = [];
for (const file of walk(dir)) {
  const rel = relative(dir, file);
  const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'));
  docs.forEach((doc, i) => {
    if (doc.errors.length) return fail(`${rel}#${i}`, `YAML error: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value === null || value === undefined) return;
    const items = value.kind === 'List' ? (value.items ?? []) : [value];
    items.forEach((obj, j) =>
      objects.push({ obj, where: `${rel}#${i}${value.kind === 'List' ? `.items[${j}]` : ''}` }),
    );
  });
}

// ------------------------------------------------------------------ shape
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'PriorityClass',
  'ClusterProfile',
  'APIService',
  'IngressClass',
  'RuntimeClass',
]);
const BUILTIN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'networking.k8s.io',
  'storage.k8s.io',
  'rbac.authorization.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'policy',
  'autoscaling',
  'discovery.k8s.io',
  'coordination.k8s.io',
  'scheduling.k8s.io',
  'node.k8s.io',
  'sim.meshgate.dev',
]);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const groupOf = (apiVersion) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const versionOf = (apiVersion) => apiVersion.split('/').at(-1);

const crds = objects.filter(({ obj }) => obj?.kind === 'CustomResourceDefinition').map(({ obj }) => obj);
const crdByGroupKind = new Map(crds.map((c) => [`${c.spec.group}/${c.spec.names.kind}`, c]));
const seenUids = new Map();
const seenIds = new Map();
for (const { obj, where } of objects) {
  if (!obj || typeof obj !== 'object') {
    fail(where, 'not an object');
    continue;
  }
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string')
    fail(where, 'missing apiVersion/kind');
  const m = obj.metadata;
  if (!m || typeof m.name !== 'string' || !m.name) {
    fail(where, 'missing metadata.name');
    continue;
  }
  const group = groupOf(obj.apiVersion ?? '');
  const crd = crdByGroupKind.get(`${group}/${obj.kind}`);
  let namespaced = !CLUSTER_SCOPED.has(obj.kind);
  if (group === 'sim.meshgate.dev' && obj.kind === 'Scenario') continue; // overlay descriptor
  if (!BUILTIN_GROUPS.has(group)) {
    if (!crd) {
      if (!structureOnly) fail(where, `no CustomResourceDefinition for ${obj.kind}.${group}`);
    } else {
      namespaced = crd.spec.scope === 'Namespaced';
      const v = crd.spec.versions.find((x) => x.name === versionOf(obj.apiVersion));
      if (!v?.served) fail(where, `${obj.apiVersion} is not a served version of ${crd.metadata.name}`);
    }
  }
  if (namespaced && !m.namespace && !structureOnly)
    fail(where, `${obj.kind} ${m.name} is namespaced but has no metadata.namespace`);
  if (!namespaced && m.namespace)
    fail(where, `${obj.kind} ${m.name} is cluster-scoped but has metadata.namespace`);
  if (m.creationTimestamp !== undefined || !structureOnly) {
    if (!RFC3339.test(String(m.creationTimestamp ?? '')))
      fail(where, `creationTimestamp missing or not RFC 3339: ${m.creationTimestamp}`);
  }
  if (m.uid) {
    if (seenUids.has(m.uid)) fail(where, `uid ${m.uid} also used by ${seenUids.get(m.uid)}`);
    seenUids.set(m.uid, where);
  } else if (!structureOnly) fail(where, 'missing metadata.uid');
  const id = `${group}/${obj.kind}/${m.namespace ?? ''}/${m.name}`;
  if (seenIds.has(id)) fail(where, `duplicate object ${id} (also ${seenIds.get(id)})`);
  seenIds.set(id, where);
}
const all = objects.map((o) => o.obj).filter((o) => o?.metadata?.name);
const kind = (k) => all.filter((o) => o.kind === k);
const ns = (o) => o.metadata.namespace ?? '';
const label = (o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const namespaces = new Map(kind('Namespace').map((n) => [n.metadata.name, n]));
for (const o of structureOnly ? [] : all)
  if (o.metadata.namespace && !namespaces.has(o.metadata.namespace))
    fail(label(o), `namespace ${o.metadata.namespace} does not exist`);
const byUid = new Map(all.map((o) => [o.metadata.uid, o]));
for (const o of all) {
  for (const ref of o.metadata.ownerReferences ?? []) {
    const owner = byUid.get(ref.uid);
    if (!owner || owner.kind !== ref.kind || owner.metadata.name !== ref.name || ns(owner) !== ns(o))
      fail(label(o), `ownerReference ${ref.kind}/${ref.name} (${ref.uid}) does not resolve`);
  }
}

if (structureOnly) finish();

// ------------------------------------------------------------------ helpers
const matchLabels = (sel, labels) =>
  Object.entries(sel ?? {}).every(([k, v]) => (labels ?? {})[k] === String(v));
function matchSelector(sel, labels) {
  if (!sel) return false;
  if (!matchLabels(sel.matchLabels, labels)) return false;
  for (const e of sel.matchExpressions ?? []) {
    const v = (labels ?? {})[e.key];
    if (e.operator === 'In' && !e.values.includes(v)) return false;
    if (e.operator === 'NotIn' && v !== undefined && e.values.includes(v)) return false;
    if (e.operator === 'Exists' && v === undefined) return false;
    if (e.operator === 'DoesNotExist' && v !== undefined) return false;
  }
  return true;
}
function cpu(q) {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
}
function bytes(q) {
  const m = /^([0-9.]+)([KMGTPE]i?)?$/.exec(String(q));
  if (!m) return NaN;
  const mult = { K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}
const pods = kind('Pod');
const podsIn = (namespace) => pods.filter((p) => ns(p) === namespace);
const isReady = (p) =>
  p.status?.phase === 'Running' &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const allContainers = (p) => [...(p.spec.initContainers ?? []), ...p.spec.containers];
const nodes = new Map(kind('Node').map((n) => [n.metadata.name, n]));

// ------------------------------------------------------------------ nodes
let cpuSum = 0;
let memSum = 0;
const schedulable = [];
for (const n of nodes.values()) {
  if (!(n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
    fail(label(n), 'not Ready');
  if (!/^v\d+\.\d+\.\d+/.test(n.status?.nodeInfo?.kubeletVersion ?? ''))
    fail(label(n), 'nodeInfo.kubeletVersion missing');
  const tainted = (n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (n.spec?.unschedulable || tainted || !n.status?.allocatable) continue;
  schedulable.push(n.metadata.name);
  cpuSum += cpu(n.status.allocatable.cpu);
  memSum += bytes(n.status.allocatable.memory);
}
notes.push(
  `schedulable nodes ${schedulable.join(', ')}: allocatable ${cpuSum} CPU, ${(memSum / 1024 ** 3).toFixed(2)} GiB`,
);
if (cpuSum < 4 || memSum < 8 * 1024 ** 3)
  fail(
    'Nodes',
    `schedulable allocatable below 4 vCPU / 8 GiB (${cpuSum} / ${(memSum / 1024 ** 3).toFixed(2)} GiB)`,
  );
const profile = kind('ClusterProfile')[0];
if (!profile?.spec?.version?.gitVersion) fail('ClusterProfile', 'missing spec.version.gitVersion');

// ------------------------------------------------------------------ pods
const ipSeen = new Map();
function inCidr(ip, cidr) {
  const [base, bits] = cidr.split('/');
  const toInt = (a) => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const mask = 2 ** 32 - 2 ** (32 - Number(bits));
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}
for (const p of pods) {
  const n = nodes.get(p.spec.nodeName);
  if (!n) {
    fail(label(p), `spec.nodeName ${p.spec.nodeName} is not a Node`);
    continue;
  }
  const st = p.status ?? {};
  if (st.phase === 'Running') {
    for (const c of p.spec.containers) {
      const cs = (st.containerStatuses ?? []).find((x) => x.name === c.name);
      if (!cs) fail(label(p), `no containerStatus for ${c.name}`);
    }
  }
  if (p.spec.hostNetwork) {
    if (st.podIP && st.podIP !== n.status.addresses.find((a) => a.type === 'InternalIP')?.address)
      fail(label(p), 'hostNetwork pod IP is not the node IP');
  } else if (st.podIP) {
    if (ipSeen.has(st.podIP)) fail(label(p), `podIP ${st.podIP} also used by ${ipSeen.get(st.podIP)}`);
    ipSeen.set(st.podIP, label(p));
    if (n.spec.podCIDR && !inCidr(st.podIP, n.spec.podCIDR))
      fail(label(p), `podIP ${st.podIP} outside ${n.metadata.name}'s podCIDR ${n.spec.podCIDR}`);
  }
  if (st.hostIP && st.hostIP !== n.status.addresses.find((a) => a.type === 'InternalIP')?.address)
    fail(label(p), 'status.hostIP is not the node IP');
  const vols = new Set((p.spec.volumes ?? []).map((v) => v.name));
  for (const c of allContainers(p))
    for (const vm of c.volumeMounts ?? [])
      if (!vols.has(vm.name)) fail(label(p), `container ${c.name} mounts unknown volume ${vm.name}`);
  if (
    p.spec.serviceAccountName &&
    !all.some(
      (o) => o.kind === 'ServiceAccount' && ns(o) === ns(p) && o.metadata.name === p.spec.serviceAccountName,
    )
  )
    fail(label(p), `ServiceAccount ${p.spec.serviceAccountName} does not exist`);
}

// ------------------------------------------------------------------ workloads
const ownedPods = (owner) =>
  pods.filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid));
for (const d of kind('Deployment')) {
  if (!matchSelector(d.spec.selector, d.spec.template.metadata.labels))
    fail(label(d), 'selector does not match its pod template');
  const rss = kind('ReplicaSet').filter((rs) =>
    (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid),
  );
  const dpods = rss.flatMap(ownedPods);
  const ready = dpods.filter(isReady).length;
  if ((d.status?.readyReplicas ?? 0) !== ready)
    fail(label(d), `status.readyReplicas ${d.status?.readyReplicas} but ${ready} ready pods`);
  if ((d.spec.replicas ?? 1) !== dpods.length)
    fail(label(d), `spec.replicas ${d.spec.replicas} but ${dpods.length} pods`);
  if (d.spec.replicas > 0 && (d.status?.availableReplicas ?? 0) !== d.spec.replicas)
    fail(label(d), 'availableReplicas differs from replicas');
  for (const p of dpods)
    if (!matchSelector(d.spec.selector, p.metadata.labels))
      fail(label(p), `labels do not match ${label(d)} selector`);
}
for (const rs of kind('ReplicaSet')) {
  const n = ownedPods(rs).length;
  if ((rs.status?.replicas ?? 0) !== n)
    fail(label(rs), `status.replicas ${rs.status?.replicas} but ${n} pods`);
}
for (const s of kind('StatefulSet')) {
  const sp = ownedPods(s);
  if ((s.status?.readyReplicas ?? 0) !== sp.filter(isReady).length || s.spec.replicas !== sp.length)
    fail(label(s), 'replicas/readyReplicas do not match its pods');
  if (!matchSelector(s.spec.selector, s.spec.template.metadata.labels))
    fail(label(s), 'selector does not match its pod template');
}
function tolerates(tolerations, taint) {
  return (tolerations ?? []).some(
    (t) =>
      (!t.effect || t.effect === taint.effect) &&
      (t.operator === 'Exists'
        ? !t.key || t.key === taint.key
        : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
  );
}
for (const ds of kind('DaemonSet')) {
  const eligible = [...nodes.values()].filter(
    (n) =>
      !n.spec.unschedulable &&
      (n.spec.taints ?? [])
        .filter((t) => t.effect !== 'PreferNoSchedule')
        .every((t) => tolerates(ds.spec.template.spec.tolerations, t)) &&
      matchLabels(ds.spec.template.spec.nodeSelector, n.metadata.labels),
  );
  const dp = ownedPods(ds);
  const st = ds.status ?? {};
  if (st.desiredNumberScheduled !== eligible.length)
    fail(
      label(ds),
      `desiredNumberScheduled ${st.desiredNumberScheduled} but ${eligible.length} eligible nodes`,
    );
  if (st.numberReady !== dp.filter(isReady).length)
    fail(label(ds), `numberReady ${st.numberReady} but ${dp.filter(isReady).length} ready pods`);
  const onNodes = new Set(dp.map((p) => p.spec.nodeName));
  for (const n of eligible)
    if (!onNodes.has(n.metadata.name)) fail(label(ds), `no pod on eligible node ${n.metadata.name}`);
  if (onNodes.size !== dp.length) fail(label(ds), 'more than one pod on a node');
}

// ------------------------------------------------------------------ services and endpoints
const services = kind('Service');
function resolvePort(pod, tp) {
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(String(tp))) return Number(tp);
  for (const c of pod.spec.containers)
    for (const p of c.ports ?? []) if (p.name === tp) return p.containerPort;
  return undefined;
}
for (const svc of services) {
  if (!svc.spec.selector) continue;
  const sp = podsIn(ns(svc)).filter((p) => matchLabels(svc.spec.selector, p.metadata.labels));
  if (!sp.length) {
    fail(label(svc), 'selector matches no pod');
    continue;
  }
  for (const port of svc.spec.ports)
    for (const p of sp)
      if (resolvePort(p, port.targetPort ?? port.port) === undefined)
        fail(label(svc), `targetPort ${port.targetPort} not found in ${p.metadata.name}`);
  if (
    svc.spec.type === 'LoadBalancer' &&
    !(svc.status?.loadBalancer?.ingress ?? []).some((i) => i.ip || i.hostname)
  )
    fail(label(svc), 'LoadBalancer without status.loadBalancer.ingress');
  const ep = all.find(
    (o) => o.kind === 'Endpoints' && ns(o) === ns(svc) && o.metadata.name === svc.metadata.name,
  );
  if (ep) {
    const want = sp
      .filter(isReady)
      .map((p) => p.status.podIP)
      .sort()
      .join(',');
    const got = (ep.subsets ?? [])
      .flatMap((s) => (s.addresses ?? []).map((a) => a.ip))
      .sort()
      .join(',');
    if (want !== got) fail(label(ep), `addresses ${got} but ready pods ${want}`);
    for (const a of (ep.subsets ?? []).flatMap((s) => s.addresses ?? []))
      if (a.targetRef && !byUid.has(a.targetRef.uid))
        fail(label(ep), `targetRef ${a.targetRef.name} does not resolve`);
  }
}
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const clusterIps = new Map();
for (const svc of services) {
  const ip = svc.spec.clusterIP;
  if (ip === undefined || ip === 'None') continue;
  if (!IPV4.test(ip)) fail(label(svc), `clusterIP ${ip} is not an IPv4 address`);
  else if (clusterIps.has(ip)) fail(label(svc), `clusterIP ${ip} also used by ${clusterIps.get(ip)}`);
  clusterIps.set(ip, label(svc));
}
for (const p of pods)
  if (p.status?.podIP && !IPV4.test(p.status.podIP))
    fail(label(p), `podIP ${p.status.podIP} is not an IPv4 address`);
const svcByFqdn = new Map(services.map((s) => [`${s.metadata.name}.${ns(s)}.svc.cluster.local`, s]));

// ------------------------------------------------------------------ Istio
const meshCm = all.find(
  (o) => o.kind === 'ConfigMap' && o.metadata.name === 'istio' && ns(o) === 'istio-system',
);
const meshConfig = meshCm ? YAML.parse(meshCm.data.mesh) : undefined;
const trustDomain = meshConfig?.trustDomain ?? 'cluster.local';
if (!meshCm) fail('ConfigMap istio-system/istio', 'missing');
const spireCm = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'spire-server');
const spireTd = spireCm && /trust_domain\s*=\s*"([^"]+)"/.exec(Object.values(spireCm.data).join('\n'))?.[1];
if (spireTd && spireTd !== trustDomain)
  fail('trust domain', `mesh config ${trustDomain} but SPIRE ${spireTd}`);

for (const g of kind('Gateway')) {
  const gp = pods.filter((p) => matchLabels(g.spec.selector, p.metadata.labels));
  if (!gp.length) fail(label(g), 'selector matches no pod');
  const gsvc = services.filter(
    (s) =>
      s.spec.selector && gp.some((p) => ns(p) === ns(s) && matchLabels(s.spec.selector, p.metadata.labels)),
  );
  for (const srv of g.spec.servers ?? [])
    if (!gsvc.some((s) => s.spec.ports.some((p) => p.port === srv.port.number)))
      fail(label(g), `server port ${srv.port.number} is not a port of the gateway Service (IST0162)`);
  for (const srv of g.spec.servers ?? []) {
    const cred = srv.tls?.credentialName;
    if (
      cred &&
      !gp.some((p) => all.some((o) => o.kind === 'Secret' && ns(o) === ns(p) && o.metadata.name === cred))
    )
      fail(label(g), `credentialName ${cred} not found next to the gateway pods`);
  }
}
for (const vs of kind('VirtualService')) {
  for (const gwRef of vs.spec.gateways ?? []) {
    const [gns, gname] = gwRef.includes('/') ? gwRef.split('/') : [ns(vs), gwRef];
    if (!kind('Gateway').some((g) => ns(g) === gns && g.metadata.name === gname))
      fail(label(vs), `gateway ${gwRef} not found`);
  }
  for (const route of vs.spec.http ?? []) {
    let sum = 0;
    for (const r of route.route ?? []) {
      sum += r.weight ?? 0;
      const svc = svcByFqdn.get(r.destination.host);
      if (!svc) fail(label(vs), `route ${route.name}: host ${r.destination.host} is not a Service FQDN`);
      else if (r.destination.port && !svc.spec.ports.some((p) => p.port === r.destination.port.number))
        fail(label(vs), `route ${route.name}: port ${r.destination.port.number} not on ${label(svc)}`);
    }
    if ((route.route ?? []).length > 1 && sum !== 100)
      fail(label(vs), `route ${route.name}: weights sum to ${sum}`);
    const mesh = (route.route ?? []).find((r) => r.destination.host.includes('.zamaz-mesh.'));
    if (mesh) notes.push(`${label(vs)} route ${route.name}: mesh weight ${mesh.weight}`);
  }
}
for (const dr of kind('DestinationRule'))
  if (!svcByFqdn.has(dr.spec.host)) fail(label(dr), `host ${dr.spec.host} is not a Service FQDN`);
for (const ap of kind('AuthorizationPolicy')) {
  for (const rule of ap.spec.rules ?? [])
    for (const from of rule.from ?? [])
      for (const pr of from.source?.principals ?? []) {
        if (pr.startsWith('spiffe://')) fail(label(ap), `principal ${pr} must not carry spiffe://`);
        if (!pr.startsWith(`${trustDomain}/`))
          fail(label(ap), `principal ${pr} not in trust domain ${trustDomain}`);
        const [, pns, , psa] = pr.slice(trustDomain.length + 1).split('/');
        if (!all.some((o) => o.kind === 'ServiceAccount' && ns(o) === pns && o.metadata.name === psa))
          fail(label(ap), `principal ${pr}: no ServiceAccount ${pns}/${psa}`);
      }
  if (
    ap.spec.selector &&
    !podsIn(ns(ap)).some((p) => matchLabels(ap.spec.selector.matchLabels, p.metadata.labels))
  )
    fail(label(ap), 'selector matches no pod (IST0127)');
}

// Injected pods in namespaces labelled istio-injection=enabled.
for (const n of namespaces.values()) {
  if (n.metadata.labels?.['istio-injection'] !== 'enabled') continue;
  const restricted = n.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted';
  for (const p of podsIn(n.metadata.name)) {
    const l = label(p);
    if (Date.parse(p.metadata.creationTimestamp) <= Date.parse(n.metadata.creationTimestamp))
      fail(l, 'created before its namespace was labelled for injection');
    let status;
    try {
      status = JSON.parse(p.metadata.annotations?.['sidecar.istio.io/status'] ?? '');
    } catch {
      fail(l, 'sidecar.istio.io/status missing or not JSON');
      continue;
    }
    const names = new Set(allContainers(p).map((c) => c.name));
    for (const c of [...(status.initContainers ?? []), ...(status.containers ?? [])])
      if (!names.has(c)) fail(l, `status annotation lists ${c}, not in the pod`);
    const vols = new Set((p.spec.volumes ?? []).map((v) => v.name));
    for (const v of status.volumes ?? [])
      if (!vols.has(v)) fail(l, `status annotation lists volume ${v}, not in the pod`);
    if (!names.has('istio-proxy')) fail(l, 'no istio-proxy container');
    if (!(p.status?.containerStatuses ?? []).some((c) => c.name === 'istio-proxy' && c.ready))
      fail(l, 'istio-proxy not ready');
    if (p.metadata.labels?.['security.istio.io/tlsMode'] !== 'istio')
      fail(l, 'label security.istio.io/tlsMode != istio');
    if (p.metadata.labels?.['spiffe.io/spire-managed-identity'] !== 'true')
      fail(l, 'label spiffe.io/spire-managed-identity != "true"');
    if (!/\bspire\b/.test(p.metadata.annotations?.['inject.istio.io/templates'] ?? ''))
      fail(l, 'inject.istio.io/templates lacks spire');
    const ws = (p.spec.volumes ?? []).find((v) => v.name === 'workload-socket');
    if (ws?.csi?.driver !== 'csi.spiffe.io') fail(l, 'workload-socket is not a csi.spiffe.io CSI volume');
    if (!/cluster\.outbound/.test(p.metadata.annotations?.['proxy.istio.io/config'] ?? ''))
      fail(l, 'proxy.istio.io/config does not export cluster.outbound stats');
    const proxy = p.spec.containers.find((c) => c.name === 'istio-proxy');
    if (proxy && !allContainers(p).every((c) => c.name !== 'istio-proxy' || c.image === proxy.image))
      fail(l, 'mixed proxy images');
    if (restricted) {
      const psc = p.spec.securityContext ?? {};
      for (const c of allContainers(p)) {
        const sc = c.securityContext ?? {};
        if (sc.allowPrivilegeEscalation !== false)
          fail(l, `restricted: ${c.name} allowPrivilegeEscalation not false`);
        if (!(sc.capabilities?.drop ?? []).includes('ALL'))
          fail(l, `restricted: ${c.name} does not drop ALL`);
        if ((sc.capabilities?.add ?? []).some((x) => x !== 'NET_BIND_SERVICE'))
          fail(l, `restricted: ${c.name} adds capabilities`);
        if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true)
          fail(l, `restricted: ${c.name} runAsNonRoot not true`);
        if ((sc.runAsUser ?? psc.runAsUser) === 0) fail(l, `restricted: ${c.name} runs as uid 0`);
        if (!['RuntimeDefault', 'Localhost'].includes((sc.seccompProfile ?? psc.seccompProfile)?.type))
          fail(l, `restricted: ${c.name} has no RuntimeDefault seccomp profile`);
        if (sc.privileged) fail(l, `restricted: ${c.name} privileged`);
      }
      const allowed = [
        'configMap',
        'csi',
        'downwardAPI',
        'emptyDir',
        'ephemeral',
        'persistentVolumeClaim',
        'projected',
        'secret',
      ];
      for (const v of p.spec.volumes ?? [])
        if (!Object.keys(v).some((k) => allowed.includes(k)))
          fail(l, `restricted: volume ${v.name} has a forbidden type`);
      for (const c of p.spec.containers)
        if (c.name !== 'istio-proxy' && (c.securityContext?.runAsUser ?? psc.runAsUser) === 1337)
          fail(l, `${c.name} runs as 1337 (IST0144)`);
    }
  }
}

// ------------------------------------------------------------------ SPIRE
const clusterSpiffeIds = kind('ClusterSPIFFEID');
const selectedBy = new Map(); // pod uid -> ClusterSPIFFEID
for (const cs of clusterSpiffeIds) {
  const nsOk = [...namespaces.values()]
    .filter((n) => !cs.spec.namespaceSelector || matchSelector(cs.spec.namespaceSelector, n.metadata.labels))
    .map((n) => n.metadata.name);
  const sel = pods.filter(
    (p) =>
      nsOk.includes(ns(p)) &&
      (!cs.spec.podSelector || matchSelector(cs.spec.podSelector, p.metadata.labels)) &&
      p.status?.phase === 'Running',
  );
  const stats = cs.status?.stats ?? {};
  if (stats.podsSelected !== sel.length)
    fail(label(cs), `status.stats.podsSelected ${stats.podsSelected} but ${sel.length} pods match`);
  const nsSel = new Set(sel.map(ns)).size || nsOk.length;
  if (stats.namespacesSelected !== nsSel)
    fail(label(cs), `status.stats.namespacesSelected ${stats.namespacesSelected} but ${nsSel}`);
  if (stats.entryFailures || stats.podEntryRenderFailures) fail(label(cs), 'reports failures');
  for (const p of sel) selectedBy.set(p.metadata.uid, cs);
  notes.push(`${label(cs)}: ${sel.length} pods (${sel.map((p) => p.metadata.name).join(', ')})`);
}
const execs = kind('PodExec');
const entryExecs = execs.filter((e) => e.spec.command.includes('entry') && e.spec.command.includes('show'));
for (const e of entryExecs) {
  let entries;
  try {
    entries = JSON.parse(e.spec.stdout).entries;
  } catch {
    fail(label(e), 'stdout is not JSON');
    continue;
  }
  const byPodUid = new Map();
  for (const en of entries) {
    if (typeof en.spiffe_id !== 'object' || typeof en.parent_id !== 'object')
      fail(label(e), `entry ${en.id}: spiffe_id/parent_id must be objects`);
    if (en.spiffe_id.trust_domain !== trustDomain)
      fail(label(e), `entry ${en.id}: trust domain ${en.spiffe_id.trust_domain}`);
    const podSel = (en.selectors ?? []).find((s) => s.type === 'k8s' && s.value.startsWith('pod-uid:'));
    if (!podSel) continue;
    const uid = podSel.value.slice('pod-uid:'.length);
    const p = pods.find((x) => x.metadata.uid === uid);
    if (!p) {
      fail(label(e), `entry ${en.id}: pod-uid ${uid} matches no pod`);
      continue;
    }
    byPodUid.set(uid, en);
    const want = `/ns/${ns(p)}/sa/${p.spec.serviceAccountName}`;
    if (en.spiffe_id.path !== want)
      fail(label(e), `entry ${en.id}: path ${en.spiffe_id.path}, pod ${p.metadata.name} wants ${want}`);
    const node = nodes.get(p.spec.nodeName);
    if (!en.parent_id.path.endsWith(`/${node?.metadata.uid}`))
      fail(label(e), `entry ${en.id}: parent ${en.parent_id.path} is not the agent on ${p.spec.nodeName}`);
  }
  for (const [uid, cs] of selectedBy)
    if (!byPodUid.has(uid))
      fail(label(e), `no entry for ${byUid.get(uid).metadata.name} (selected by ${label(cs)})`);
}
if (clusterSpiffeIds.length && !entryExecs.length) fail('SPIRE', 'no PodExec for spire-server entry show');

// ------------------------------------------------------------------ simulator entries
for (const s of [...kind('PodEndpoint'), ...execs]) {
  const spec = s.spec ?? {};
  const targets = spec.pod
    ? podsIn(ns(s)).filter((p) => p.metadata.name === spec.pod)
    : podsIn(ns(s)).filter((p) => spec.selector && matchLabels(spec.selector, p.metadata.labels));
  if (!targets.length) fail(label(s), `targets no pod (${spec.pod ?? JSON.stringify(spec.selector)})`);
  if (s.kind === 'PodEndpoint') {
    if (typeof spec.port !== 'number' || typeof spec.path !== 'string' || typeof spec.body !== 'string')
      fail(label(s), 'needs port (number), path and body');
  } else {
    if (!Array.isArray(spec.command) || typeof spec.stdout !== 'string')
      fail(label(s), 'needs command (argv) and stdout');
    for (const p of targets)
      if (!p.spec.containers.some((c) => c.name === spec.container))
        fail(label(s), `container ${spec.container} not in ${p.metadata.name}`);
    if (spec.command?.join(' ') === 'pilot-agent request GET certs') {
      const uris = new Set();
      try {
        for (const c of JSON.parse(spec.stdout).certificates)
          for (const cc of c.cert_chain) for (const san of cc.subject_alt_names) uris.add(san.uri);
      } catch {
        fail(label(s), 'certs stdout is not JSON');
      }
      for (const p of targets) {
        const want = `spiffe://${trustDomain}/ns/${ns(p)}/sa/${p.spec.serviceAccountName}`;
        if (!uris.has(want)) fail(label(s), `certs of ${p.metadata.name} lack ${want}`);
      }
    }
  }
}

finish();

function finish() {
  const count = (k) => objects.filter(({ obj }) => obj?.kind === k).length;
  console.log(
    `${relative(process.cwd(), dir) || dir}: ${objects.length} objects (${count('Pod')} pods, ${count('PodEndpoint')} PodEndpoints, ${count('PodExec')} PodExecs)`,
  );
  for (const n of notes) console.log(`  note: ${n}`);
  if (errors.length) {
    for (const e of errors) console.log(`  FAIL ${e}`);
    console.log(`${errors.length} problem(s)`);
    process.exit(1);
  }
  console.log(structureOnly ? 'structure OK' : 'all invariants hold');
  process.exit(0);
}
