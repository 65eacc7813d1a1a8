import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { objectLabels, type KubeObject } from './kube-object.ts';

/**
 * Pod Security admission ("enforce" mode) for Pod creation, following the checks and messages of
 * k8s.io/pod-security-admission. Only the checks a mesh workload can trip are implemented (no
 * AppArmor, SELinux, sysctls, procMount or Windows checks).
 */
type Level = 'privileged' | 'baseline' | 'restricted';

interface Container {
  name: string;
  sc: JsonObject;
  ports: JsonObject[];
}

interface Violation {
  reason: string;
  detail: string;
}

const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

const obj = (value: JsonValue | undefined): JsonObject => (isJsonObject(value) ? value : {});
const quote = (items: readonly string[]) => items.map((i) => `"${i}"`).join(', ');
const plural = (one: string, many: string, items: readonly unknown[]) => (items.length === 1 ? one : many);

function containersOf(spec: JsonObject): Container[] {
  return ['initContainers', 'containers', 'ephemeralContainers'].flatMap((field) => {
    const list = spec[field];
    return Array.isArray(list)
      ? list.filter(isJsonObject).map((c) => ({
          name: typeof c.name === 'string' ? c.name : '',
          sc: obj(c.securityContext),
          ports: Array.isArray(c.ports) ? c.ports.filter(isJsonObject) : [],
        }))
      : [];
  });
}

function baselineChecks(
  spec: JsonObject,
  podSc: JsonObject,
  containers: Container[],
): Array<[string, Violation | undefined]> {
  const hostNs = ['hostNetwork', 'hostPID', 'hostIPC'].filter((f) => spec[f] === true);
  const privileged = containers.filter((c) => c.sc.privileged === true).map((c) => c.name);
  const badCaps = new Set<string>();
  const capContainers = containers.filter((c) => {
    const add = obj(c.sc.capabilities).add;
    const extra = Array.isArray(add)
      ? add.filter((a): a is string => typeof a === 'string' && !BASELINE_CAPS.has(a))
      : [];
    extra.forEach((a) => badCaps.add(a));
    return extra.length > 0;
  });
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isJsonObject) : [];
  const hostPath = volumes.filter((v) => v.hostPath !== undefined).map((v) => String(v.name));
  const hostPorts = containers.flatMap((c) =>
    c.ports
      .filter((p) => typeof p.hostPort === 'number' && p.hostPort !== 0)
      .map((p) => ({ c: c.name, port: Number(p.hostPort) })),
  );
  const unconfined = [
    ...(obj(podSc.seccompProfile).type === 'Unconfined' ? ['pod'] : []),
    ...containers
      .filter((c) => obj(c.sc.seccompProfile).type === 'Unconfined')
      .map((c) => `container "${c.name}"`),
  ];
  return [
    [
      'capabilities_baseline',
      capContainers.length === 0
        ? undefined
        : {
            reason: 'non-default capabilities',
            detail: `${plural('container', 'containers', capContainers)} ${quote(capContainers.map((c) => c.name))} must not include ${quote([...badCaps].sort())} in securityContext.capabilities.add`,
          },
    ],
    [
      'hostNamespaces',
      hostNs.length === 0
        ? undefined
        : { reason: 'host namespaces', detail: hostNs.map((f) => `${f}=true`).join(', ') },
    ],
    [
      'hostPathVolumes',
      hostPath.length === 0
        ? undefined
        : {
            reason: 'hostPath volumes',
            detail: `${plural('volume', 'volumes', hostPath)} ${quote(hostPath)}`,
          },
    ],
    [
      'hostPorts',
      hostPorts.length === 0
        ? undefined
        : {
            reason: 'hostPort',
            detail: hostPorts.map((h) => `container "${h.c}" uses hostPort ${h.port}`).join(', '),
          },
    ],
    [
      'privileged',
      privileged.length === 0
        ? undefined
        : {
            reason: 'privileged',
            detail: `${plural('container', 'containers', privileged)} ${quote(privileged)} must not set securityContext.privileged=true`,
          },
    ],
    [
      'seccompProfile_baseline',
      unconfined.length === 0
        ? undefined
        : {
            reason: 'seccompProfile',
            detail: `${unconfined.join(', ')} must not set securityContext.seccompProfile.type to "Unconfined"`,
          },
    ],
  ];
}

function restrictedChecks(
  spec: JsonObject,
  podSc: JsonObject,
  containers: Container[],
): Array<[string, Violation | undefined]> {
  const escalation = containers.filter((c) => c.sc.allowPrivilegeEscalation !== false).map((c) => c.name);
  const missingDrop = containers
    .filter((c) => {
      const drop = obj(c.sc.capabilities).drop;
      return !(Array.isArray(drop) && drop.includes('ALL'));
    })
    .map((c) => c.name);
  const addingCaps = new Set<string>();
  const adding = containers
    .filter((c) => {
      const add = obj(c.sc.capabilities).add;
      const extra = Array.isArray(add)
        ? add.filter((a): a is string => typeof a === 'string' && a !== 'NET_BIND_SERVICE')
        : [];
      extra.forEach((a) => addingCaps.add(a));
      return extra.length > 0;
    })
    .map((c) => c.name);
  const capDetails = [
    ...(missingDrop.length > 0
      ? [
          `${plural('container', 'containers', missingDrop)} ${quote(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`,
        ]
      : []),
    ...(adding.length > 0
      ? [
          `${plural('container', 'containers', adding)} ${quote(adding)} must not include ${quote([...addingCaps].sort())} in securityContext.capabilities.add`,
        ]
      : []),
  ];
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isJsonObject) : [];
  const restrictedVolumes = volumes.flatMap((v) => {
    const type = Object.keys(v).find((k) => k !== 'name');
    return type !== undefined && !RESTRICTED_VOLUMES.has(type) ? [{ name: String(v.name), type }] : [];
  });
  const podNonRoot = podSc.runAsNonRoot;
  const nonRootDetails: string[] = [];
  if (podNonRoot === false) nonRootDetails.push('pod must not set securityContext.runAsNonRoot=false');
  const explicitFalse = containers.filter((c) => c.sc.runAsNonRoot === false).map((c) => c.name);
  if (explicitFalse.length > 0) {
    nonRootDetails.push(
      `${plural('container', 'containers', explicitFalse)} ${quote(explicitFalse)} must not set securityContext.runAsNonRoot=false`,
    );
  }
  if (podNonRoot !== true) {
    const unset = containers.filter((c) => c.sc.runAsNonRoot === undefined).map((c) => c.name);
    if (unset.length > 0) {
      nonRootDetails.push(
        `pod or ${plural('container', 'containers', unset)} ${quote(unset)} must set securityContext.runAsNonRoot=true`,
      );
    }
  }
  const rootUsers = [
    ...(podSc.runAsUser === 0 ? ['pod'] : []),
    ...containers.filter((c) => c.sc.runAsUser === 0).map((c) => `container "${c.name}"`),
  ];
  const okSeccomp = (t: JsonValue | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const podSeccomp = obj(podSc.seccompProfile).type;
  const seccompDetails: string[] = [];
  if (podSeccomp !== undefined && !okSeccomp(podSeccomp)) {
    seccompDetails.push(`pod must not set securityContext.seccompProfile.type to "${String(podSeccomp)}"`);
  }
  const badContainerSeccomp = containers.filter((c) => {
    const t = obj(c.sc.seccompProfile).type;
    return t !== undefined && !okSeccomp(t);
  });
  if (badContainerSeccomp.length > 0) {
    seccompDetails.push(
      `${plural('container', 'containers', badContainerSeccomp)} ${quote(badContainerSeccomp.map((c) => c.name))} must not set securityContext.seccompProfile.type to ${quote([...new Set(badContainerSeccomp.map((c) => String(obj(c.sc.seccompProfile).type)))])}`,
    );
  }
  if (!okSeccomp(podSeccomp)) {
    const unset = containers.filter((c) => obj(c.sc.seccompProfile).type === undefined).map((c) => c.name);
    if (unset.length > 0) {
      seccompDetails.push(
        `pod or ${plural('container', 'containers', unset)} ${quote(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      );
    }
  }
  return [
    [
      'allowPrivilegeEscalation',
      escalation.length === 0
        ? undefined
        : {
            reason: 'allowPrivilegeEscalation != false',
            detail: `${plural('container', 'containers', escalation)} ${quote(escalation)} must set securityContext.allowPrivilegeEscalation=false`,
          },
    ],
    [
      'capabilities_restricted',
      capDetails.length === 0
        ? undefined
        : { reason: 'unrestricted capabilities', detail: capDetails.join('; ') },
    ],
    [
      'restrictedVolumes',
      restrictedVolumes.length === 0
        ? undefined
        : {
            reason: 'restricted volume types',
            detail: restrictedVolumes
              .map((v) => `volume "${v.name}" uses restricted volume type "${v.type}"`)
              .join(', '),
          },
    ],
    [
      'runAsNonRoot',
      nonRootDetails.length === 0
        ? undefined
        : { reason: 'runAsNonRoot != true', detail: nonRootDetails.join('; ') },
    ],
    [
      'runAsUser',
      rootUsers.length === 0
        ? undefined
        : { reason: 'runAsUser=0', detail: `${rootUsers.join(', ')} must not set runAsUser=0` },
    ],
    [
      'seccompProfile_restricted',
      seccompDetails.length === 0
        ? undefined
        : { reason: 'seccompProfile', detail: seccompDetails.join('; ') },
    ],
  ];
}

/**
 * The PodSecurity violation message for a Pod created in `namespace`, or undefined when it is admitted.
 * Message form: `violates PodSecurity "restricted:latest": reason (detail), reason (detail)`.
 */
export function podSecurityViolation(namespace: KubeObject | undefined, pod: KubeObject): string | undefined {
  if (namespace === undefined) return undefined;
  const labels = objectLabels(namespace);
  const level = labels['pod-security.kubernetes.io/enforce'] as Level | undefined;
  if (level !== 'baseline' && level !== 'restricted') return undefined;
  const version = labels['pod-security.kubernetes.io/enforce-version'] ?? 'latest';
  const spec = obj(pod.spec);
  const podSc = obj(spec.securityContext);
  const containers = containersOf(spec);
  // Restricted's capability and seccomp checks replace their baseline counterparts, as upstream.
  const overridden =
    level === 'restricted'
      ? new Set(['capabilities_baseline', 'seccompProfile_baseline'])
      : new Set<string>();
  const checks = [
    ...baselineChecks(spec, podSc, containers).filter(([id]) => !overridden.has(id)),
    ...(level === 'restricted' ? restrictedChecks(spec, podSc, containers) : []),
  ].sort(([a], [b]) => a.localeCompare(b));
  const violations = checks.flatMap(([, v]) => (v === undefined ? [] : [`${v.reason} (${v.detail})`]));
  if (violations.length === 0) return undefined;
  return `violates PodSecurity "${level}:${version}": ${violations.join(', ')}`;
}
