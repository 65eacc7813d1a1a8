// Builders for core/apps objects in the shape `kubectl get -o yaml` prints.
import { uid, rname, containerId, imageId, resourceVersion, addSeconds } from './lib.mjs';

export const ISTIO_TAG = '1.20.1';
export const PROXY_IMAGE = `docker.io/istio/proxyv2:${ISTIO_TAG}`;

export function meta({ name, namespace, labels, annotations, createdAt, generation, ownerReferences, generateName, key }) {
  const m = {
    name,
    creationTimestamp: createdAt,
    resourceVersion: resourceVersion(),
    uid: uid(key ?? `${namespace ?? ''}/${name}/${createdAt}`),
  };
  if (namespace) m.namespace = namespace;
  if (labels && Object.keys(labels).length) m.labels = labels;
  if (annotations && Object.keys(annotations).length) m.annotations = annotations;
  if (generation !== undefined) m.generation = generation;
  if (ownerReferences) m.ownerReferences = ownerReferences;
  if (generateName) m.generateName = generateName;
  return m;
}

export function ownerRef(obj) {
  return {
    apiVersion: obj.apiVersion,
    blockOwnerDeletion: true,
    controller: true,
    kind: obj.kind,
    name: obj.metadata.name,
    uid: obj.metadata.uid,
  };
}

export function fieldEnv(name, fieldPath) {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

export function normProbe(p) {
  if (!p) return undefined;
  const out = { failureThreshold: 3, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1, ...p };
  if (out.httpGet) out.httpGet = { scheme: 'HTTP', ...out.httpGet };
  return out;
}

export function normContainer(c) {
  const out = {
    imagePullPolicy: 'IfNotPresent',
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    ...c,
  };
  for (const k of ['readinessProbe', 'livenessProbe', 'startupProbe']) if (out[k]) out[k] = normProbe(out[k]);
  if (out.ports) out.ports = out.ports.map((p) => ({ protocol: 'TCP', ...p }));
  return out;
}

export function normVolume(v) {
  if (v.configMap) return { ...v, configMap: { defaultMode: 420, ...v.configMap } };
  if (v.secret) return { ...v, secret: { defaultMode: 420, ...v.secret } };
  if (v.projected) return { ...v, projected: { defaultMode: 420, ...v.projected } };
  if (v.downwardAPI) return { ...v, downwardAPI: { defaultMode: 420, ...v.downwardAPI } };
  return v;
}

/** The pod template as stored in a Deployment/ReplicaSet/StatefulSet/DaemonSet (no defaults the kubelet adds). */
export function podTemplate({ labels, annotations, spec }) {
  const s = {
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    ...spec,
  };
  if (s.serviceAccountName) s.serviceAccount = s.serviceAccountName;
  s.containers = s.containers.map(normContainer);
  if (s.initContainers) s.initContainers = s.initContainers.map(normContainer);
  if (s.volumes) s.volumes = s.volumes.map(normVolume);
  const m = { creationTimestamp: null, labels };
  if (annotations && Object.keys(annotations).length) m.annotations = annotations;
  return { metadata: m, spec: s };
}

const DEFAULT_TOLERATIONS = [
  { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
  { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
];

export function daemonSetTolerations(hostNetwork, extra = []) {
  const t = [
    ...extra,
    { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists' },
    { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists' },
    { effect: 'NoSchedule', key: 'node.kubernetes.io/disk-pressure', operator: 'Exists' },
    { effect: 'NoSchedule', key: 'node.kubernetes.io/memory-pressure', operator: 'Exists' },
    { effect: 'NoSchedule', key: 'node.kubernetes.io/pid-pressure', operator: 'Exists' },
    { effect: 'NoSchedule', key: 'node.kubernetes.io/unschedulable', operator: 'Exists' },
  ];
  if (hostNetwork) t.push({ effect: 'NoSchedule', key: 'node.kubernetes.io/network-unavailable', operator: 'Exists' });
  return t;
}

function qos(containers) {
  const all = containers;
  const any = all.some((c) => c.resources && (c.resources.requests || c.resources.limits));
  if (!any) return 'BestEffort';
  const guaranteed = all.every(
    (c) =>
      c.resources?.limits?.cpu &&
      c.resources?.limits?.memory &&
      (!c.resources.requests ||
        (c.resources.requests.cpu === c.resources.limits.cpu && c.resources.requests.memory === c.resources.limits.memory)),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * A running pod built from a template. `node` is {name, ip}; `ip` the pod IP (node IP for hostNetwork).
 */
export function runningPod({ namespace, name, generateName, template, extraLabels = {}, owner, node, ip, createdAt, mutate, tolerations, affinity, hostname, subdomain }) {
  const labels = { ...template.metadata.labels, ...extraLabels };
  const annotations = { ...(template.metadata.annotations ?? {}) };
  const spec = structuredClone(template.spec);
  spec.nodeName = node.name;
  spec.enableServiceLinks = true;
  spec.preemptionPolicy = 'PreemptLowerPriority';
  spec.priority = spec.priorityClassName === 'system-node-critical' ? 2000001000 : spec.priorityClassName === 'system-cluster-critical' ? 2000000000 : 0;
  spec.tolerations = tolerations ?? [...(spec.tolerations ?? []), ...DEFAULT_TOLERATIONS];
  if (affinity) spec.affinity = affinity;
  if (hostname) spec.hostname = hostname;
  if (subdomain) spec.subdomain = subdomain;
  const podMeta = { labels, annotations };
  // Service account token volume, as the ServiceAccount admission plugin adds it.
  if (spec.automountServiceAccountToken !== false) {
    const vol = `kube-api-access-${rname(`${namespace}/${name}/kube-api-access`, 5)}`;
    spec.volumes = [
      ...(spec.volumes ?? []),
      {
        name: vol,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
            { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
          ],
        },
      },
    ];
    const mount = { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: vol, readOnly: true };
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) c.volumeMounts = [...(c.volumeMounts ?? []), mount];
  }
  if (mutate) mutate(podMeta, spec);
  if (!Object.keys(podMeta.annotations).length) delete podMeta.annotations;
  const started = addSeconds(createdAt, 1);
  const initDone = addSeconds(createdAt, 3);
  const running = addSeconds(createdAt, 4);
  const ready = addSeconds(createdAt, 9);
  const status = {
    conditions: [
      { lastProbeTime: null, lastTransitionTime: spec.initContainers ? initDone : started, status: 'True', type: 'Initialized' },
      { lastProbeTime: null, lastTransitionTime: ready, status: 'True', type: 'Ready' },
      { lastProbeTime: null, lastTransitionTime: ready, status: 'True', type: 'ContainersReady' },
      { lastProbeTime: null, lastTransitionTime: createdAt, status: 'True', type: 'PodScheduled' },
    ],
    containerStatuses: spec.containers.map((c) => ({
      containerID: containerId(`${namespace}/${name}/${c.name}`),
      image: c.image,
      imageID: imageId(c.image),
      lastState: {},
      name: c.name,
      ready: true,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: running } },
    })),
    hostIP: node.ip,
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    qosClass: qos(spec.containers.concat(spec.initContainers ?? [])),
    startTime: started,
  };
  if (spec.initContainers) {
    status.initContainerStatuses = spec.initContainers.map((c) => {
      const id = containerId(`${namespace}/${name}/${c.name}`);
      return {
        containerID: id,
        image: c.image,
        imageID: imageId(c.image),
        lastState: {},
        name: c.name,
        ready: true,
        restartCount: 0,
        started: false,
        state: { terminated: { containerID: id, exitCode: 0, finishedAt: initDone, reason: 'Completed', startedAt: addSeconds(createdAt, 2) } },
      };
    });
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta({
      name,
      namespace,
      generateName,
      labels: podMeta.labels,
      annotations: podMeta.annotations,
      createdAt,
      ownerReferences: owner ? [ownerRef(owner)] : undefined,
      key: `pod/${namespace}/${name}`,
    }),
    spec,
    status,
  };
}
