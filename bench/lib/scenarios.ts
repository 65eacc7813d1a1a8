// Scenarios at real sizes, generated at bench time into a temporary directory as overlays of
// scenarios/healthy, so nothing large is committed. Objects are copies of healthy's own (a legacy pod
// for the bulk namespaces, the mesh pods and their certs exec for the mesh namespace) with new names,
// so every check sees the same shapes it sees on healthy, only more of them.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const HEALTHY = path.resolve('scenarios/healthy');
const MESH_NS = 'zamaz-mesh';

type Obj = Record<string, unknown> & {
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

function readObjects(file: string): Obj[] {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(readFileSync(path.join(HEALTHY, file), 'utf8'))) {
    const value = doc.toJS() as Obj | null;
    if (value === null) continue;
    if (value.kind === 'List') out.push(...(value.items as Obj[]));
    else out.push(value);
  }
  return out;
}

function find(objects: Obj[], kind: string, name?: string): Obj {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found === undefined) throw new Error(`bench: no ${kind} ${name ?? ''} in scenarios/healthy`);
  return found;
}

const clone = <T>(v: T): T => structuredClone(v);

/** A stable pod-name suffix like the ReplicaSet controller's (five characters from its alphabet). */
function suffix(i: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let n = i + 100_000, k = 0; k < 5; k++, n = Math.floor(n / alphabet.length))
    s += alphabet[n % alphabet.length];
  return s;
}

function ip(i: number): string {
  return `10.${100 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
}

/** A stable RFC 4122-shaped uid for a generated object. */
function uidOf(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function dropIdentity(o: Obj): void {
  delete o.metadata.uid;
  delete o.metadata.resourceVersion;
}

function scenarioDescriptor(name: string): Obj {
  return {
    apiVersion: 'sim.meshgate.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name },
    spec: { base: HEALTHY },
  };
}

function writeYaml(file: string, objects: Obj[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
}

/**
 * `pods` extra pods in `namespaces` new namespaces (pods / namespaces each), each namespace a copy of
 * the legacy zamaz-api workload: ServiceAccount, Deployment, ReplicaSet, Service, Endpoints, pods.
 * One file per namespace, as a snapshot of a real cluster would be laid out.
 */
export function writeBulkOverlay(dir: string, pods: number, namespaces: number): void {
  const legacy = readObjects('zamaz/zamaz-api.yaml');
  const sa = find(legacy, 'ServiceAccount');
  const deploy = find(legacy, 'Deployment');
  const rs = find(legacy, 'ReplicaSet');
  const pod = find(legacy, 'Pod');
  const svc = find(legacy, 'Service');
  writeYaml(path.join(dir, 'scenario.yaml'), [scenarioDescriptor(`bulk-${pods}`)]);
  const perNs = Math.ceil(pods / namespaces);
  let made = 0;
  for (let n = 0; n < namespaces && made < pods; n++) {
    const ns = `tenant-${String(n).padStart(4, '0')}`;
    const count = Math.min(perNs, pods - made);
    const objects: Obj[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }];
    for (const template of [sa, svc]) {
      const o = clone(template);
      dropIdentity(o);
      o.metadata.namespace = ns;
      if (o.kind === 'Service') delete (o.spec as Record<string, unknown>).clusterIP;
      if (o.kind === 'Service') delete (o.spec as Record<string, unknown>).clusterIPs;
      objects.push(o);
    }
    const d = clone(deploy);
    dropIdentity(d);
    d.metadata.namespace = ns;
    (d.spec as Record<string, unknown>).replicas = count;
    Object.assign(d.status as Record<string, unknown>, {
      replicas: count,
      readyReplicas: count,
      availableReplicas: count,
      updatedReplicas: count,
    });
    const r = clone(rs);
    dropIdentity(r);
    r.metadata.namespace = ns;
    (r.spec as Record<string, unknown>).replicas = count;
    Object.assign(r.status as Record<string, unknown>, {
      replicas: count,
      readyReplicas: count,
      availableReplicas: count,
      fullyLabeledReplicas: count,
    });
    objects.push(d, r);
    const addresses: unknown[] = [];
    for (let i = 0; i < count; i++, made++) {
      const p = clone(pod);
      dropIdentity(p);
      p.metadata.namespace = ns;
      p.metadata.name = `${r.metadata.name}-${suffix(made)}`;
      const status = p.status as Record<string, unknown>;
      status.podIP = ip(made);
      status.podIPs = [{ ip: ip(made) }];
      objects.push(p);
      addresses.push({
        ip: ip(made),
        targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns },
      });
    }
    objects.push({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: svc.metadata.name, namespace: ns, labels: svc.metadata.labels },
      subsets: [{ addresses, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    } as Obj);
    writeYaml(path.join(dir, 'tenants', `${ns}.yaml`), objects);
  }
}

interface SpireEntry {
  id: string;
  spiffe_id: { path: string };
  selectors: { type: string; value: string }[];
}

/**
 * `extra` more replicas in the mesh namespace, split between zamaz-api and zamaz-frontend: copies of
 * their injected pods, each with its own `pilot-agent request GET certs` answer (the only per-pod exec
 * healthy has) and its SPIRE registration entry (by pod uid, as the controller manager writes them);
 * Deployment, ReplicaSet and Endpoints updated to match.
 */
export function writeMeshOverlay(dir: string, extra: number): void {
  writeYaml(path.join(dir, 'scenario.yaml'), [scenarioDescriptor(`mesh-plus-${extra}`)]);
  const execs = readObjects('sim/zamaz-mesh-exec.yaml');
  const endpoints = readObjects('zamaz-mesh/endpoints.yaml');
  const spireExecs = readObjects('sim/spire-system-exec.yaml').filter((o) =>
    o.metadata.name.startsWith('spire-server-entry-show'),
  );
  const newEntries: SpireEntry[] = [];
  let made = 0;
  for (const [app, share] of [
    ['zamaz-api', Math.ceil(extra / 2)],
    ['zamaz-frontend', Math.floor(extra / 2)],
  ] as const) {
    const objects = readObjects(`zamaz-mesh/${app}.yaml`);
    const deploy = find(objects, 'Deployment');
    const rs = find(objects, 'ReplicaSet');
    const pods = objects.filter((o) => o.kind === 'Pod');
    const template = pods[0] as Obj;
    const certs = find(execs, 'PodExec', `${template.metadata.name}-certs`);
    const total = pods.length + share;
    for (const o of [deploy, rs]) {
      (o.spec as Record<string, unknown>).replicas = total;
      const status = o.status as Record<string, unknown>;
      for (const key of ['replicas', 'readyReplicas', 'availableReplicas', 'updatedReplicas'])
        if (key in status) status[key] = total;
      if ('fullyLabeledReplicas' in status) status.fullyLabeledReplicas = total;
    }
    const added: Obj[] = [];
    const addedExecs: Obj[] = [];
    for (let i = 0; i < share; i++, made++) {
      const p = clone(template);
      dropIdentity(p);
      p.metadata.name = `${rs.metadata.name}-${suffix(made)}`;
      p.metadata.uid = uidOf(`${MESH_NS}/${p.metadata.name}`);
      const status = p.status as Record<string, unknown>;
      status.podIP = ip(made);
      status.podIPs = [{ ip: ip(made) }];
      added.push(p);
      newEntries.push({
        id: uidOf(`entry/${p.metadata.name}`),
        spiffe_id: { path: `/ns/${MESH_NS}/sa/${app}` },
        selectors: [{ type: 'k8s', value: `pod-uid:${p.metadata.uid}` }],
      });
      const e = clone(certs);
      dropIdentity(e);
      e.metadata.name = `${p.metadata.name}-certs`;
      (e.spec as Record<string, unknown>).pod = p.metadata.name;
      addedExecs.push(e);
    }
    const ep = endpoints.find((o) => o.kind === 'Endpoints' && o.metadata.name === app);
    const subset = (ep?.subsets as { addresses?: unknown[] }[] | undefined)?.[0];
    if (subset?.addresses !== undefined) {
      for (const p of added) {
        const status = p.status as { podIP: string };
        subset.addresses.push({
          ip: status.podIP,
          targetRef: { kind: 'Pod', name: p.metadata.name, namespace: MESH_NS },
        });
      }
    }
    writeYaml(path.join(dir, MESH_NS, `${app}.yaml`), [deploy, rs, ...pods, ...added]);
    writeYaml(path.join(dir, 'sim', `${app}-certs.yaml`), addedExecs);
  }
  writeYaml(path.join(dir, MESH_NS, 'endpoints.yaml'), endpoints);
  // The SPIRE server's entry list, with one entry per new pod shaped like the app's existing ones.
  for (const exec of spireExecs) {
    const spec = exec.spec as { stdout: string };
    const shown = JSON.parse(spec.stdout) as { entries: (SpireEntry & Record<string, unknown>)[] };
    for (const entry of newEntries) {
      const like = shown.entries.find((e) => e.spiffe_id.path === entry.spiffe_id.path);
      if (like === undefined) throw new Error(`bench: no SPIRE entry for ${entry.spiffe_id.path} in healthy`);
      shown.entries.push({ ...like, ...entry, spiffe_id: { ...like.spiffe_id, path: entry.spiffe_id.path } });
    }
    spec.stdout = `${JSON.stringify(shown)}\n`;
  }
  writeYaml(path.join(dir, 'sim', 'spire-entries.yaml'), spireExecs);
}

/** A layer that only sets the simulator's latency per answer (healthy's ClusterProfile, `latency` added). */
export function writeLatencyLayer(dir: string, latencyMs: number): void {
  const profile = find(readObjects('00-cluster.yaml'), 'ClusterProfile');
  (profile.spec as Record<string, unknown>).latency = `${latencyMs}ms`;
  writeYaml(path.join(dir, 'profile.yaml'), [profile]);
}
