import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { findByName, rolloutStatus } from './k8s.ts';

/** The observability stack the guide deploys in step 4 (Prometheus, Grafana, Jaeger) is up. */
export function checkObservabilityStack(deployments: KubeObject[], profile: Profile): CheckResult {
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
    seen.push(`${name} ${ready}/${desired}`);
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
  }
  return failed(findings, seen.join(', ') || 'none');
}
