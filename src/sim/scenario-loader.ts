import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { crdName, synthesiseCrd } from './crd-resources.ts';
import { parseDuration } from '../core/index.ts';
import { isJsonObject, type JsonValue } from './json.ts';
import {
  describeIdentity,
  identityKey,
  identityOf,
  objectName,
  objectNamespace,
  parseApiVersion,
  type KubeObject,
} from './kube-object.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { BUILTIN_RESOURCES } from './resource-table.ts';
import {
  DESCRIPTOR_FILES,
  listManifestFiles,
  readManifestFile,
  type SourcedObject,
} from './scenario-files.ts';
import {
  SIM_GROUP,
  clusterProfileSpec,
  parseSpec,
  podEndpointSpec,
  podExecSpec,
  scenarioSpec,
  type RemoveRef,
} from './scenario-schema.ts';
import type { ClusterProfile, LoadedScenario, PodEndpoint, PodExec } from './scenario-types.ts';
import { tracksGeneration } from './write-rules.ts';

/** creationTimestamp given to scenario objects that have none: fixed, so snapshots are stable. */
export const DEFAULT_CREATION_TIMESTAMP = '2024-01-01T00:00:00Z';
export const DEFAULT_USER = 'system:serviceaccount:meshgate:meshgate';
export const DEFAULT_VERSION: Readonly<Record<string, string>> = {
  major: '1',
  minor: '28',
  gitVersion: 'v1.28.3',
  gitCommit: 'a8a1abc25cad87333840cd7d54be2efaf31a3177',
  gitTreeState: 'clean',
  buildDate: '2023-10-18T11:33:18Z',
  goVersion: 'go1.20.10',
  compiler: 'gc',
  platform: 'linux/amd64',
};
/** Namespaces every real cluster has. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const SIM_KINDS = new Set(['ClusterProfile', 'PodEndpoint', 'PodExec']);

interface Layer {
  path: string;
  base: Layer | undefined;
  remove: RemoveRef[];
  descriptor: string | undefined;
  objects: SourcedObject[];
}

async function readLayer(path: string, chain: readonly string[]): Promise<Layer> {
  const real = await realpath(path).catch(() => {
    throw new Error(`scenario ${path} does not exist`);
  });
  if (chain.includes(real)) throw new Error(`scenario base cycle: ${[...chain, real].join(' -> ')}`);
  const info = await stat(real);
  const files = info.isDirectory() ? await listManifestFiles(real) : [real];
  const root = info.isDirectory() ? real : dirname(real);
  const layer: Layer = { path: real, base: undefined, remove: [], descriptor: undefined, objects: [] };
  for (const file of files) {
    const isDescriptorFile =
      info.isDirectory() && dirname(file) === real && DESCRIPTOR_FILES.has(basename(file));
    for (const sourced of await readManifestFile(file, root)) {
      const { object } = sourced;
      if (parseApiVersion(object.apiVersion).group === SIM_GROUP && object.kind === 'Scenario') {
        if (!isDescriptorFile) {
          throw new Error(
            `${file}: a Scenario descriptor must be in scenario.yaml at the top of the scenario directory`,
          );
        }
        if (layer.descriptor !== undefined) throw new Error(`${file}: more than one Scenario descriptor`);
        layer.descriptor = file;
        const spec = parseSpec(scenarioSpec, object.spec, `${file}: Scenario ${objectName(object)}`);
        layer.remove = spec.remove;
        if (spec.base !== undefined) layer.base = await readLayer(resolve(real, spec.base), [...chain, real]);
        continue;
      }
      layer.objects.push(sourced);
    }
  }
  return layer;
}

function* layerObjects(layer: Layer): Generator<SourcedObject> {
  if (layer.base !== undefined) yield* layerObjects(layer.base);
  yield* layer.objects;
}

function layerSources(layer: Layer): string[] {
  return [...(layer.base === undefined ? [] : layerSources(layer.base)), layer.path];
}

/** Scope of every kind any layer mentions: the built-in table plus all CRDs found in the layers. */
function scopeRegistry(layers: readonly Layer[]): ResourceRegistry {
  const crds = layers.flatMap((layer) =>
    [...layerObjects(layer)]
      .map((s) => s.object)
      .filter(
        (o) =>
          o.kind === 'CustomResourceDefinition' &&
          parseApiVersion(o.apiVersion).group === 'apiextensions.k8s.io',
      ),
  );
  const tableCrds = BUILTIN_RESOURCES.filter((d) => d.origin === 'crd').map(synthesiseCrd);
  return new ResourceRegistry([...crds, ...tableCrds]);
}

/**
 * Puts namespaced objects without a namespace into `default` (as kubectl apply would) and drops the
 * namespace of cluster-scoped ones, so identities compare equal however a file was written.
 */
function normaliseNamespace(object: KubeObject, registry: ResourceRegistry): void {
  const { group } = parseApiVersion(object.apiVersion);
  const namespaced =
    group === SIM_GROUP ? object.kind !== 'ClusterProfile' : registry.byKind(group, object.kind)?.namespaced;
  if (namespaced === true && objectNamespace(object) === '') object.metadata.namespace = 'default';
  if (namespaced === false && object.metadata.namespace !== undefined) delete object.metadata.namespace;
}

function matchesRemove(ref: RemoveRef, object: KubeObject): boolean {
  if (ref.kind !== object.kind || ref.name !== objectName(object)) return false;
  if (
    ref.apiVersion !== undefined &&
    parseApiVersion(ref.apiVersion).group !== parseApiVersion(object.apiVersion).group
  ) {
    return false;
  }
  const namespace = objectNamespace(object);
  return ref.namespace === undefined
    ? namespace === '' || namespace === 'default'
    : ref.namespace === namespace;
}

/**
 * Applies a layer onto `result`: its base first (unless an earlier layer already applied that base, so
 * `--scenario a --scenario b` with both based on healthy keeps a's changes), then `remove`, then this
 * layer's objects, which replace same-identity ones or are added.
 */
function applyLayer(
  layer: Layer,
  registry: ResourceRegistry,
  result: Map<string, SourcedObject>,
  applied: Set<string>,
): void {
  if (layer.base !== undefined && !applied.has(layer.base.path))
    applyLayer(layer.base, registry, result, applied);
  applied.add(layer.path);
  for (const ref of layer.remove) {
    const matches = [...result.entries()].filter(([, s]) => matchesRemove(ref, s.object));
    if (matches.length === 0) {
      const where = ref.namespace === undefined ? '' : ` in namespace ${ref.namespace}`;
      throw new Error(
        `${layer.descriptor ?? layer.path}: remove: no ${ref.kind} ${ref.name}${where} in the base`,
      );
    }
    matches.forEach(([key]) => result.delete(key));
  }
  const seen = new Map<string, string>();
  for (const sourced of layer.objects) {
    normaliseNamespace(sourced.object, registry);
    const id = identityOf(sourced.object);
    const key = identityKey(id);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new Error(
        `${describeIdentity(id)} is defined twice in ${layer.path}: ${earlier} and ${sourced.source}`,
      );
    }
    seen.set(key, sourced.source);
    // Delete first so a replaced object moves to the end, as the order of later layers says.
    result.delete(key);
    result.set(key, sourced);
  }
}

/** RFC 4122-shaped, derived from the identity so a scenario loads with the same uids every time. */
function deterministicUid(object: KubeObject): string {
  const hex = createHash('sha1')
    .update(identityKey(identityOf(object)))
    .digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function resolveProfile(objects: readonly KubeObject[]): ClusterProfile {
  if (objects.length > 1) {
    throw new Error(`a scenario may hold one ClusterProfile, found ${objects.map(objectName).join(', ')}`);
  }
  const object = objects[0];
  const spec = parseSpec(
    clusterProfileSpec,
    object?.spec,
    `ClusterProfile ${object === undefined ? '' : objectName(object)}`,
  );
  const version = { ...DEFAULT_VERSION };
  if (spec.version !== undefined) {
    const given = spec.version;
    const parsed = /^v(\d+)\.(\d+)/.exec(given.gitVersion ?? '');
    if (parsed !== null) {
      version.major = parsed[1] ?? version.major ?? '1';
      version.minor = parsed[2] ?? version.minor ?? '28';
    }
    Object.assign(version, given);
  }
  return {
    version,
    forbidden: spec.forbidden,
    user: spec.user ?? DEFAULT_USER,
    latencyMs: spec.latency === undefined ? 0 : latencyMs(spec.latency),
    faults: spec.faults,
    absentGroups: spec.absentGroups,
    ...(spec.recorded ? { recorded: spec.recorded } : {}),
  };
}

function podEndpointOf(object: KubeObject): PodEndpoint {
  const spec = parseSpec(
    podEndpointSpec,
    object.spec,
    `PodEndpoint ${objectNamespace(object)}/${objectName(object)}`,
  );
  const structured = typeof spec.body !== 'string';
  const endpoint: PodEndpoint = {
    name: objectName(object),
    namespace: objectNamespace(object),
    path: spec.path,
    status: spec.status,
    body: typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body),
    contentType: spec.contentType ?? (structured ? 'application/json' : 'text/plain; charset=utf-8'),
  };
  if (spec.selector !== undefined) endpoint.selector = spec.selector;
  if (spec.pod !== undefined) endpoint.pod = spec.pod;
  if (spec.port !== undefined) endpoint.port = spec.port;
  return endpoint;
}

function podExecOf(object: KubeObject): PodExec {
  const spec = parseSpec(
    podExecSpec,
    object.spec,
    `PodExec ${objectNamespace(object)}/${objectName(object)}`,
  );
  const exec: PodExec = {
    name: objectName(object),
    namespace: objectNamespace(object),
    command: spec.command,
    match: spec.match,
    stdout: spec.stdout,
    stderr: spec.stderr,
    exitCode: spec.exitCode,
  };
  if (spec.selector !== undefined) exec.selector = spec.selector;
  if (spec.pod !== undefined) exec.pod = spec.pod;
  if (spec.container !== undefined) exec.container = spec.container;
  return exec;
}

/**
 * RBAC objects every cluster bootstraps, which an impersonated user's reviews depend on: cluster-admin
 * for system:masters, and system:basic-user letting any authenticated user ask what it may do.
 */
function bootstrapRbac(): KubeObject[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  const annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
  const role = (name: string, rules: JsonValue[]): KubeObject => ({
    apiVersion: rbac,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...labels }, annotations: { ...annotations } },
    rules,
  });
  const binding = (name: string, group: string): KubeObject => ({
    apiVersion: rbac,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...labels }, annotations: { ...annotations } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  });
  return [
    role('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    binding('cluster-admin', 'system:masters'),
    role('system:basic-user', [
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    binding('system:basic-user', 'system:authenticated'),
  ];
}

function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] } };
}

/** What a real cluster adds to every object and namespace; given values are kept. */
function applyDefaults(objects: KubeObject[]): void {
  let highest = 0;
  for (const object of objects) {
    const rv = object.metadata.resourceVersion;
    if (typeof rv === 'string' && /^\d+$/.test(rv)) highest = Math.max(highest, Number(rv));
  }
  for (const object of objects) {
    const meta = object.metadata;
    if (typeof meta.uid !== 'string') meta.uid = deterministicUid(object);
    if (typeof meta.creationTimestamp !== 'string') meta.creationTimestamp = DEFAULT_CREATION_TIMESTAMP;
    if (typeof meta.resourceVersion !== 'string') meta.resourceVersion = String(++highest);
    if (object.kind === 'Namespace' && object.apiVersion === 'v1') {
      const labels = isJsonObject(meta.labels) ? meta.labels : {};
      labels['kubernetes.io/metadata.name'] = objectName(object);
      meta.labels = labels;
      const status = isJsonObject(object.status) ? object.status : {};
      if (status.phase === undefined) status.phase = 'Active';
      object.status = status;
    }
  }
}

function sortKey(object: KubeObject): string {
  const id = identityOf(object);
  return [id.group, id.kind, id.namespace, id.name].join('\u0000');
}

/**
 * Loads a scenario: one directory (or file), or several layered in order (later layers replace
 * objects of the same group, kind, namespace and name). See docs/scenarios.md for the format.
 */
export async function loadScenario(paths: string | readonly string[]): Promise<LoadedScenario> {
  const list = typeof paths === 'string' ? [paths] : [...paths];
  if (list.length === 0) throw new Error('no scenario given');
  const layers: Layer[] = [];
  for (const path of list) layers.push(await readLayer(resolve(path), []));
  const registry = scopeRegistry(layers);

  const merged = new Map<string, SourcedObject>();
  const applied = new Set<string>();
  for (const layer of layers) applyLayer(layer, registry, merged, applied);

  const warnings: string[] = [];
  const simObjects = new Map<string, KubeObject[]>();
  const objects: KubeObject[] = [];
  for (const { object, source } of merged.values()) {
    if (parseApiVersion(object.apiVersion).group === SIM_GROUP) {
      if (!SIM_KINDS.has(object.kind)) throw new Error(`${source}: unknown simulator kind ${object.kind}`);
      simObjects.set(object.kind, [...(simObjects.get(object.kind) ?? []), object]);
      continue;
    }
    objects.push(object);
  }

  const profile = resolveProfile(simObjects.get('ClusterProfile') ?? []);

  // The CRDs a real cluster with Istio, SPIRE and the k6 operator holds, unless the profile says the
  // group is not installed or the scenario brings its own definition.
  // A recording holds every CRD the recorded cluster served: none is added.
  const absent = new Set(profile.absentGroups);
  const crdNames = new Set(objects.filter((o) => o.kind === 'CustomResourceDefinition').map(objectName));
  for (const def of BUILTIN_RESOURCES) {
    if (
      profile.recorded === undefined &&
      def.origin === 'crd' &&
      !absent.has(def.group) &&
      !crdNames.has(crdName(def))
    ) {
      objects.push(synthesiseCrd(def));
    }
  }

  const present = new Set(objects.map((o) => identityKey(identityOf(o))));
  for (const object of bootstrapRbac()) {
    if (!present.has(identityKey(identityOf(object)))) objects.push(object);
  }

  const namespaces = new Set(
    objects.filter((o) => o.kind === 'Namespace' && o.apiVersion === 'v1').map(objectName),
  );
  const wanted = new Set([...SYSTEM_NAMESPACES, ...objects.map(objectNamespace).filter((ns) => ns !== '')]);
  for (const ns of wanted) if (!namespaces.has(ns)) objects.push(namespaceObject(ns));

  const served = new ResourceRegistry(objects.filter((o) => o.kind === 'CustomResourceDefinition'));
  for (const object of objects) {
    const { group, version } = parseApiVersion(object.apiVersion);
    const def = served.byKind(group, object.kind);
    if (def !== undefined && tracksGeneration(def) && typeof object.metadata.generation !== 'number') {
      object.metadata.generation = 1;
    }
    if (def === undefined) {
      warnings.push(
        `${describeIdentity(identityOf(object))}: no served resource has kind ${object.kind} in group "${group}" (missing CRD?)`,
      );
    } else if (!def.versions.includes(version)) {
      warnings.push(
        `${describeIdentity(identityOf(object))}: ${object.apiVersion} is not served (served: ${def.versions.join(', ')})`,
      );
    }
  }

  objects.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  applyDefaults(objects);
  const endpoints = (simObjects.get('PodEndpoint') ?? []).map(podEndpointOf);
  const execs = (simObjects.get('PodExec') ?? []).map(podExecOf);
  return {
    objects,
    profile,
    podEndpoints: endpoints,
    podExecs: execs,
    sources: layers.flatMap(layerSources),
    warnings,
  };
}

/** A fault's latency: a Go-style duration (`5ms`, `1.5s`) or a bare number of milliseconds. */
function latencyMs(value: string | number): number {
  const ms =
    typeof value === 'number' || /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0)
    throw new Error(`invalid duration "${value}" (use e.g. 5ms, 1.5s, 1m30s)`);
  return ms;
}
