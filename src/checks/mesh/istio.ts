import { noPodsToCheck } from '../common/no-pods.ts';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../cluster/types.ts';
import { Resources, type ResourceRef } from '../../cluster/resources.ts';
import type { Profile } from '../../profile/index.ts';
import { proxyContainer } from '../common/containers.ts';
import { rec, recs, str } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { parseVersion } from '../version.ts';
import { findByName, imageTag, podReady, rolloutStatus } from './k8s.ts';

/** `istiod` or `istiod-<rev>`; the same suffix rule names the injector webhook. */
export function revisioned(base: string, profile: Profile): string {
  return profile.istio.revision ? `${base}-${profile.istio.revision}` : base;
}

/** "1.20" of "1.20.1", for comparing data plane and control plane as istioctl does (IST0158). */
function majorMinor(version: string): string | undefined {
  const v = parseVersion(version);
  return v ? `${v.major}.${v.minor}` : undefined;
}

export function checkIstiod(deployments: KubeObject[], profile: Profile): CheckResult {
  const ns = profile.namespaces.istio;
  const name = revisioned('istiod', profile);
  const obj = objectName('Deployment', name, ns);
  const dep = findByName(deployments, name, ns);
  if (!dep) {
    return failed([
      {
        object: obj,
        message: `${obj} does not exist: the Istio control plane is not installed`,
        hint: `helm install istiod istio/istiod -n ${ns} --version ${profile.istio.version} --wait`,
      },
    ]);
  }
  const findings: Finding[] = [];
  const { desired, ready } = rolloutStatus(dep);
  if (ready < 1) {
    findings.push({
      object: obj,
      message: `${obj} has ${ready}/${desired} ready replicas: no control plane serves configuration or certificates`,
      hint: `kubectl -n ${ns} describe deployment/${name}; kubectl -n ${ns} logs deployment/${name}`,
      field: 'status.readyReplicas',
      expected: '>= 1',
      actual: String(ready),
    });
  }
  const image = str(recs(rec(rec(rec(dep.spec).template).spec).containers)[0]?.image) ?? '';
  const tag = imageTag(image) ?? '';
  if (majorMinor(tag) !== majorMinor(profile.istio.version)) {
    findings.push({
      object: obj,
      message: `${obj} runs ${image || 'no image'}, the profile expects Istio ${profile.istio.version}`,
      hint: `helm upgrade istiod istio/istiod -n ${ns} --version ${profile.istio.version}`,
      field: 'spec.template.spec.containers[0].image',
      expected: profile.istio.version,
      actual: tag || '(none)',
    });
  }
  const release = dep.metadata.annotations?.['meta.helm.sh/release-name'];
  return failed(
    findings,
    `istiod ${tag || '?'}, ${ready}/${desired} ready${release ? ` (Helm release ${release})` : ''}`,
  );
}

function webhookServices(
  cfg: KubeObject,
): { webhook: string; service?: string; namespace?: string; caBundle: boolean }[] {
  return recs(cfg.webhooks).map((w) => {
    const cc = rec(w.clientConfig);
    const svc = rec(cc.service);
    return {
      webhook: str(w.name) ?? '?',
      service: str(svc.name),
      namespace: str(svc.namespace),
      caBundle: (str(cc.caBundle) ?? '') !== '',
    };
  });
}

/**
 * The injector and validator webhooks exist and point at an existing istiod Service with a CA bundle
 * (istioctl analyze IST0139 InvalidWebhook reports a webhook whose Service is missing).
 */
export function checkWebhooks(
  mutating: KubeObject[],
  validating: KubeObject[],
  services: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.istio;
  const wanted: [KubeObject[], string, string][] = [
    [mutating, 'MutatingWebhookConfiguration', revisioned('istio-sidecar-injector', profile)],
    [validating, 'ValidatingWebhookConfiguration', `${revisioned('istio-validator', profile)}-${ns}`],
  ];
  if (!profile.istio.revision)
    wanted.push([validating, 'ValidatingWebhookConfiguration', 'istiod-default-validator']);
  const findings: Finding[] = [];
  const seen: string[] = [];
  for (const [list, kind, name] of wanted) {
    const cfg = findByName(list, name);
    if (!cfg) {
      findings.push({
        object: objectName(kind, name),
        message: `${kind} ${name} does not exist: ${kind.startsWith('Mutating') ? 'no sidecar is injected' : 'invalid Istio configuration is not rejected'}`,
        hint: `reinstall the Istio charts: helm upgrade --install istio-base istio/base -n ${ns} && helm upgrade --install istiod istio/istiod -n ${ns}`,
      });
      continue;
    }
    seen.push(name);
    for (const w of webhookServices(cfg)) {
      if (!w.service) continue;
      if (!findByName(services, w.service, w.namespace)) {
        findings.push({
          object: objectName(kind, name),
          message: `webhook ${w.webhook} calls Service ${w.namespace ?? '?'}/${w.service}, which does not exist (istioctl analyze: IST0139)`,
          hint: `point the webhook at the istiod Service, or reinstall istiod: helm upgrade --install istiod istio/istiod -n ${ns}`,
        });
      } else if (!w.caBundle) {
        findings.push({
          object: objectName(kind, name),
          message: `webhook ${w.webhook} has no caBundle: the API server cannot verify istiod and every call fails`,
          hint: `restart istiod so it patches the bundle: kubectl -n ${ns} rollout restart deployment/${revisioned('istiod', profile)}`,
        });
      }
    }
  }
  return failed(findings, `webhooks present: ${seen.join(', ') || 'none'}`);
}

const ISTIO_KINDS: ResourceRef[] = [
  Resources.gateways,
  Resources.virtualServices,
  Resources.destinationRules,
  Resources.peerAuthentications,
  Resources.authorizationPolicies,
];

/** The Istio CRDs meshgate reads are installed and serve the versions Istio 1.20 stores (base chart). */
export function checkIstioCrds(crds: KubeObject[], profile: Profile): CheckResult {
  const findings: Finding[] = [];
  for (const ref of ISTIO_KINDS) {
    const name = `${ref.plural}.${ref.group}`;
    const crd = findByName(crds, name);
    const served = recs(rec(crd?.spec).versions)
      .filter((v) => v.served === true)
      .map((v) => str(v.name) ?? '');
    if (!crd || !served.includes(ref.version)) {
      findings.push({
        object: objectName('CustomResourceDefinition', name),
        message: crd
          ? `CRD ${name} does not serve ${ref.version} (serves ${served.join(', ') || 'nothing'})`
          : `CRD ${name} is not installed: the Istio base chart is missing`,
        hint: `helm upgrade --install istio-base istio/base -n ${profile.namespaces.istio} --version ${profile.istio.version}`,
      });
    }
  }
  return failed(findings, `${ISTIO_KINDS.length - findings.length}/${ISTIO_KINDS.length} Istio CRDs served`);
}

export interface MeshConfig {
  trustDomain: string;
  rootNamespace: string;
  enableAutoMtls: boolean;
  enablePrometheusMerge: boolean;
}

/** Reads the `mesh` key of the mesh ConfigMap with Istio's defaults for what is left out. */
export function readMeshConfig(cm: KubeObject | undefined): MeshConfig | undefined {
  const text = str(rec(cm?.data).mesh);
  if (text === undefined) return undefined;
  let m: Record<string, unknown>;
  try {
    m = rec(parseYaml(text));
  } catch {
    return undefined;
  }
  return {
    trustDomain: str(m.trustDomain) ?? 'cluster.local',
    rootNamespace: str(m.rootNamespace) ?? 'istio-system',
    enableAutoMtls: m.enableAutoMtls !== false,
    enablePrometheusMerge: m.enablePrometheusMerge !== false,
  };
}

export function checkMeshConfig(cm: KubeObject | undefined, profile: Profile): CheckResult {
  const ns = profile.namespaces.istio;
  const name = revisioned(profile.istio.meshConfigMap, profile);
  const obj = objectName('ConfigMap', name, ns);
  const mesh = readMeshConfig(cm);
  if (!mesh) {
    return failed([
      {
        object: obj,
        message: cm
          ? `${obj} has no readable \`mesh\` key (YAML)`
          : `${obj} does not exist: istiod has no mesh configuration`,
        hint: `reinstall istiod with meshConfig.trustDomain=${profile.trustDomain}: helm upgrade --install istiod istio/istiod -n ${ns} --set meshConfig.trustDomain=${profile.trustDomain}`,
      },
    ]);
  }
  const findings: Finding[] = [];
  const want: [keyof MeshConfig, string | boolean, string][] = [
    ['trustDomain', profile.trustDomain, `--set meshConfig.trustDomain=${profile.trustDomain}`],
    [
      'rootNamespace',
      profile.istio.rootNamespace,
      `--set meshConfig.rootNamespace=${profile.istio.rootNamespace}`,
    ],
    ['enableAutoMtls', true, '--set meshConfig.enableAutoMtls=true'],
  ];
  for (const [field, expected, flag] of want) {
    if (mesh[field] !== expected) {
      findings.push({
        object: obj,
        message: `mesh config ${field} is ${String(mesh[field])}, the profile expects ${String(expected)}`,
        hint: `helm upgrade istiod istio/istiod -n ${ns} --reuse-values ${flag}`,
        field: `data.mesh.${field}`,
        expected: String(expected),
        actual: String(mesh[field]),
      });
    }
  }
  return failed(
    findings,
    `trustDomain ${mesh.trustDomain}, rootNamespace ${mesh.rootNamespace}, autoMtls ${mesh.enableAutoMtls}`,
  );
}

export function checkIngressGateway(
  deployments: KubeObject[],
  services: KubeObject[],
  pods: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.istio;
  const { name, selector } = profile.istio.ingressGateway;
  const findings: Finding[] = [];
  const dep = findByName(deployments, name, ns);
  const depObj = objectName('Deployment', name, ns);
  if (!dep) {
    findings.push({
      object: depObj,
      message: `${depObj} does not exist: there is no ingress gateway to shift traffic through`,
      hint: `helm install ${name} istio/gateway -n ${ns} --version ${profile.istio.version}`,
    });
  } else {
    const { desired, ready } = rolloutStatus(dep);
    if (ready < 1 || ready < desired) {
      findings.push({
        object: depObj,
        message: `${depObj} has ${ready}/${desired} ready replicas`,
        hint: `kubectl -n ${ns} describe deployment/${name}`,
        field: 'status.readyReplicas',
        expected: String(desired),
        actual: String(ready),
      });
    }
  }
  const labelled = pods.filter(
    (p) =>
      p.metadata.namespace === ns && Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v),
  );
  const selText = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (dep && labelled.length === 0) {
    findings.push({
      object: depObj,
      message: `no pod in ${ns} carries the gateway labels ${selText} that Gateways select`,
      hint: `set the gateway chart's labels (helm upgrade ${name} istio/gateway -n ${ns} --set labels.${Object.keys(selector)[0] ?? 'istio'}=...) or correct istio.ingressGateway.selector in meshgate.config.ts`,
    });
  }
  const svc = findByName(services, name, ns);
  if (!svc) {
    findings.push({
      object: objectName('Service', name, ns),
      message: `Service ${ns}/${name} does not exist: the gateway is not reachable from outside`,
      hint: `helm upgrade --install ${name} istio/gateway -n ${ns}`,
    });
  }
  const ready = labelled.filter(podReady).length;
  return failed(findings, `${name}: ${ready}/${labelled.length} gateway pods ready (${selText})`);
}

/** Istio CNI: the node agent runs ready on every node it is scheduled to. */
export function checkCni(daemonSets: KubeObject[], profile: Profile): CheckResult {
  const ns = profile.namespaces.istio;
  const name = profile.istio.cniDaemonSet;
  const obj = objectName('DaemonSet', name, ns);
  const ds = findByName(daemonSets, name, ns);
  if (!ds) {
    return failed([
      {
        object: obj,
        message: `${obj} does not exist: without Istio CNI every injected pod needs the privileged istio-init container`,
        hint: `helm install istio-cni istio/cni -n ${ns} --version ${profile.istio.version} && helm upgrade istiod istio/istiod -n ${ns} --reuse-values --set istio_cni.enabled=true`,
      },
    ]);
  }
  const { desired, ready } = rolloutStatus(ds);
  const findings: Finding[] =
    desired === 0 || ready < desired
      ? [
          {
            object: obj,
            message: `${obj} has ${ready}/${desired} ready pods: pods scheduled on a node without a ready CNI agent start without traffic redirection`,
            hint: `kubectl -n ${ns} describe daemonset/${name}; kubectl -n ${ns} get pods -l k8s-app=${name} -o wide`,
            field: 'status.numberReady',
            expected: String(desired),
            actual: String(ready),
          },
        ]
      : [];
  return failed(findings, `istio-cni ${ready}/${desired} nodes ready`);
}

/**
 * Proxies run the control plane's minor version (istioctl analyze IST0158): mismatched proxies get
 * configuration they may not understand.
 */
export function checkProxyVersions(
  pods: KubeObject[],
  deployments: KubeObject[],
  profile: Profile,
): CheckResult {
  const istiod = findByName(deployments, revisioned('istiod', profile), profile.namespaces.istio);
  const cpImage = str(recs(rec(rec(rec(istiod?.spec).template).spec).containers)[0]?.image) ?? '';
  const cpVersion = imageTag(cpImage) ?? profile.istio.version;
  const want = majorMinor(cpVersion);
  const findings: Finding[] = [];
  let count = 0;
  for (const pod of pods) {
    const proxy = proxyContainer(pod);
    if (!proxy) continue;
    count++;
    const image = str(proxy.spec.image) ?? '';
    const tag = imageTag(image) ?? '';
    if (majorMinor(tag) !== want) {
      findings.push({
        object: objectName('Pod', pod.metadata.name, pod.metadata.namespace),
        message: `istio-proxy runs ${image}, the control plane is ${cpVersion} (istioctl analyze: IST0158)`,
        hint: `restart the workload so the injector sets the current proxy: kubectl rollout restart deployment -n ${pod.metadata.namespace ?? ''}`,
        field: 'spec.containers[istio-proxy].image',
        expected: cpVersion,
        actual: tag || image,
      });
    }
  }
  if (count === 0) return noPodsToCheck(profile.namespaces.mesh, 'injected pods');
  return failed(findings, `${count - findings.length}/${count} proxies on Istio ${want ?? '?'}`);
}
