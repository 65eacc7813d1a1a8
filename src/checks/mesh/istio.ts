import { noPodsToCheck } from '../common/no-pods.ts';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../cluster/types.ts';
import { Resources, type ResourceRef } from '../../cluster/resources.ts';
import type { Profile } from '../../profile/index.ts';
import { proxyContainer } from '../common/containers.ts';
import { rec, recs, str } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { parseVersion } from '../version.ts';
import { findByName, imageTag, podReady, restartHint, rolloutStatus } from './k8s.ts';
import {
  DEFAULT_REVISION,
  defaultRevision,
  describeInstalled,
  podRevision,
  resolveRevision,
  REV_LABEL,
  revisionedName,
  type ControlPlane,
} from './revisions.ts';

/** Whether an image tag is the profile's Istio version: major.minor, and the patch when the profile gives one. */
export function sameIstioVersion(tag: string | undefined, wanted: string): boolean {
  const a = parseVersion(tag);
  const b = parseVersion(wanted);
  if (!a || !b) return false;
  return a.major === b.major && a.minor === b.minor && (b.patch === undefined || a.patch === b.patch);
}

function installHint(cp: ControlPlane, profile: Profile): string {
  const ns = profile.namespaces.istio;
  const rev = cp.revision === DEFAULT_REVISION ? '' : ` --set revision=${cp.revision}`;
  return `helm upgrade --install ${cp.names.istiod} istio/istiod -n ${ns} --version ${profile.istio.version}${rev} --wait`;
}

/**
 * istiod of the revision the mesh namespace uses (see `controlPlane`) is installed, ready and runs the
 * profile's Istio version (its image tag). Other installed revisions are listed: during a canary
 * upgrade two run side by side.
 */
export function checkIstiod(cp: ControlPlane, profile: Profile): CheckResult {
  const ns = profile.namespaces.istio;
  const obj = objectName('Deployment', cp.names.istiod, ns);
  const others = `installed revisions: ${describeInstalled(cp.installed)}`;
  const dep = cp.istiod?.deployment;
  if (!dep) {
    return failed(
      [
        {
          object: obj,
          message:
            cp.installed.length === 0
              ? `${obj} does not exist: the Istio control plane is not installed`
              : `${obj} does not exist: control plane revision ${cp.revision} (${cp.via}) is not installed; ${others}`,
          hint: installHint(cp, profile),
        },
      ],
      `revision ${cp.revision} (${cp.via}); ${others}`,
    );
  }
  const findings: Finding[] = [];
  const { desired, ready } = rolloutStatus(dep);
  if (ready < 1) {
    findings.push({
      object: obj,
      message: `${obj} has ${ready}/${desired} ready replicas: no control plane serves configuration or certificates`,
      hint: `kubectl -n ${ns} describe deployment/${cp.names.istiod}; kubectl -n ${ns} logs deployment/${cp.names.istiod}`,
      field: 'status.readyReplicas',
      expected: '>= 1',
      actual: String(ready),
    });
  }
  const tag = cp.istiod?.version ?? '';
  if (!sameIstioVersion(tag, profile.istio.version)) {
    findings.push({
      object: obj,
      message: `${obj} (revision ${cp.revision}) runs ${cp.istiod?.image || 'no image'}, the profile expects Istio ${profile.istio.version}`,
      hint: installHint(cp, profile).replace('upgrade --install', 'upgrade'),
      field: 'spec.template.spec.containers[0].image',
      expected: profile.istio.version,
      actual: tag || '(none)',
    });
  }
  const release = dep.metadata.annotations?.['meta.helm.sh/release-name'];
  return failed(
    findings,
    `${cp.names.istiod} ${tag || '?'}, ${ready}/${desired} ready${release ? ` (Helm release ${release})` : ''}; revision ${cp.revision} (${cp.via})`,
    others,
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
 * The injector and validator webhooks of the revision exist and point at an existing istiod Service
 * with a CA bundle (istioctl analyze IST0139 InvalidWebhook reports a webhook whose Service is
 * missing); so do the revision tags' webhooks, and each tag points at an installed revision.
 */
export function checkWebhooks(
  cp: ControlPlane,
  mutating: KubeObject[],
  validating: KubeObject[],
  services: KubeObject[],
  profile: Profile,
): CheckResult {
  const ns = profile.namespaces.istio;
  const required: [KubeObject[], string, string][] = [
    [mutating, 'MutatingWebhookConfiguration', cp.names.injector],
    [validating, 'ValidatingWebhookConfiguration', cp.names.validator],
  ];
  // The base chart's default validator exists with an unrevisioned install; with revisions only
  // when `defaultRevision` is set. It is checked wherever it exists.
  if (cp.revision === DEFAULT_REVISION)
    required.push([validating, 'ValidatingWebhookConfiguration', 'istiod-default-validator']);
  const optional: [KubeObject, string][] = [
    ...(cp.revision === DEFAULT_REVISION
      ? []
      : validating
          .filter((v) => v.metadata.name === 'istiod-default-validator')
          .map((v): [KubeObject, string] => [v, 'ValidatingWebhookConfiguration'])),
    ...cp.tags.map((t): [KubeObject, string] => [t.webhook, 'MutatingWebhookConfiguration']),
  ];
  const findings: Finding[] = [];
  const seen: string[] = [];
  const checkServices = (cfg: KubeObject, kind: string): void => {
    seen.push(cfg.metadata.name);
    for (const w of webhookServices(cfg)) {
      if (!w.service) continue;
      if (!findByName(services, w.service, w.namespace)) {
        findings.push({
          object: objectName(kind, cfg.metadata.name),
          message: `webhook ${w.webhook} calls Service ${w.namespace ?? '?'}/${w.service}, which does not exist (istioctl analyze: IST0139)`,
          hint: `point the webhook at the Service of an installed istiod (${cp.names.service}), or reinstall: ${installHint(cp, profile)}`,
          field: 'webhooks[].clientConfig.service.name',
          expected: cp.names.service,
          actual: w.service,
        });
      } else if (!w.caBundle) {
        findings.push({
          object: objectName(kind, cfg.metadata.name),
          message: `webhook ${w.webhook} has no caBundle: the API server cannot verify istiod and every call fails`,
          hint: `restart istiod so it patches the bundle: kubectl -n ${ns} rollout restart deployment/${cp.names.istiod}`,
        });
      }
    }
  };
  for (const [list, kind, name] of required) {
    const cfg = findByName(list, name);
    if (!cfg) {
      findings.push({
        object: objectName(kind, name),
        message: `${kind} ${name} of revision ${cp.revision} does not exist: ${kind.startsWith('Mutating') ? 'no sidecar is injected' : 'invalid Istio configuration is not rejected'}`,
        hint: `reinstall the Istio charts: helm upgrade --install istio-base istio/base -n ${ns} && ${installHint(cp, profile)}`,
      });
      continue;
    }
    checkServices(cfg, kind);
  }
  for (const [cfg, kind] of optional) checkServices(cfg, kind);
  for (const t of cp.tags) {
    if (cp.installed.some((i) => i.revision === t.revision)) continue;
    findings.push({
      object: objectName('MutatingWebhookConfiguration', t.webhook.metadata.name),
      message: `revision tag ${t.tag} points at revision ${t.revision}, which has no istiod (installed: ${describeInstalled(cp.installed)}): namespaces labelled istio.io/rev=${t.tag} get no sidecar`,
      hint: `istioctl tag set ${t.tag} --revision <an installed revision> --overwrite`,
      field: `metadata.labels["istio.io/rev"]`,
      expected: cp.installed.map((i) => i.revision).join(' | ') || '(an installed revision)',
      actual: t.revision,
    });
  }
  const tags = cp.tags.map((t) => `${t.tag} → ${t.revision}`).join(', ');
  return failed(
    findings,
    `webhooks present: ${seen.join(', ') || 'none'}`,
    ...(tags ? [`revision tags: ${tags}`] : []),
  );
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

/** The mesh config of the revision (`istio` or `istio-<rev>`) has the profile's trust domain, root namespace and auto mTLS. */
export function checkMeshConfig(cm: KubeObject | undefined, cp: ControlPlane, profile: Profile): CheckResult {
  const ns = profile.namespaces.istio;
  const name = cp.names.meshConfig;
  const obj = objectName('ConfigMap', name, ns);
  const mesh = readMeshConfig(cm);
  if (!mesh) {
    return failed([
      {
        object: obj,
        message: cm
          ? `${obj} has no readable \`mesh\` key (YAML)`
          : `${obj} does not exist: istiod of revision ${cp.revision} has no mesh configuration`,
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

/** The proxy image a revision's injector sets: `values.global` of the `istio-sidecar-injector[-<rev>]` ConfigMap. */
export function injectorProxyImage(cm: KubeObject | undefined): string | undefined {
  const values = str(rec(cm?.data).values);
  if (!values) return undefined;
  let global: Record<string, unknown>;
  try {
    global = rec(rec(JSON.parse(values) as unknown).global);
  } catch {
    return undefined;
  }
  const image = str(rec(global.proxy).image);
  if (!image) return undefined;
  // The injection template's own rule: a proxy image with a '/' is used as is.
  if (image.includes('/')) return image;
  const hub = str(global.hub);
  const tag = str(global.tag);
  return hub && tag ? `${hub}/${image}:${tag}` : undefined;
}

/**
 * Every proxy runs what its revision injects today (istioctl analyze IST0158: the full image the
 * revision's injector sets, not only major.minor), and was injected by the revision its namespace
 * (or, for a gateway pod, its `istio.io/rev` label) selects: pods injected by another revision are
 * reported as mixed revisions, with the restart that moves them.
 */
export function checkProxyVersions(
  pods: KubeObject[],
  cp: ControlPlane,
  istioConfigMaps: KubeObject[],
  profile: Profile,
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const findings: Finding[] = [];
  const custom: string[] = [];
  const byRevision = new Map<string, number>();
  let count = 0;
  for (const pod of pods) {
    const proxy = proxyContainer(pod);
    if (!proxy) continue;
    count++;
    const pobj = objectName('Pod', pod.metadata.name, pod.metadata.namespace);
    const ns = pod.metadata.namespace ?? '';
    const label = pod.metadata.labels?.[REV_LABEL];
    const expected =
      ns === mesh
        ? cp.revision
        : ((label ? resolveRevision(label, cp.installed, cp.tags)?.revision : undefined) ??
          defaultRevision(cp.installed, cp.tags) ??
          cp.revision);
    const actual = podRevision(pod) ?? DEFAULT_REVISION;
    byRevision.set(actual, (byRevision.get(actual) ?? 0) + 1);
    if (actual !== expected) {
      findings.push({
        object: pobj,
        message: `${pobj} was injected by revision ${actual}, ${ns === mesh ? `${ns} now uses revision ${expected} (${cp.via})` : `its istio.io/rev label selects revision ${expected}`}: mixed revisions, so this proxy takes its configuration from another istiod`,
        hint: restartHint(pod),
        field: 'metadata.annotations["istio.io/rev"]',
        expected,
        actual,
      });
      continue;
    }
    if (pod.metadata.annotations?.['sidecar.istio.io/proxyImage']) {
      custom.push(pod.metadata.name);
      continue;
    }
    const image = str(proxy.spec.image) ?? '';
    const injector = findByName(
      istioConfigMaps,
      revisionedName('istio-sidecar-injector', expected),
      profile.namespaces.istio,
    );
    const want = injectorProxyImage(injector);
    const istiodVersion = cp.installed.find((i) => i.revision === expected)?.version;
    if (
      want !== undefined ? image === want : istiodVersion === undefined || imageTag(image) === istiodVersion
    )
      continue;
    const wanted = want ?? `a proxy image tagged ${istiodVersion ?? '?'} (istiod's)`;
    findings.push({
      object: pobj,
      message: `istio-proxy runs ${image || 'no image'}, revision ${expected} injects ${wanted} (istioctl analyze: IST0158)`,
      hint: `restart the workload so the injector sets the current proxy: ${restartHint(pod)}`,
      field: 'spec.containers[istio-proxy].image',
      expected: want ?? istiodVersion ?? '',
      actual: image,
    });
  }
  if (count === 0) return noPodsToCheck(mesh, 'injected pods');
  const revisions = [...byRevision].map(([r, n]) => `${n} on ${r}`).join(', ');
  return failed(
    findings,
    `${count - findings.length}/${count} proxies on their revision's proxy image (${revisions})`,
    ...(custom.length
      ? [`custom proxy image (sidecar.istio.io/proxyImage), not compared: ${custom.join(', ')}`]
      : []),
  );
}
