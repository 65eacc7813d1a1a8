import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest, invalid, type InvalidCause } from './api-errors.ts';
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json.ts';
import {
  formatApiVersion,
  isKubeObject,
  objectName,
  parseApiVersion,
  type KubeObject,
} from './kube-object.ts';
import type { ResourceDef } from './resource-table.ts';

/** Groups whose built-in kinds keep metadata.generation (custom resources always do). */
const GENERATION_GROUPS = new Set([
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'apiextensions.k8s.io',
]);

export function tracksGeneration(def: ResourceDef): boolean {
  return def.origin === 'crd' || GENERATION_GROUPS.has(def.group);
}

export function hasStatusSubresource(def: ResourceDef): boolean {
  return def.subresources.includes('status');
}

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_HELP =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function nameProblem(def: ResourceDef, name: string): string | undefined {
  if (def.group === 'rbac.authorization.k8s.io') {
    return name === '.' || name === '..' || /[/%]/.test(name) ? `may not contain '/' or '%'` : undefined;
  }
  if (def.kind === 'Namespace' || def.kind === 'Service') {
    return LABEL.test(name) && name.length <= 63 ? undefined : LABEL_HELP;
  }
  return SUBDOMAIN.test(name) && name.length <= 253 ? undefined : SUBDOMAIN_HELP;
}

/** Five characters from the alphabet apimachinery's generateName uses. */
function nameSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Checks that a request body is an object of the resource's kind, fills in apiVersion/kind when the
 * client left them out (as the API server's decoder does), and reconciles the namespace with the path.
 */
export function decodeBody(
  def: ResourceDef,
  version: string,
  body: JsonValue | undefined,
  pathNamespace: string | undefined,
): KubeObject {
  if (!isJsonObject(body)) throw badRequest('the body of the request must be a JSON or YAML object');
  const copy: JsonObject = { ...body };
  const apiVersion =
    typeof copy.apiVersion === 'string' ? copy.apiVersion : formatApiVersion(def.group, version);
  const kind = typeof copy.kind === 'string' ? copy.kind : def.kind;
  if (kind !== def.kind || parseApiVersion(apiVersion).group !== def.group) {
    throw badRequest(
      `${kind} in version "${parseApiVersion(apiVersion).version}" cannot be handled as a ${def.kind}: no kind "${kind}" is registered for version "${apiVersion}"`,
    );
  }
  copy.apiVersion = formatApiVersion(def.group, version);
  copy.kind = def.kind;
  copy.metadata = isJsonObject(copy.metadata) ? { ...copy.metadata } : {};
  if (!isKubeObject(copy)) throw badRequest('metadata must be an object');
  if (def.namespaced) {
    const given = copy.metadata.namespace;
    if (typeof given === 'string' && given !== '' && pathNamespace !== undefined && given !== pathNamespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (pathNamespace !== undefined) copy.metadata.namespace = pathNamespace;
  } else {
    delete copy.metadata.namespace;
  }
  return copy;
}

/** What the API server's create strategy does: name, uid, timestamps, generation, status reset. */
export function prepareCreate(def: ResourceDef, object: KubeObject): KubeObject {
  const meta = object.metadata;
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  if ((typeof meta.name !== 'string' || meta.name === '') && generateName !== '') {
    meta.name = `${generateName}${nameSuffix()}`;
  }
  const name = objectName(object);
  const causes: InvalidCause[] = [];
  if (name === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  } else {
    const problem = nameProblem(def, name);
    if (problem !== undefined) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${name}": ${problem}`,
        field: 'metadata.name',
      });
    }
  }
  if (causes.length > 0) throw invalid(def.group, def.kind, name, causes);
  meta.uid = randomUUID();
  meta.creationTimestamp = nowTimestamp();
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.managedFields;
  if (tracksGeneration(def)) meta.generation = 1;
  else delete meta.generation;
  if (hasStatusSubresource(def)) delete object.status;
  if (def.group === '' && def.kind === 'Pod') object.status = { phase: 'Pending', qosClass: 'BestEffort' };
  if (def.group === '' && def.kind === 'Namespace') {
    meta.labels = { ...(isJsonObject(meta.labels) ? meta.labels : {}), 'kubernetes.io/metadata.name': name };
    object.spec = { finalizers: ['kubernetes'], ...(isJsonObject(object.spec) ? object.spec : {}) };
    object.status = { phase: 'Active' };
  }
  return object;
}

function contentWithoutMetaAndStatus(object: KubeObject): JsonObject {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

export interface PreparedUpdate {
  object: KubeObject;
  changed: boolean;
}

/**
 * What the update strategy does with a new version of an object: system metadata comes from the
 * stored object, status is kept when the kind has a status subresource (only /status may change it),
 * generation bumps when anything but metadata and status changed. An update that changes nothing is
 * a no-op and keeps the resourceVersion, as on a real server.
 */
export function prepareUpdate(
  def: ResourceDef,
  existing: KubeObject,
  incoming: KubeObject,
  statusOnly = false,
): PreparedUpdate {
  let next: KubeObject;
  if (statusOnly) {
    next = structuredClone(existing);
    if (incoming.status === undefined) delete next.status;
    else next.status = incoming.status;
  } else {
    next = structuredClone(incoming);
    if (hasStatusSubresource(def)) {
      if (existing.status === undefined) delete next.status;
      else next.status = structuredClone(existing.status);
    }
  }
  // Stored objects keep the version they were written in; reads convert to the requested one.
  next.apiVersion = existing.apiVersion;
  next.kind = existing.kind;
  const meta = next.metadata;
  for (const field of [
    'uid',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'name',
    'namespace',
  ]) {
    const value = existing.metadata[field];
    if (value === undefined) delete meta[field];
    else meta[field] = value;
  }
  meta.resourceVersion = existing.metadata.resourceVersion ?? '';
  if (tracksGeneration(def)) {
    const previous = typeof existing.metadata.generation === 'number' ? existing.metadata.generation : 1;
    const specChanged = !jsonEqual(contentWithoutMetaAndStatus(existing), contentWithoutMetaAndStatus(next));
    meta.generation = specChanged ? previous + 1 : previous;
  }
  delete meta.managedFields;
  const comparableExisting = structuredClone(existing);
  delete comparableExisting.metadata.managedFields;
  return { object: next, changed: !jsonEqual(comparableExisting, next) };
}
