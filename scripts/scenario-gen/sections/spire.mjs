// SPIRE in spire-system: server (StatefulSet + controller manager), agents, SPIFFE CSI driver, their config and storage.
import { uid, addSeconds } from '../lib.mjs';
import { meta, podTemplate, fieldEnv } from '../k8s.mjs';
import { WORKERS, registry, statefulSet, daemonSet, service, serviceAccount, configMap, pv } from '../workloads.mjs';
import { TRUST_DOMAIN } from '../istio.mjs';
import { T, HELM, helmAnn, helmRelease, emit, SPIRE_CA, SPIRE_NS } from '../model.mjs';

// ---------------------------------------------------------------- spire-system
emit('spire-system/helm-releases.yaml', [helmRelease(SPIRE_NS, 'spire-crds', 'spire-crds-0.3.0', addSeconds(T.spire, -60)), helmRelease(SPIRE_NS, 'spire', 'spire-0.17.1', T.spire)]);
const serverConf = `server {
  bind_address = "0.0.0.0"
  bind_port = "8081"
  socket_path = "/tmp/spire-server/private/api.sock"
  trust_domain = "${TRUST_DOMAIN}"
  data_dir = "/run/spire/data"
  log_level = "INFO"
  ca_key_type = "ec-p256"
  ca_ttl = "87600h"
  default_x509_svid_ttl = "1h"
  default_jwt_svid_ttl = "5m"
  ca_subject {
    country = ["US"]
    organization = ["SPIFFE"]
    common_name = ""
  }
}

plugins {
  DataStore "sql" {
    plugin_data {
      database_type = "sqlite3"
      connection_string = "/run/spire/data/datastore.sqlite3"
    }
  }

  NodeAttestor "k8s_psat" {
    plugin_data {
      clusters = {
        "zamaz" = {
          service_account_allow_list = ["spire-system:spire-agent"]
        }
      }
    }
  }

  KeyManager "disk" {
    plugin_data {
      keys_path = "/run/spire/data/keys.json"
    }
  }

  Notifier "k8sbundle" {
    plugin_data {
      namespace = "spire-system"
      config_map = "spire-bundle"
    }
  }
}

health_checks {
  listener_enabled = true
  bind_address = "0.0.0.0"
  bind_port = "8080"
  live_path = "/live"
  ready_path = "/ready"
}
`;
const agentConf = `agent {
  data_dir = "/run/spire"
  log_level = "INFO"
  server_address = "spire-server.spire-system.svc"
  server_port = "8081"
  socket_path = "/run/secrets/workload-spiffe-uds/socket"
  trust_bundle_path = "/run/spire/bundle/bundle.crt"
  trust_domain = "${TRUST_DOMAIN}"
}

plugins {
  NodeAttestor "k8s_psat" {
    plugin_data {
      cluster = "zamaz"
    }
  }

  KeyManager "memory" {
    plugin_data {
    }
  }

  WorkloadAttestor "k8s" {
    plugin_data {
      skip_kubelet_verification = true
    }
  }
}

health_checks {
  listener_enabled = true
  bind_address = "0.0.0.0"
  bind_port = "8080"
  live_path = "/live"
  ready_path = "/ready"
}
`;
const scmConf = `apiVersion: spire.spiffe.io/v1alpha1
kind: ControllerManagerConfig
metrics:
  bindAddress: 127.0.0.1:8082
health:
  healthProbeBindAddress: 0.0.0.0:8083
leaderElection:
  leaderElect: true
  resourceName: 98c9c988.spiffe.io
  resourceNamespace: spire-system
clusterName: zamaz
trustDomain: ${TRUST_DOMAIN}
ignoreNamespaces:
  - kube-system
  - kube-public
  - spire-system
spireServerSocketPath: /tmp/spire-server/private/api.sock
`;
const spireHelm = { ...HELM, 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/part-of': 'spire' };
emit('spire-system/server.yaml', [
  serviceAccount({ namespace: SPIRE_NS, name: 'spire-server', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire }),
  configMap({ namespace: SPIRE_NS, name: 'spire-server', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), data: { 'server.conf': serverConf }, createdAt: T.spire }),
  configMap({ namespace: SPIRE_NS, name: 'spire-controller-manager', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), data: { 'controller-manager-config.yaml': scmConf }, createdAt: T.spire }),
  configMap({ namespace: SPIRE_NS, name: 'spire-bundle', labels: { ...spireHelm }, annotations: helmAnn('spire', SPIRE_NS), data: { 'bundle.crt': SPIRE_CA }, createdAt: T.spire }),
]);
const spireServer = statefulSet({
  namespace: SPIRE_NS,
  name: 'spire-server',
  labels: { ...spireHelm, app: 'spire-server', 'app.kubernetes.io/name': 'server' },
  annotations: helmAnn('spire', SPIRE_NS),
  selector: { app: 'spire-server' },
  serviceName: 'spire-server',
  createdAt: T.spire,
  nodes: ['node-c'],
  volumeClaimTemplates: [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { creationTimestamp: null, name: 'spire-data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    },
  ],
  template: podTemplate({
    labels: { app: 'spire-server', 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/name': 'server' },
    annotations: { 'kubectl.kubernetes.io/default-container': 'spire-server' },
    spec: {
      containers: [
        {
          name: 'spire-server',
          image: 'ghcr.io/spiffe/spire-server:1.8.7',
          args: ['-config', '/run/spire/config/server.conf'],
          ports: [
            { containerPort: 8081, name: 'grpc', protocol: 'TCP' },
            { containerPort: 8080, name: 'healthz', protocol: 'TCP' },
          ],
          livenessProbe: { failureThreshold: 2, httpGet: { path: '/live', port: 'healthz' }, initialDelaySeconds: 15, periodSeconds: 60, timeoutSeconds: 3 },
          readinessProbe: { httpGet: { path: '/ready', port: 'healthz' }, initialDelaySeconds: 5, periodSeconds: 5 },
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          volumeMounts: [
            { mountPath: '/run/spire/config', name: 'spire-config', readOnly: true },
            { mountPath: '/run/spire/data', name: 'spire-data' },
            { mountPath: '/tmp/spire-server/private', name: 'spire-server-socket' },
          ],
        },
        {
          name: 'spire-controller-manager',
          image: 'ghcr.io/spiffe/spire-controller-manager:0.4.0',
          args: ['--config=controller-manager-config.yaml'],
          env: [{ name: 'ENABLE_WEBHOOKS', value: 'true' }],
          ports: [
            { containerPort: 9443, name: 'https', protocol: 'TCP' },
            { containerPort: 8083, name: 'healthz', protocol: 'TCP' },
          ],
          livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' } },
          readinessProbe: { httpGet: { path: '/readyz', port: 'healthz' } },
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          volumeMounts: [
            { mountPath: '/tmp/spire-server/private', name: 'spire-server-socket', readOnly: true },
            { mountPath: '/controller-manager-config.yaml', name: 'controller-manager-config', readOnly: true, subPath: 'controller-manager-config.yaml' },
          ],
        },
      ],
      securityContext: { fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', runAsGroup: 1000, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      serviceAccountName: 'spire-server',
      shareProcessNamespace: true,
      volumes: [
        { configMap: { name: 'spire-server' }, name: 'spire-config' },
        { emptyDir: {}, name: 'spire-server-socket' },
        { configMap: { name: 'spire-controller-manager' }, name: 'controller-manager-config' },
      ],
    },
  }),
});
emit('spire-system/server.yaml', spireServer.objects);
emit('spire-system/server.yaml', service({ namespace: SPIRE_NS, name: 'spire-server', labels: { ...spireHelm, app: 'spire-server', 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), selector: { app: 'spire-server' }, ports: [{ name: 'grpc', port: 8081, targetPort: 'grpc' }], createdAt: T.spire }));
emit('spire-system/server.yaml', service({ namespace: SPIRE_NS, name: 'spire-controller-manager-webhook', labels: { ...spireHelm, 'app.kubernetes.io/name': 'server' }, annotations: helmAnn('spire', SPIRE_NS), selector: { app: 'spire-server' }, ports: [{ name: 'https', port: 443, targetPort: 'https' }], createdAt: T.spire }));
emit('spire-system/server.yaml', {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  metadata: meta({ name: 'spire-controller-manager-webhook', labels: { ...spireHelm }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire, generation: 2, key: 'vwh/spire-controller-manager-webhook' }),
  webhooks: [
    {
      admissionReviewVersions: ['v1'],
      clientConfig: { caBundle: Buffer.from(SPIRE_CA).toString('base64'), service: { name: 'spire-controller-manager-webhook', namespace: SPIRE_NS, path: '/validate-spire-spiffe-io-v1alpha1-clusterspiffeid', port: 443 } },
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      name: 'vclusterspiffeid.kb.io',
      namespaceSelector: {},
      objectSelector: {},
      rules: [{ apiGroups: ['spire.spiffe.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['clusterspiffeids'], scope: '*' }],
      sideEffects: 'None',
      timeoutSeconds: 10,
    },
  ],
});
// PV/PVC for the server datastore
const pvName = `pvc-${uid('pv/spire-data')}`;
const spirePvc = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: meta({
    name: 'spire-data-spire-server-0',
    namespace: SPIRE_NS,
    labels: { app: 'spire-server' },
    annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path', 'volume.kubernetes.io/selected-node': 'node-c', 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' },
    createdAt: addSeconds(T.spire, 1),
    key: 'pvc/spire-system/spire-data-spire-server-0',
  }),
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem', volumeName: pvName },
  status: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, phase: 'Bound' },
};
emit('spire-system/server.yaml', spirePvc);
emit('00-cluster.yaml', pv(pvName, spirePvc, '1Gi', 'node-c', addSeconds(T.spire, 4)));

const spireAgent = daemonSet({
  namespace: SPIRE_NS,
  name: 'spire-agent',
  labels: { ...spireHelm, app: 'spire-agent', 'app.kubernetes.io/name': 'agent' },
  annotations: helmAnn('spire', SPIRE_NS),
  selector: { app: 'spire-agent' },
  createdAt: addSeconds(T.spire, 60),
  nodes: WORKERS.map((n) => n.name),
  template: podTemplate({
    labels: { app: 'spire-agent', 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/name': 'agent' },
    spec: {
      containers: [
        {
          name: 'spire-agent',
          image: 'ghcr.io/spiffe/spire-agent:1.8.7',
          args: ['-config', '/run/spire/config/agent.conf'],
          env: [fieldEnv('MY_NODE_NAME', 'spec.nodeName')],
          ports: [{ containerPort: 8080, name: 'healthz', protocol: 'TCP' }],
          livenessProbe: { httpGet: { path: '/live', port: 'healthz' }, initialDelaySeconds: 15, periodSeconds: 60 },
          readinessProbe: { httpGet: { path: '/ready', port: 'healthz' }, initialDelaySeconds: 10, periodSeconds: 30 },
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          volumeMounts: [
            { mountPath: '/run/spire/config', name: 'spire-config', readOnly: true },
            { mountPath: '/run/spire/bundle', name: 'spire-bundle', readOnly: true },
            { mountPath: '/run/secrets/workload-spiffe-uds', name: 'spire-agent-socket-dir' },
            { mountPath: '/var/run/secrets/tokens', name: 'spire-token' },
          ],
        },
      ],
      dnsPolicy: 'ClusterFirstWithHostNet',
      hostPID: true,
      serviceAccountName: 'spire-agent',
      volumes: [
        { configMap: { name: 'spire-agent' }, name: 'spire-config' },
        { configMap: { name: 'spire-bundle' }, name: 'spire-bundle' },
        { hostPath: { path: '/run/spire/agent-sockets', type: 'DirectoryOrCreate' }, name: 'spire-agent-socket-dir' },
        { name: 'spire-token', projected: { sources: [{ serviceAccountToken: { audience: 'spire-server', expirationSeconds: 7200, path: 'spire-agent' } }] } },
      ],
    },
  }),
});
emit('spire-system/agent.yaml', serviceAccount({ namespace: SPIRE_NS, name: 'spire-agent', labels: { ...spireHelm, 'app.kubernetes.io/name': 'agent' }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire }));
emit('spire-system/agent.yaml', configMap({ namespace: SPIRE_NS, name: 'spire-agent', labels: { ...spireHelm, 'app.kubernetes.io/name': 'agent' }, annotations: helmAnn('spire', SPIRE_NS), data: { 'agent.conf': agentConf }, createdAt: T.spire }));
emit('spire-system/agent.yaml', spireAgent.objects);

const csi = daemonSet({
  namespace: SPIRE_NS,
  name: 'spiffe-csi-driver',
  labels: { ...spireHelm, app: 'spiffe-csi-driver', 'app.kubernetes.io/name': 'spiffe-csi-driver' },
  annotations: helmAnn('spire', SPIRE_NS),
  selector: { app: 'spiffe-csi-driver' },
  createdAt: addSeconds(T.spire, 60),
  nodes: WORKERS.map((n) => n.name),
  template: podTemplate({
    labels: { app: 'spiffe-csi-driver', 'app.kubernetes.io/instance': 'spire', 'app.kubernetes.io/name': 'spiffe-csi-driver' },
    spec: {
      containers: [
        {
          name: 'spiffe-csi-driver',
          image: 'ghcr.io/spiffe/spiffe-csi-driver:0.2.4',
          args: ['-workload-api-socket-dir', '/spire-agent-socket', '-plugin-name', 'csi.spiffe.io', '-csi-socket-path', '/spiffe-csi/csi.sock'],
          env: [fieldEnv('MY_NODE_NAME', 'spec.nodeName')],
          securityContext: { privileged: true, readOnlyRootFilesystem: true },
          volumeMounts: [
            { mountPath: '/spire-agent-socket', name: 'spire-agent-socket-dir', readOnly: true },
            { mountPath: '/spiffe-csi', name: 'spiffe-csi-socket-dir' },
            { mountPath: '/var/lib/kubelet/pods', mountPropagation: 'Bidirectional', name: 'mountpoint-dir' },
          ],
        },
        {
          name: 'node-driver-registrar',
          image: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.9.0',
          args: ['-csi-address', '/spiffe-csi/csi.sock', '-kubelet-registration-path', '/var/lib/kubelet/plugins/csi.spiffe.io/csi.sock', '-health-port', '9809'],
          ports: [{ containerPort: 9809, name: 'healthz', protocol: 'TCP' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' }, initialDelaySeconds: 5, timeoutSeconds: 5 },
          volumeMounts: [
            { mountPath: '/spiffe-csi', name: 'spiffe-csi-socket-dir' },
            { mountPath: '/registration', name: 'kubelet-plugin-registration-dir' },
          ],
        },
      ],
      priorityClassName: 'system-node-critical',
      serviceAccountName: 'spiffe-csi-driver',
      volumes: [
        { hostPath: { path: '/run/spire/agent-sockets', type: 'DirectoryOrCreate' }, name: 'spire-agent-socket-dir' },
        { hostPath: { path: '/var/lib/kubelet/plugins/csi.spiffe.io', type: 'DirectoryOrCreate' }, name: 'spiffe-csi-socket-dir' },
        { hostPath: { path: '/var/lib/kubelet/pods', type: 'Directory' }, name: 'mountpoint-dir' },
        { hostPath: { path: '/var/lib/kubelet/plugins_registry', type: 'Directory' }, name: 'kubelet-plugin-registration-dir' },
      ],
    },
  }),
});
emit('spire-system/csi-driver.yaml', serviceAccount({ namespace: SPIRE_NS, name: 'spiffe-csi-driver', labels: { ...spireHelm, 'app.kubernetes.io/name': 'spiffe-csi-driver' }, annotations: helmAnn('spire', SPIRE_NS), createdAt: T.spire }));
emit('spire-system/csi-driver.yaml', csi.objects);

export { spireServer, spireAgent };
