import { z } from 'zod';

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
  }),
  app: z.strictObject({
    workloads: z.array(workload).min(1),
    dataServices: z.array(dataService),
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
  prometheus: z.strictObject({
    url: z.url(),
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
