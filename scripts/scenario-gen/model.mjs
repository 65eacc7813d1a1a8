// What every section of the generated scenario shares: the timeline, the namespaces, Helm metadata,
// the CA certificates, and the file map that sections emit objects into (written out by gen.mjs).
import { readFileSync } from 'node:fs';
import { meta } from './k8s.mjs';
import { addSeconds, epoch } from './lib.mjs';

const pem = (f) => readFileSync(new URL(f, import.meta.url), 'utf8');
export const K8S_CA = pem('./k8s-ca.pem');
export const ISTIOD_CA = pem('./istiod-ca.pem');
export const SPIRE_CA = pem('./spire-ca.pem');

// ---------------------------------------------------------------- times
export const T = {
  cluster: '2026-11-02T08:00:00Z',
  legacy: '2026-11-03T10:00:00Z',
  monitoring: '2026-11-04T09:00:00Z',
  k6: '2026-11-05T09:00:00Z',
  istio: '2026-11-16T10:00:00Z',
  spire: '2026-11-17T10:00:00Z',
  gateway: '2026-11-17T11:00:00Z',
  meshNs: '2026-11-20T09:00:00Z',
  meshCfg: '2026-11-20T09:20:00Z',
  meshApp: '2026-11-20T10:00:00Z',
  meshgate: '2026-11-20T08:00:00Z',
  step10: '2026-11-29T08:00:00Z',
  now: '2026-11-29T08:30:00Z',
  certFrom: '2026-11-29T00:00:00Z',
  certTo: '2036-11-29T00:00:00Z',
  caFrom: '2026-11-17T10:00:05Z',
  caTo: '2036-11-15T10:00:05Z',
};
export const helmAnn = (release, ns) => ({ 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': ns });
export const HELM = { 'app.kubernetes.io/managed-by': 'Helm' };

// ---------------------------------------------------------------- namespaces
export const ISTIO_NS = 'istio-system';
export const SPIRE_NS = 'spire-system';
export const LEG = 'zamaz';
export const MESH = 'zamaz-mesh';
export const MON = 'monitoring';
export const K6NS = 'k6-operator-system';
export const fq = (name, ns) => `${name}.${ns}.svc.cluster.local`;
export function nsDir(name) {
  return ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(name) ? 'system' : name;
}

// ---------------------------------------------------------------- files
/** path → objects, in emit order; `list` files are written as one `kind: List`. */
export const files = new Map();
export function emit(path, ...objs) {
  if (!files.has(path)) files.set(path, { objects: [], list: false });
  files.get(path).objects.push(...objs.flat());
}
export function emitList(path, ...objs) {
  emit(path, ...objs);
  files.get(path).list = true;
}

export function helmRelease(ns, name, chart, createdAt, version = 1) {
  const payload = Buffer.from(`meshgate scenario placeholder for helm release ${name} (chart ${chart}); not a real release payload`).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    data: { release: payload },
    metadata: meta({
      name: `sh.helm.release.v1.${name}.v${version}`,
      namespace: ns,
      labels: { modifiedAt: epoch(addSeconds(createdAt, 30)), name, owner: 'helm', status: 'deployed', version: String(version) },
      createdAt,
      key: `helm/${ns}/${name}`,
    }),
  };
}
