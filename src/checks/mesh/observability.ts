import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { labelsOf, rec, recs } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { findByName, rolloutStatus } from './k8s.ts';

/** Services in the Deployment's namespace whose selector matches its pod template. */
function servicesOf(dep: KubeObject, services: KubeObject[]): KubeObject[] {
  const podLabels = labelsOf(rec(rec(rec(dep.spec).template).metadata).labels);
  return services.filter((s) => {
    if (s.metadata.namespace !== dep.metadata.namespace) return false;
    const sel = labelsOf(rec(s.spec).selector);
    return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => podLabels[k] === v);
  });
}

function readyAddresses(svc: KubeObject, endpoints: KubeObject[]): number {
  const ep = findByName(endpoints, svc.metadata.name, svc.metadata.namespace);
  return recs(ep?.subsets).reduce((n, s) => n + recs(s.addresses).length, 0);
}

/**
 * The observability stack the guide deploys in step 4 (Prometheus, Grafana, Jaeger) is up: each
 * Deployment ready and reachable through a Service with ready endpoints. Kiali is reported when present
 * (in the monitoring or the Istio namespace), never required.
 */
export function checkObservabilityStack(
  deployments: KubeObject[],
  services: KubeObject[],
  endpoints: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.monitoring;
  const findings: Finding[] = [];
  const seen: string[] = [];
  for (const name of profile.observability.deployments) {
    const obj = objectName('Deployment', name, ns);
    const dep = findByName(deployments, name, ns);
    if (!dep) {
      findings.push({
        object: obj,
        message: `${obj} does not exist: the canary cannot be monitored without it`,
        hint: `deploy it (guide step 4: enhanced observability stack) or correct observability.deployments in meshgate.config.ts`,
      });
      continue;
    }
    const { desired, ready } = rolloutStatus(dep);
    if (ready < 1 || ready < desired) {
      findings.push({
        object: obj,
        message: `${obj} has ${ready}/${desired} ready replicas`,
        hint: `kubectl -n ${ns} describe deployment/${name}`,
        field: 'status.readyReplicas',
        expected: String(Math.max(desired, 1)),
        actual: String(ready),
      });
    }
    const svcs = servicesOf(dep, services);
    seen.push(
      `${name} ${ready}/${desired} (Service ${svcs.map((s) => s.metadata.name).join(', ') || 'none'})`,
    );
    if (svcs.length === 0) {
      findings.push({
        object: obj,
        message: `no Service in ${ns} selects the pods of ${obj}: nothing can reach it by name`,
        hint: `kubectl -n ${ns} expose deployment/${name} (or apply the Service of guide step 4)`,
      });
      continue;
    }
    for (const svc of svcs) {
      if (ready > 0 && readyAddresses(svc, endpoints) === 0) {
        const svcObj = objectName('Service', svc.metadata.name, ns);
        findings.push({
          object: svcObj,
          message: `${svcObj} has no ready endpoints although ${obj} has ${ready} ready pod(s): its selector or targetPort does not match`,
          hint: `kubectl -n ${ns} get endpoints ${svc.metadata.name}; kubectl -n ${ns} describe service ${svc.metadata.name}`,
        });
      }
    }
  }
  const kialiName = profile.observability.kiali;
  const kiali = [ns, profile.namespaces.istio]
    .map((n) => findByName(deployments, kialiName, n))
    .find((d) => d !== undefined);
  const kialiLine = kiali
    ? `Kiali: Deployment ${kiali.metadata.namespace ?? ''}/${kialiName} ${rolloutStatus(kiali).ready}/${rolloutStatus(kiali).desired} ready`
    : `Kiali: not installed (optional; no Deployment ${kialiName} in ${ns} or ${profile.namespaces.istio})`;
  return failed(findings, seen.join(', ') || 'none', kialiLine);
}
