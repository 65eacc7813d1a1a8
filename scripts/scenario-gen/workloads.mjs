import { rname, uid, addSeconds, h } from './lib.mjs';
import { meta, ownerRef, podTemplate, runningPod, daemonSetTolerations } from './k8s.mjs';

export const NODES = [
  { name: 'node-cp', ip: '10.0.0.10', cidr: '10.244.0.0/24', controlPlane: true },
  { name: 'node-a', ip: '10.0.0.11', cidr: '10.244.1.0/24' },
  { name: 'node-b', ip: '10.0.0.12', cidr: '10.244.2.0/24' },
  { name: 'node-c', ip: '10.0.0.13', cidr: '10.244.3.0/24' },
];
export const WORKERS = NODES.filter((n) => !n.controlPlane);
const nextIp = new Map(NODES.map((n) => [n.name, 4]));
export function podIp(nodeName) {
  const n = NODES.find((x) => x.name === nodeName);
  const i = nextIp.get(nodeName) + 1 + (nextIp.get(nodeName) % 3);
  nextIp.set(nodeName, i);
  return n.cidr.replace(/0\/24$/, String(i));
}
export function node(name) {
  return NODES.find((n) => n.name === name);
}

/** Registry of everything built, for Endpoints and for the sim entries. */
export const registry = { pods: [], services: [] };

export function deployment({ namespace, name, labels = {}, annotations = {}, replicas, selector, template, createdAt, nodes, podCreatedAt, mutatePod, revision = 1, generation = 1 }) {
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta({
      name,
      namespace,
      labels,
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...annotations },
      createdAt,
      generation,
      key: `deploy/${namespace}/${name}`,
    }),
    spec: {
      progressDeadlineSeconds: 600,
      replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: selector },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template,
    },
  };
  const hash = rname(`rs/${namespace}/${name}/${revision}`, 10);
  const rsCreated = podCreatedAt ?? createdAt;
  const rsTemplate = structuredClone(template);
  rsTemplate.metadata.labels = { ...rsTemplate.metadata.labels, 'pod-template-hash': hash };
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: meta({
      name: `${name}-${hash}`,
      namespace,
      labels: { ...template.metadata.labels, 'pod-template-hash': hash },
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas * 0.25)),
        'deployment.kubernetes.io/revision': String(revision),
      },
      createdAt: rsCreated,
      generation: 1,
      ownerReferences: [ownerRef(dep)],
      key: `rs/${namespace}/${name}-${hash}`,
    }),
    spec: { replicas, selector: { matchLabels: { ...selector, 'pod-template-hash': hash } }, template: rsTemplate },
    status: { availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1, readyReplicas: replicas, replicas },
  };
  const pods = [];
  for (let i = 0; i < replicas; i++) {
    const podName = `${name}-${hash}-${rname(`pod/${namespace}/${name}/${revision}/${i}`, 5)}`;
    const n = node(nodes[i % nodes.length]);
    const pod = runningPod({
      namespace,
      name: podName,
      generateName: `${name}-${hash}-`,
      template: rsTemplate,
      owner: rs,
      node: n,
      ip: template.spec.hostNetwork ? n.ip : podIp(n.name),
      createdAt: addSeconds(rsCreated, 1 + i),
      mutate: mutatePod,
    });
    pods.push(pod);
  }
  const ready = addSeconds(rsCreated, 20);
  dep.status = {
    availableReplicas: replicas,
    conditions: [
      { lastTransitionTime: ready, lastUpdateTime: ready, message: 'Deployment has minimum availability.', reason: 'MinimumReplicasAvailable', status: 'True', type: 'Available' },
      { lastTransitionTime: createdAt, lastUpdateTime: ready, message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing' },
    ],
    observedGeneration: generation,
    readyReplicas: replicas,
    replicas,
    updatedReplicas: replicas,
  };
  registry.pods.push(...pods);
  return { deployment: dep, replicaSet: rs, pods, objects: [dep, rs, ...pods] };
}

export function statefulSet({ namespace, name, labels = {}, annotations = {}, replicas = 1, selector, serviceName, template, volumeClaimTemplates, createdAt, nodes, mutatePod }) {
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta({ name, namespace, labels, annotations, createdAt, generation: 1, key: `sts/${namespace}/${name}` }),
    spec: {
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      podManagementPolicy: 'OrderedReady',
      replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: selector },
      serviceName,
      template,
      updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
    },
  };
  if (volumeClaimTemplates) sts.spec.volumeClaimTemplates = volumeClaimTemplates;
  const rev = `${name}-${rname(`cr/${namespace}/${name}`, 10)}`;
  const pods = [];
  for (let i = 0; i < replicas; i++) {
    const n = node(nodes[i % nodes.length]);
    const podName = `${name}-${i}`;
    const pod = runningPod({
      namespace,
      name: podName,
      generateName: `${name}-`,
      template,
      extraLabels: { 'apps.kubernetes.io/pod-index': String(i), 'controller-revision-hash': rev, 'statefulset.kubernetes.io/pod-name': podName },
      owner: sts,
      node: n,
      ip: podIp(n.name),
      createdAt: addSeconds(createdAt, 1 + i * 20),
      hostname: podName,
      subdomain: serviceName,
      mutate: (m, spec) => {
        if (volumeClaimTemplates) {
          for (const vct of volumeClaimTemplates) {
            spec.volumes = [{ name: vct.metadata.name, persistentVolumeClaim: { claimName: `${vct.metadata.name}-${podName}` } }, ...(spec.volumes ?? [])];
          }
        }
        mutatePod?.(m, spec);
      },
    });
    pods.push(pod);
  }
  sts.status = {
    availableReplicas: replicas,
    collisionCount: 0,
    currentReplicas: replicas,
    currentRevision: rev,
    observedGeneration: 1,
    readyReplicas: replicas,
    replicas,
    updateRevision: rev,
    updatedReplicas: replicas,
  };
  registry.pods.push(...pods);
  return { statefulSet: sts, pods, objects: [sts, ...pods] };
}

export function daemonSet({ namespace, name, labels = {}, annotations = {}, selector, template, createdAt, nodes, tolerateAll = false, mutatePod }) {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: meta({ name, namespace, labels, annotations: { 'deprecated.daemonset.template.generation': '1', ...annotations }, createdAt, generation: 1, key: `ds/${namespace}/${name}` }),
    spec: {
      revisionHistoryLimit: 10,
      selector: { matchLabels: selector },
      template,
      updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
    },
  };
  const rev = rname(`ds-rev/${namespace}/${name}`, 10);
  const pods = nodes.map((nodeName, i) => {
    const n = node(nodeName);
    const hostNetwork = !!template.spec.hostNetwork;
    return runningPod({
      namespace,
      name: `${name}-${rname(`dspod/${namespace}/${name}/${nodeName}`, 5)}`,
      generateName: `${name}-`,
      template,
      extraLabels: { 'controller-revision-hash': rev, 'pod-template-generation': '1' },
      owner: ds,
      node: n,
      ip: hostNetwork ? n.ip : podIp(n.name),
      createdAt: addSeconds(createdAt, 2 + i),
      tolerations: daemonSetTolerations(hostNetwork, template.spec.tolerations ?? []),
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
          },
        },
      },
      mutate: mutatePod,
    });
  });
  const count = nodes.length;
  ds.status = {
    currentNumberScheduled: count,
    desiredNumberScheduled: count,
    numberAvailable: count,
    numberMisscheduled: 0,
    numberReady: count,
    observedGeneration: 1,
    updatedNumberScheduled: count,
  };
  registry.pods.push(...pods);
  return { daemonSet: ds, pods, objects: [ds, ...pods] };
}

const usedIps = new Set();
export function clusterIp(key) {
  if (key === 'default/kubernetes') return '10.96.0.1';
  if (key === 'kube-system/kube-dns') return '10.96.0.10';
  let n = parseInt(h('svc:' + key, 8), 16);
  for (;;) {
    const ip = `10.96.${Math.floor(n / 256) % 255}.${(n % 250) + 2}`;
    if (!usedIps.has(ip) && ip !== '10.96.0.1' && ip !== '10.96.0.10') {
      usedIps.add(ip);
      return ip;
    }
    n += 7;
  }
}

let nodePort = 30080;
export function service({ namespace, name, labels = {}, annotations = {}, selector, ports, type = 'ClusterIP', createdAt, headless = false, lbIp }) {
  const ip = headless ? 'None' : clusterIp(`${namespace}/${name}`);
  const spec = {
    clusterIP: ip,
    clusterIPs: [ip],
    internalTrafficPolicy: 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: ports.map((p) => {
      const out = { name: p.name, port: p.port, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port };
      if (p.appProtocol) out.appProtocol = p.appProtocol;
      if (type === 'LoadBalancer' || type === 'NodePort') out.nodePort = p.nodePort ?? (nodePort += 17);
      if (out.name === undefined) delete out.name;
      return out;
    }),
    sessionAffinity: 'None',
    type,
  };
  if (selector) spec.selector = selector;
  if (type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts = true;
    spec.externalTrafficPolicy = 'Cluster';
  }
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta({ name, namespace, labels, annotations, createdAt, key: `svc/${namespace}/${name}` }),
    spec,
    status: { loadBalancer: type === 'LoadBalancer' && lbIp ? { ingress: [{ ip: lbIp }] } : {} },
  };
  registry.services.push(svc);
  return svc;
}

export function serviceAccount({ namespace, name, labels, annotations, createdAt, automount }) {
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta({ name, namespace, labels, annotations, createdAt, key: `sa/${namespace}/${name}` }) };
  if (automount !== undefined) sa.automountServiceAccountToken = automount;
  return sa;
}

export function configMap({ namespace, name, labels, annotations, data, createdAt }) {
  return { apiVersion: 'v1', kind: 'ConfigMap', data, metadata: meta({ name, namespace, labels, annotations, createdAt, key: `cm/${namespace}/${name}` }) };
}

function matches(selector, labels) {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
function resolveTarget(pod, tp) {
  if (typeof tp === 'number') return tp;
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === tp) return p.containerPort;
  return undefined;
}

/** Endpoints for every Service with a selector, from the registered pods. */
export function endpointsFor(svc) {
  const sel = svc.spec.selector;
  const ns = svc.metadata.namespace;
  const pods = sel ? registry.pods.filter((p) => p.metadata.namespace === ns && matches(sel, p.metadata.labels)) : [];
  const ep = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta({
      name: svc.metadata.name,
      namespace: ns,
      labels: svc.metadata.labels,
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': pods.length ? pods.map((p) => p.status.conditions[1].lastTransitionTime).sort().at(-1) : svc.metadata.creationTimestamp },
      createdAt: svc.metadata.creationTimestamp,
      key: `ep/${ns}/${svc.metadata.name}`,
    }),
  };
  if (svc.metadata.name === 'kubernetes' && ns === 'default') {
    delete ep.metadata.annotations;
    ep.metadata.labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    ep.subsets = [{ addresses: [{ ip: '10.0.0.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }];
    return ep;
  }
  if (!pods.length) return ep;
  // Group by resolved port numbers (one subset when all pods agree, which they do here).
  const ports = svc.spec.ports.map((p) => ({ name: p.name, port: resolveTarget(pods[0], p.targetPort), protocol: p.protocol }));
  for (const p of ports) if (p.name === undefined) delete p.name;
  ep.subsets = [
    {
      addresses: pods
        .map((p) => ({ ip: p.status.podIP, nodeName: p.spec.nodeName, targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns, uid: p.metadata.uid } }))
        .sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true })),
      ports,
    },
  ];
  return ep;
}

/** A local-path PersistentVolume bound to `claim`. */
export function pv(name, claim, size, nodeName, createdAt) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta({ name, annotations: { 'local.path.provisioner/selected-node': nodeName, 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' }, createdAt, key: `pv/${name}` }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: size },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim.metadata.name, namespace: claim.metadata.namespace, resourceVersion: claim.metadata.resourceVersion, uid: claim.metadata.uid },
      hostPath: { path: `/opt/local-path-provisioner/${name}_${claim.metadata.namespace}_${claim.metadata.name}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'standard',
      volumeMode: 'Filesystem',
    },
    status: { lastPhaseTransitionTime: addSeconds(createdAt, 1), phase: 'Bound' },
  };
}
