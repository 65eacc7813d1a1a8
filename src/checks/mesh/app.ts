import { noPodsToCheck } from '../common/no-pods.ts';
import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { proxyContainer } from '../common/containers.ts';
import { rec, recs, str } from '../common/narrow.ts';
import { parseQuantity } from '../quantity.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import {
  annotations,
  containerReady,
  findByName,
  labels,
  podsOfWorkload,
  restartHint,
  rolloutStatus,
  serviceAccountOf,
  workloadOf,
} from './k8s.ts';
import { SPIRE_MANAGED_LABEL } from './spire.ts';

const podObj = (p: KubeObject): string => objectName('Pod', p.metadata.name, p.metadata.namespace);

export function checkAppDeployments(
  deployments: KubeObject[],
  services: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.mesh;
  const findings: Finding[] = [];
  const seen: string[] = [];
  for (const w of profile.app.workloads) {
    const obj = objectName('Deployment', w.name, ns);
    const dep = findByName(deployments, w.name, ns);
    if (!dep) {
      findings.push({
        object: obj,
        message: `${obj} does not exist: ${w.name} is not deployed to the mesh`,
        hint: './scripts/istio-migration.sh deploy-app (guide step 5)',
      });
      continue;
    }
    const { desired, ready, available } = rolloutStatus(dep);
    seen.push(`${w.name} ${ready}/${desired} ready, ${available} available`);
    if (desired === 0 || ready < desired) {
      findings.push({
        object: obj,
        message: desired === 0 ? `${obj} is scaled to 0` : `${obj} has ${ready}/${desired} ready replicas`,
        hint:
          desired === 0
            ? `kubectl -n ${ns} scale deployment/${w.name} --replicas=2`
            : `kubectl -n ${ns} describe deployment/${w.name}; kubectl -n ${ns} get events --field-selector involvedObject.kind=Pod`,
        field: 'status.readyReplicas',
        expected: String(Math.max(desired, 1)),
        actual: String(ready),
      });
    } else {
      const cond = recs(rec(dep.status).conditions).find((c) => c.type === 'Available');
      if (available < desired || (cond !== undefined && cond.status !== 'True')) {
        findings.push({
          object: obj,
          message: `${obj} is not available: ${available}/${desired} replicas available${
            cond && cond.status !== 'True'
              ? ` (condition Available=${str(cond.status) ?? '?'}: ${str(cond.message) ?? str(cond.reason) ?? ''})`
              : ''
          }; ready pods have not stayed ready for minReadySeconds`,
          hint: `kubectl -n ${ns} rollout status deployment/${w.name}; kubectl -n ${ns} describe deployment/${w.name}`,
          field: 'status.availableReplicas',
          expected: String(desired),
          actual: String(available),
        });
      }
    }
    const svc = findByName(services, w.service, ns);
    const ports = recs(rec(svc?.spec).ports).map((p) => p.port);
    if (!svc || !ports.includes(w.servicePort)) {
      findings.push({
        object: objectName('Service', w.service, ns),
        message: svc
          ? `Service ${ns}/${w.service} does not expose port ${w.servicePort} (has ${ports.join(', ')})`
          : `Service ${ns}/${w.service} does not exist`,
        hint: `expose ${w.name} on port ${w.servicePort} (targetPort ${w.port}, name http)`,
      });
    }
  }
  return failed(findings, `mesh deployments: ${seen.join(', ') || 'none'}`);
}

function optOut(pod: KubeObject): string | undefined {
  const l = labels(pod)['sidecar.istio.io/inject'];
  const a = annotations(pod)['sidecar.istio.io/inject'];
  if (l === 'false') return 'label sidecar.istio.io/inject=false';
  if (a === 'false') return 'annotation sidecar.istio.io/inject=false (deprecated form)';
  return undefined;
}

/** When the namespace's injection label was set, from managedFields (present on a live API read, not in kubectl output). */
export function injectionLabelTime(ns: KubeObject | undefined): string | undefined {
  const mf = recs(rec(ns?.metadata).managedFields);
  const times = mf
    .filter((f) => {
      const labelsSet = rec(rec(rec(f.fieldsV1)['f:metadata'])['f:labels']);
      return 'f:istio-injection' in labelsSet || 'f:istio.io/rev' in labelsSet;
    })
    .map((f) => str(f.time))
    .filter((t): t is string => t !== undefined)
    .sort();
  return times[times.length - 1];
}

/**
 * Every running pod of the mesh namespace carries a ready Envoy sidecar (or native sidecar), a parseable
 * `sidecar.istio.io/status` and `security.istio.io/tlsMode=istio`; none opts out (IST0103 PodMissingProxy).
 */
export function checkSidecars(pods: KubeObject[], ns: KubeObject | undefined, profile: Profile): CheckResult {
  const nsName = profile.namespaces.mesh;
  const findings: Finding[] = [];
  let native = 0;
  let checked = 0;
  const labelledAt = injectionLabelTime(ns);
  for (const pod of pods) {
    if (rec(pod.spec).hostNetwork === true) continue;
    checked++;
    const obj = podObj(pod);
    const proxy = proxyContainer(pod);
    const created = pod.metadata.creationTimestamp ?? '?';
    if (!proxy) {
      const out = optOut(pod);
      const siblings = pods.filter(
        (p) => p !== pod && proxyContainer(p) && workloadOf(p)?.name === workloadOf(pod)?.name,
      );
      let why: string;
      if (out) why = `it opts out with the ${out}`;
      else if (labelledAt && created < labelledAt) {
        why = `it was created ${created}, before injection was enabled on ${nsName} (${labelledAt}); injection happens on Pod CREATE only`;
      } else {
        why =
          `it was created ${created}, probably before injection was enabled on ${nsName} (injection happens on Pod CREATE only) or while the injector was unavailable` +
          (siblings.length ? `; ${siblings.length} newer pod(s) of the same workload have sidecars` : '');
      }
      findings.push({
        object: obj,
        message: `${obj} has no istio-proxy sidecar: ${why} (istioctl analyze: IST0103)`,
        hint: out
          ? `remove the opt-out from the pod template (kubectl -n ${nsName} edit ${(workloadOf(pod)?.kind ?? 'pod').toLowerCase()}/${workloadOf(pod)?.name ?? pod.metadata.name}), then ${restartHint(pod)}`
          : restartHint(pod),
        field: 'spec.containers',
        expected: 'istio-proxy',
        actual: recs(rec(pod.spec).containers)
          .map((c) => str(c.name) ?? '?')
          .join(', '),
      });
      continue;
    }
    if (proxy.kind === 'sidecar') native++;
    const status = annotations(pod)['sidecar.istio.io/status'];
    let statusOk = false;
    try {
      statusOk = status !== undefined && typeof JSON.parse(status) === 'object';
    } catch {
      statusOk = false;
    }
    if (!statusOk) {
      findings.push({
        object: obj,
        message: `${obj} has an istio-proxy container but ${status === undefined ? 'no' : 'an unreadable'} sidecar.istio.io/status annotation: it was not injected by the webhook (hand-written proxy?)`,
        hint: restartHint(pod),
        field: 'metadata.annotations[sidecar.istio.io/status]',
      });
    }
    if (containerReady(pod, 'istio-proxy') !== true) {
      findings.push({
        object: obj,
        message: `${obj}'s istio-proxy is not ready: the proxy has no configuration from istiod or no certificate`,
        hint: `kubectl -n ${nsName} logs ${pod.metadata.name} -c istio-proxy; istioctl proxy-status`,
        field: 'status.containerStatuses[istio-proxy].ready',
        expected: 'true',
        actual: 'false',
      });
    }
    const tls = labels(pod)['security.istio.io/tlsMode'];
    if (tls !== 'istio') {
      findings.push({
        object: obj,
        message: `${obj} lacks security.istio.io/tlsMode=istio (has ${tls ?? 'none'}): clients' auto-mTLS sends it plaintext`,
        hint: restartHint(pod),
        field: 'metadata.labels[security.istio.io/tlsMode]',
        expected: 'istio',
        actual: tls ?? '<unset>',
      });
    }
  }
  if (checked === 0) {
    return failed([
      {
        object: objectName('Namespace', nsName),
        message: `no running pod in ${nsName}: there is nothing to verify injection on`,
        hint: './scripts/istio-migration.sh deploy-app (guide step 5)',
      },
    ]);
  }
  return failed(
    findings,
    `${checked - new Set(findings.map((f) => f.object)).size}/${checked} pods injected and ready${native ? ` (${native} native sidecars)` : ''}`,
  );
}

/** The injected proxy has the guide's requests and limits. */
export function checkSidecarResources(pods: KubeObject[], profile: Profile): CheckResult {
  const findings: Finding[] = [];
  const want = profile.sidecar;
  let n = 0;
  for (const pod of pods) {
    const proxy = proxyContainer(pod);
    if (!proxy) continue;
    n++;
    const res = rec(proxy.spec.resources);
    for (const kind of ['requests', 'limits'] as const) {
      for (const r of ['cpu', 'memory'] as const) {
        const actual =
          str(rec(res[kind])[r]) ??
          (typeof rec(res[kind])[r] === 'number' ? String(rec(res[kind])[r]) : undefined);
        const expected = want[kind][r];
        if (actual === undefined || parseQuantity(actual) !== parseQuantity(expected)) {
          findings.push({
            object: podObj(pod),
            message: `istio-proxy ${kind}.${r} is ${actual ?? '<unset>'}, the profile expects ${expected}`,
            hint: `set the pod template annotation sidecar.istio.io/proxy${r === 'cpu' ? 'CPU' : 'Memory'}${kind === 'limits' ? 'Limit' : ''}: "${expected}" (or global.proxy.resources in the istiod values) and ${restartHint(pod)}`,
            field: `spec.containers[istio-proxy].resources.${kind}.${r}`,
            expected,
            actual: actual ?? '<unset>',
          });
        }
      }
    }
  }
  if (n === 0) return noPodsToCheck(profile.namespaces.mesh, 'injected pods');
  return failed(
    findings,
    `${n} proxies; expected requests ${want.requests.cpu}/${want.requests.memory}, limits ${want.limits.cpu}/${want.limits.memory}`,
  );
}

/**
 * The pod gets its identity from SPIRE: the `spire` injection template, the controller manager's label,
 * and the workload socket as a CSI volume of the SPIFFE driver (the default template's emptyDir is not SPIRE).
 */
export function checkSpireTemplate(pods: KubeObject[], profile: Profile): CheckResult {
  const findings: Finding[] = [];
  let n = 0;
  for (const pod of pods) {
    if (!proxyContainer(pod)) continue;
    n++;
    const obj = podObj(pod);
    const templates = (annotations(pod)['inject.istio.io/templates'] ?? 'sidecar')
      .split(',')
      .map((t) => t.trim());
    const problems: string[] = [];
    if (!templates.includes('spire'))
      problems.push(`injection templates are "${templates.join(',')}" (no spire)`);
    if (labels(pod)[SPIRE_MANAGED_LABEL] !== 'true')
      problems.push(`label ${SPIRE_MANAGED_LABEL} is not "true"`);
    const vol = recs(rec(pod.spec).volumes).find((v) => v.name === 'workload-socket');
    const driver = str(rec(vol?.csi).driver);
    if (driver !== profile.spire.csiDriver) {
      problems.push(
        `volume workload-socket is ${
          vol
            ? driver
              ? `a CSI volume of ${driver}`
              : Object.keys(vol)
                  .filter((k) => k !== 'name')
                  .join('/') || 'empty'
            : 'missing'
        }, not a ${profile.spire.csiDriver} CSI volume`,
      );
    }
    if (problems.length) {
      const w = workloadOf(pod);
      findings.push({
        object: obj,
        message: `${obj} does not get its identity from SPIRE: ${problems.join('; ')}`,
        hint: `in the pod template of ${w ? `${w.kind.toLowerCase()}/${w.name}` : pod.metadata.name} set annotation inject.istio.io/templates: "sidecar,spire" and label ${SPIRE_MANAGED_LABEL}: "true", then ${restartHint(pod)}`,
      });
    }
  }
  if (n === 0) return noPodsToCheck(profile.namespaces.mesh, 'injected pods');
  return failed(
    findings,
    `${n - findings.length}/${n} injected pods use the spire template with the ${profile.spire.csiDriver} socket`,
  );
}

/** Each workload runs as its own ServiceAccount (its SPIFFE ID is derived from it), which exists. */
export function checkServiceAccounts(
  deployments: KubeObject[],
  pods: KubeObject[],
  serviceAccounts: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.mesh;
  const findings: Finding[] = [];
  for (const w of profile.app.workloads) {
    if (!findByName(serviceAccounts, w.serviceAccount, ns)) {
      findings.push({
        object: objectName('ServiceAccount', w.serviceAccount, ns),
        message: `ServiceAccount ${ns}/${w.serviceAccount} does not exist: ${w.name} cannot get the identity spiffe://${profile.trustDomain}/ns/${ns}/sa/${w.serviceAccount}`,
        hint: `kubectl -n ${ns} create serviceaccount ${w.serviceAccount}`,
      });
    }
    const dep = findByName(deployments, w.name, ns);
    if (!dep) continue;
    for (const pod of podsOfWorkload(dep, pods)) {
      const sa = serviceAccountOf(pod);
      if (sa !== w.serviceAccount) {
        findings.push({
          object: podObj(pod),
          message: `${podObj(pod)} runs as ServiceAccount ${sa}, expected ${w.serviceAccount}: its SPIFFE ID and the AuthorizationPolicies that name ${w.serviceAccount} do not match`,
          hint: `set serviceAccountName: ${w.serviceAccount} in deployment/${w.name} (kubectl -n ${ns} set serviceaccount deployment/${w.name} ${w.serviceAccount})`,
          field: 'spec.serviceAccountName',
          expected: w.serviceAccount,
          actual: sa,
        });
      }
    }
  }
  return failed(findings, profile.app.workloads.map((w) => `${w.name} → sa/${w.serviceAccount}`).join(', '));
}

/** Reads `pilot-agent request GET certs` (Envoy admin JSON): the URI SANs of each workload certificate chain. */
export function certificateSans(stdout: string): string[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  return recs(rec(doc).certificates).flatMap((c) =>
    recs(c.cert_chain).flatMap((cc) =>
      recs(cc.subject_alt_names).flatMap((s) => (str(s.uri) ? [str(s.uri) ?? ''] : [])),
    ),
  );
}

export interface PodCerts {
  pod: KubeObject;
  /** URI SANs the proxy serves, or why they could not be read. */
  sans: string[] | { error: string };
}

/** A running proxy holds an SVID for spiffe://<td>/ns/<ns>/sa/<sa> (the guide's "SPIRE identities configured"). */
export function checkProxyIdentities(certs: PodCerts[], profile: Profile): CheckResult {
  if (certs.length === 0) return noPodsToCheck(profile.namespaces.mesh, 'injected pods');
  const findings: Finding[] = [];
  const unreadable: Finding[] = [];
  for (const { pod, sans } of certs) {
    const want = `spiffe://${profile.trustDomain}/ns/${pod.metadata.namespace ?? ''}/sa/${serviceAccountOf(pod)}`;
    if (!Array.isArray(sans)) {
      unreadable.push({
        object: podObj(pod),
        message: `the proxy's certificates could not be read: ${sans.error}`,
        hint: `kubectl -n ${pod.metadata.namespace ?? ''} exec ${pod.metadata.name} -c istio-proxy -- pilot-agent request GET certs`,
      });
      continue;
    }
    const workloadSans = [...new Set(sans.filter((s) => s.includes('/ns/')))];
    if (!workloadSans.includes(want)) {
      findings.push({
        object: podObj(pod),
        message: `the proxy serves ${workloadSans.join(', ') || 'no workload certificate'}, expected ${want}`,
        hint: `check the SPIRE entry for this pod (mesh.spire.entries) and the trust domain (mesh.spire.trust-domain), then ${restartHint(pod)}`,
        field: 'certificates[].cert_chain[].subject_alt_names[].uri',
        expected: want,
        actual: workloadSans.join(', ') || '(none)',
      });
    }
  }
  if (findings.length === 0 && unreadable.length) {
    return {
      status: 'inconclusive',
      findings: unreadable,
      details: [`${certs.length - unreadable.length}/${certs.length} proxies read`],
    };
  }
  return failed(
    [...findings, ...unreadable],
    `${certs.length - findings.length - unreadable.length}/${certs.length} proxies hold their expected SPIFFE ID`,
  );
}

/** Prometheus can scrape every mesh proxy: the merged-metrics annotations Istio sets on injection. */
export function checkScrapeAnnotations(pods: KubeObject[], profile: Profile): CheckResult {
  const findings: Finding[] = [];
  let n = 0;
  for (const pod of pods) {
    if (!proxyContainer(pod)) continue;
    n++;
    const a = annotations(pod);
    if (a['prometheus.io/scrape'] !== 'true' || !a['prometheus.io/port']) {
      findings.push({
        object: podObj(pod),
        message: `${podObj(pod)} is not annotated for scraping (prometheus.io/scrape=${a['prometheus.io/scrape'] ?? '<unset>'}, port ${a['prometheus.io/port'] ?? '<unset>'}): its mesh metrics do not reach Prometheus`,
        hint: `enable meshConfig.enablePrometheusMerge (the default) and ${restartHint(pod)}, or add prometheus.io/scrape: "true", prometheus.io/port: "15020", prometheus.io/path: /stats/prometheus`,
      });
    }
  }
  if (n === 0) return noPodsToCheck(profile.namespaces.mesh, 'injected pods');
  return failed(
    findings,
    `${n - findings.length}/${n} proxies annotated for Prometheus (${profile.prometheus.url})`,
  );
}
