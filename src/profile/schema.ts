import { z } from 'zod';
import { canarySchema } from './canary-schema.ts';

// Durations as Istio and Prometheus write them ("30s", "1m30s", "500ms"). Kept as strings in the
// profile so `config print` shows what the user wrote; parsed where compared.
const duration = z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, 'a duration such as 30s, 5m or 1h30m');
const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/, 'a Kubernetes quantity such as 4, 3920m or 8Gi');
const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a lower-case DNS name');
const labelMap = z.record(z.string(), z.string());

const workload = z.strictObject({
  /** Deployment name, also the app label value. */
  name: dnsName,
  serviceAccount: dnsName,
  container: dnsName,
  port: z.number().int().min(1).max(65535),
  service: dnsName,
  servicePort: z.number().int().min(1).max(65535),
  healthPath: z.string().startsWith('/'),
});

const dataService = z.strictObject({
  name: dnsName,
  port: z.number().int().min(1).max(65535),
});

const loadPath = z.strictObject({
  path: z.string().startsWith('/'),
  weight: z.number().positive(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
});

const tool = z.strictObject({
  required: z.boolean(),
  /** Printed when the tool is missing. */
  install: z.string(),
});

const attestationItem = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'a lower-case id such as backup-taken'),
  title: z.string().min(1),
  required: z.boolean(),
});

export const profileSchema = z.strictObject({
  namespaces: z.strictObject({
    istio: dnsName,
    spire: dnsName,
    mesh: dnsName,
    legacy: dnsName,
    monitoring: dnsName,
  }),
  kubernetes: z.strictObject({
    minVersion: z.string().regex(/^\d+\.\d+$/, 'major.minor, such as 1.25'),
    minAllocatableCpu: quantity,
    minAllocatableMemory: quantity,
  }),
  istio: z.strictObject({
    /** major.minor or major.minor.patch; proxies and istioctl must match major.minor. */
    version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'an Istio version such as 1.20 or 1.20.1'),
    revision: z.string().optional(),
    rootNamespace: dnsName,
    meshConfigMap: dnsName,
    /** Istio CNI node agent; a restricted mesh namespace needs it instead of istio-init. */
    cniDaemonSet: dnsName,
    ingressGateway: z.strictObject({
      name: dnsName,
      selector: labelMap,
    }),
  }),
  trustDomain: dnsName,
  spire: z.strictObject({
    server: z.strictObject({
      kind: z.enum(['StatefulSet', 'Deployment']),
      name: dnsName,
      container: dnsName,
      binary: z.string(),
      socketPath: z.string().optional(),
    }),
    agentDaemonSet: dnsName,
    csiDriver: z.string(),
    /** DaemonSet of the SPIFFE CSI driver that mounts the Workload API socket into pods. */
    csiDaemonSet: dnsName,
    /** ConfigMap holding the server's `server.conf` (where `trust_domain` is set). */
    serverConfigMap: dnsName,
  }),
  app: z.strictObject({
    workloads: z.array(workload).min(1),
    dataServices: z.array(dataService),
    /** A container restarted more often than this fails mesh.app.restarts ("no restarts climbing"). */
    maxRestarts: z.number().int().min(0),
  }),
  traffic: z.strictObject({
    gateway: dnsName,
    virtualService: dnsName,
    destinationRules: z.array(dnsName),
    hosts: z.array(z.string()).min(1),
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .refine((s) => s.every((v, i) => i === 0 || v > (s[i - 1] ?? 0)), 'steps must increase')
      .refine((s) => s[s.length - 1] === 100, 'the last step must be 100'),
    monitorWindow: duration,
    /** Re-evaluation interval of `meshgate monitor`. */
    monitorInterval: duration,
    /** When `monitor` gives up on a step: this many FAIL verdicts in a row, or in all. */
    failureBudget: z.strictObject({
      consecutive: z.number().int().min(1),
      cumulative: z.number().int().min(1),
    }),
  }),
  circuitBreaker: z.strictObject({
    consecutiveGatewayErrors: z.number().int().min(0),
    consecutive5xxErrors: z.number().int().min(0),
    interval: duration,
    baseEjectionTime: duration,
    maxEjectionPercent: z.number().int().min(0).max(100),
  }),
  connectionPool: z.strictObject({
    maxConnections: z.number().int().min(1),
    connectTimeout: duration,
    http1MaxPendingRequests: z.number().int().min(1),
    maxRequestsPerConnection: z.number().int().min(0),
  }),
  sidecar: z.strictObject({
    requests: z.strictObject({ cpu: quantity, memory: quantity }),
    limits: z.strictObject({ cpu: quantity, memory: quantity }),
  }),
  observability: z.strictObject({
    /** Deployments of the observability stack, in namespaces.monitoring. */
    deployments: z.array(dnsName),
    /** Kiali Deployment, optional: reported when found in namespaces.monitoring or namespaces.istio. */
    kiali: dnsName,
  }),
  prometheus: z.strictObject({
    url: z.url(),
  }),
  /** Canary analysis (meshgate canary, suites/canary): src/profile/canary-schema.ts. */
  canary: canarySchema,
  security: z.strictObject({
    /**
     * A CA or trust-bundle certificate a proxy holds that expires within this margin fails. Workload
     * certificates are judged by their own lifetime instead (`certMaxLifetimeUsed`).
     */
    certExpiryMargin: duration,
    /**
     * A workload certificate with more than this fraction of its lifetime (valid_from to
     * expiration_time) used was not rotated: SPIRE and Istio rotate at half, so 0.75 leaves room for
     * a late rotation without waiting for expiry.
     */
    certMaxLifetimeUsed: z.number().gt(0).lt(1),
    /** ServiceAccounts in the mesh namespace whose pods may mount an API token (they call the API). */
    tokenServiceAccounts: z.array(dnsName),
    /** Ports Prometheus scrapes on mesh pods (merged 15020, Envoy 15090); NetworkPolicy must allow them. */
    scrapePorts: z.array(z.number().int().min(1).max(65535)),
    /** Labels of the Prometheus pods in the monitoring namespace, for the scrape allowance. */
    prometheusSelector: labelMap,
    /** `--probe` only: the throwaway pod, in a namespace outside the mesh. */
    probe: z.strictObject({
      namespace: dnsName,
      image: z.string().min(1),
      /** A path no AuthorizationPolicy allows, requested from inside the mesh. */
      deniedPath: z.string().startsWith('/'),
      /** Mesh workload (profile name) whose app container sends the denied request; needs curl. */
      fromWorkload: dnsName,
      timeoutSeconds: z.number().int().min(1).max(600),
    }),
  }),
  /** Load that gives a canary step traffic (k6 scripts in load/, runners in src/load). */
  load: z.strictObject({
    /** Where load goes: the ingress gateway, so requests take the route users take. */
    targetUrl: z.url(),
    /** Host header; when unset, the first of traffic.hosts, so the gateway's VirtualService matches. */
    host: z.string().min(1).optional(),
    /** Request mix: each iteration picks one path with probability weight / sum of weights. */
    paths: z.array(loadPath).min(1),
    headers: z.record(z.string(), z.string()),
    /** Requests per second (constant-arrival-rate: an open model, sent whatever the responses). */
    rate: z.number().positive(),
    duration,
    preAllocatedVUs: z.number().int().min(1),
    /** Upper bound on requests in flight; when reached, requests are dropped and the result says so. */
    maxVUs: z.number().int().min(1),
    thresholds: z.strictObject({
      maxErrorRate: z.number().min(0).max(1),
      p95Ms: z.number().positive(),
      p99Ms: z.number().positive(),
    }),
    /**
     * Step 7 smoke targets (`meshgate test`, and the gate of the first shift); default each mesh
     * workload's Service health path, then the load paths through the gateway.
     */
    smokeTargets: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          url: z.url().optional(),
          path: z.string().startsWith('/'),
        }),
      )
      .min(1)
      .optional(),
    k6: z.strictObject({
      /** k6 executable; default K6_BIN, then `k6` on PATH. */
      binary: z.string().min(1).optional(),
      /** Prometheus remote-write receiver (`/api/v1/write`): k6 runs `-o experimental-prometheus-rw`. */
      remoteWrite: z.strictObject({ url: z.url() }).optional(),
    }),
    /** `--load k6-operator`: a TestRun in the cluster, for load beyond one machine. */
    operator: z.strictObject({
      namespace: dnsName,
      parallelism: z.number().int().min(1),
      runnerImage: z.string().min(1).optional(),
      /** Keep the ConfigMap and TestRun after the run (for debugging). */
      keep: z.boolean(),
      /** How long the TestRun may take to reach finished or error. */
      deadline: duration,
    }),
  }),
  /** Run directories under --report-dir (src/report/run-directory.ts). */
  reports: z.strictObject({
    /** Finished runs kept per command (reports/runs/<time>-<command>…); older ones are pruned. */
    keepRuns: z.number().int().min(1).max(10_000),
  }),
  prereq: z.strictObject({
    tools: z.record(z.enum(['kubectl', 'helm', 'istioctl']), tool),
    /** YAML file where people record what only a person can attest; relative to the profile. */
    attestationsFile: z.string(),
    attestations: z.array(attestationItem),
  }),
});

export type Profile = z.infer<typeof profileSchema>;
export type Workload = z.infer<typeof workload>;

type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What a user writes in meshgate.config.ts: any subset of the profile; the rest comes from defaults. */
export type ProfileInput = DeepPartial<Profile>;
