import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { podContainers, type PodContainer } from '../common/containers.ts';
import { labelsOf, num, rec, recs, str, strs } from '../common/narrow.ts';
import { failed, inconclusive, objectName, type CheckResult, type Finding } from '../types.ts';
import { ownerOf } from './mesh-pods.ts';

const PSS = 'pod-security.kubernetes.io';
const RESTRICTED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);

/** The namespace enforces, audits and warns at "restricted". */
export function checkNamespacePodSecurity(namespace: KubeObject | undefined, profile: Profile): CheckResult {
  const mesh = profile.namespaces.mesh;
  const object = objectName('Namespace', mesh);
  if (!namespace) {
    return failed([
      { object, message: `namespace ${mesh} does not exist`, hint: `kubectl create namespace ${mesh}` },
    ]);
  }
  const labels = labelsOf(namespace.metadata.labels);
  const findings: Finding[] = [];
  for (const mode of ['enforce', 'audit', 'warn']) {
    const key = `${PSS}/${mode}`;
    if (labels[key] === 'restricted') continue;
    findings.push({
      object,
      message: `${object} has ${key}=${labels[key] ?? '(unset)'}; the guide requires restricted${mode === 'enforce' ? ': non-compliant pods are admitted' : ''}`,
      hint: `kubectl label namespace ${mesh} ${key}=restricted --overwrite`,
      field: `metadata.labels["${key}"]`,
      expected: 'restricted',
      actual: labels[key] ?? '(unset)',
    });
  }
  const versions = ['enforce', 'audit', 'warn'].map(
    (m) => `${m}=${labels[`${PSS}/${m}`] ?? '-'}:${labels[`${PSS}/${m}-version`] ?? 'latest'}`,
  );
  return failed(findings, `${object}: ${versions.join(', ')}`);
}

interface Violation {
  field: string;
  message: string;
  expected: string;
  actual: string;
}

function containerViolations(c: PodContainer, podSc: Record<string, unknown>): Violation[] {
  const sc = rec(c.spec.securityContext);
  const path = `securityContext`;
  const out: Violation[] = [];
  if (sc.privileged === true) {
    out.push({ field: `${path}.privileged`, message: 'runs privileged', expected: 'false', actual: 'true' });
  }
  if (sc.allowPrivilegeEscalation !== false) {
    out.push({
      field: `${path}.allowPrivilegeEscalation`,
      message: `allows privilege escalation (allowPrivilegeEscalation is ${sc.allowPrivilegeEscalation === true ? 'true' : 'unset'})`,
      expected: 'false',
      actual: String(sc.allowPrivilegeEscalation ?? 'unset'),
    });
  }
  const caps = rec(sc.capabilities);
  const drop = strs(caps.drop);
  if (!drop.includes('ALL')) {
    out.push({
      field: `${path}.capabilities.drop`,
      message: 'does not drop ALL capabilities',
      expected: '[ALL]',
      actual: JSON.stringify(drop),
    });
  }
  const added = strs(caps.add).filter((a) => a !== 'NET_BIND_SERVICE');
  if (added.length) {
    out.push({
      field: `${path}.capabilities.add`,
      message: `adds capabilities ${added.join(', ')}`,
      expected: 'at most NET_BIND_SERVICE',
      actual: added.join(','),
    });
  }
  const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  if (nonRoot !== true) {
    out.push({
      field: `${path}.runAsNonRoot`,
      message: 'may run as root (runAsNonRoot is not true at container or pod level)',
      expected: 'true',
      actual: String(nonRoot ?? 'unset'),
    });
  }
  const uid = num(sc.runAsUser) ?? num(podSc.runAsUser);
  if (uid === 0) {
    out.push({ field: `${path}.runAsUser`, message: 'runs as uid 0', expected: 'non-zero', actual: '0' });
  }
  const seccomp = str(rec(sc.seccompProfile).type) ?? str(rec(podSc.seccompProfile).type);
  if (!seccomp || !SECCOMP_OK.has(seccomp)) {
    out.push({
      field: `${path}.seccompProfile.type`,
      message: `has ${seccomp ? `seccomp profile ${seccomp}` : 'no seccomp profile (neither the container nor the pod sets one)'}`,
      expected: 'RuntimeDefault or Localhost',
      actual: seccomp ?? 'unset',
    });
  }
  return out;
}

/**
 * Every pod of the mesh namespace, and each of its containers (init, injected and ephemeral
 * included), against Pod Security "restricted", field by field. The injected istio-proxy and
 * istio-validation set no seccomp profile: the pod must.
 */
export function checkPodsRestricted(pods: KubeObject[], profile: Profile): CheckResult {
  const mesh = profile.namespaces.mesh;
  const inMesh = pods.filter((p) => p.metadata.namespace === mesh);
  if (inMesh.length === 0) {
    return failed([
      {
        object: objectName('Namespace', mesh),
        message: `no pods in ${mesh} to check`,
        hint: `deploy the mesh workloads: kubectl -n ${mesh} get deploy`,
      },
    ]);
  }
  const findings: Finding[] = [];
  let containers = 0;
  for (const pod of inMesh) {
    const spec = rec(pod.spec);
    const podSc = rec(spec.securityContext);
    const pname = objectName('Pod', pod.metadata.name, mesh);
    const owner = ownerOf(pod);
    const edit = `kubectl -n ${mesh} edit ${owner.kind} ${owner.name}`;
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (spec[f] === true) {
        findings.push({
          object: pname,
          message: `${pname} sets ${f}: true, which restricted forbids`,
          hint: `remove spec.${f}: ${edit}`,
          field: `spec.${f}`,
          expected: 'false',
          actual: 'true',
        });
      }
    }
    for (const v of recs(spec.volumes)) {
      const type = Object.keys(v).find((k) => k !== 'name');
      if (type && !RESTRICTED_VOLUMES.includes(type)) {
        findings.push({
          object: pname,
          message: `${pname} volume ${str(v.name) ?? '?'} is of type ${type}, which restricted forbids`,
          hint: `use one of ${RESTRICTED_VOLUMES.join(', ')}: ${edit}`,
          field: `spec.volumes[${str(v.name) ?? '?'}]`,
          expected: RESTRICTED_VOLUMES.join('|'),
          actual: type,
        });
      }
    }
    for (const c of podContainers(pod)) {
      containers++;
      const list =
        c.kind === 'container'
          ? 'containers'
          : c.kind === 'ephemeral'
            ? 'ephemeralContainers'
            : 'initContainers';
      for (const v of containerViolations(c, podSc)) {
        const field = `spec.${list}[${c.name}].${v.field}`;
        findings.push({
          object: pname,
          message: `${c.kind === 'container' ? 'container' : `${c.kind} container`} "${c.name}" of ${pname} ${v.message}, which Pod Security "restricted" forbids`,
          hint: v.field.includes('seccomp')
            ? `set spec.securityContext.seccompProfile.type: RuntimeDefault in the pod template: ${edit}`
            : `set ${v.field}: ${v.expected.split(' ')[0]} on ${c.name} in the pod template: ${edit}`,
          field,
          expected: v.expected,
          actual: v.actual,
        });
      }
      if (!recs(c.spec.ports).every((p) => (num(p.hostPort) ?? 0) === 0)) {
        findings.push({
          object: pname,
          message: `container "${c.name}" of ${pname} uses a hostPort, which restricted forbids`,
          hint: `remove hostPort: ${edit}`,
          field: `spec.${list}[${c.name}].ports`,
        });
      }
    }
  }
  return failed(
    findings,
    `${inMesh.length} pods, ${containers} containers in ${mesh} checked against restricted`,
  );
}

/** A pod that violates restricted on purpose, for the server-side dry run. Never stored. */
export function violatingPod(profile: Profile): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'meshgate-pss-dry-run',
      namespace: profile.namespaces.mesh,
      labels: { 'app.kubernetes.io/managed-by': 'meshgate', 'sidecar.istio.io/inject': 'false' },
    },
    spec: {
      containers: [
        {
          name: 'probe',
          image: profile.security.probe.image,
          command: ['sleep', '1'],
          securityContext: { allowPrivilegeEscalation: true },
        },
      ],
    },
  };
}

export type DryRunOutcome =
  | { outcome: 'admitted' }
  | { outcome: 'rejected'; message: string }
  | { outcome: 'forbidden'; message: string };

/**
 * A server-side dry-run creation of a violating pod must be rejected by Pod Security admission
 * (`violates PodSecurity "restricted:..."`); a 403 from RBAC says nothing about admission.
 */
export function checkPodSecurityEnforced(result: DryRunOutcome, profile: Profile): CheckResult {
  const mesh = profile.namespaces.mesh;
  const object = objectName('Namespace', mesh);
  if (result.outcome === 'rejected' && /violates PodSecurity "restricted/.test(result.message)) {
    return failed(
      [],
      `a dry-run pod with allowPrivilegeEscalation and no seccomp profile was rejected: ${result.message}`,
    );
  }
  if (result.outcome === 'forbidden') {
    return inconclusive([
      {
        object,
        message: `could not confirm enforcement: the dry-run pod creation in ${mesh} was refused by RBAC (${result.message})`,
        hint: `grant "create" on pods in ${mesh} (used with dryRun=All only, nothing is stored)`,
      },
    ]);
  }
  return failed([
    {
      object,
      message:
        result.outcome === 'admitted'
          ? `a pod violating Pod Security "restricted" was admitted in ${mesh} (server-side dry run): restricted is not enforced`
          : `a dry-run pod in ${mesh} was rejected, but not by Pod Security "restricted": ${result.message}`,
      hint: `kubectl label namespace ${mesh} pod-security.kubernetes.io/enforce=restricted --overwrite (and check no admission exemption covers it)`,
      expected: 'violates PodSecurity "restricted:latest"',
      actual: result.outcome === 'admitted' ? 'admitted' : result.message,
    },
  ]);
}
