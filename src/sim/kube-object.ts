import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';

/** Any Kubernetes object: apiVersion/kind/metadata plus arbitrary content. */
export interface KubeObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject;
}

export interface GroupVersion {
  group: string;
  version: string;
}

export function parseApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function formatApiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function isKubeObject(value: JsonValue | undefined): value is KubeObject {
  return (
    isJsonObject(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isJsonObject(value.metadata)
  );
}

export function metaString(obj: KubeObject, field: string): string | undefined {
  const value = obj.metadata[field];
  return typeof value === 'string' ? value : undefined;
}

export function objectName(obj: KubeObject): string {
  return metaString(obj, 'name') ?? '';
}

export function objectNamespace(obj: KubeObject): string {
  return metaString(obj, 'namespace') ?? '';
}

export function stringMap(value: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'string') out[key] = item;
    else if (typeof item === 'number' || typeof item === 'boolean') out[key] = String(item);
  }
  return out;
}

export function objectLabels(obj: KubeObject): Record<string, string> {
  return stringMap(obj.metadata.labels);
}

/**
 * Identity used by overlays and by the store: (group, kind, namespace, name). The version is left out
 * on purpose: the same VirtualService written as v1alpha3 in a base and v1beta1 in an overlay is one
 * object, as it is in a real cluster.
 */
export interface ObjectIdentity {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function identityOf(obj: KubeObject): ObjectIdentity {
  return {
    group: parseApiVersion(obj.apiVersion).group,
    kind: obj.kind,
    namespace: objectNamespace(obj),
    name: objectName(obj),
  };
}

export function identityKey(id: ObjectIdentity): string {
  return [id.group, id.kind, id.namespace, id.name].join('\u0000');
}

export function describeIdentity(id: ObjectIdentity): string {
  const kind = id.group === '' ? id.kind : `${id.kind}.${id.group}`;
  return id.namespace === '' ? `${kind} ${id.name}` : `${kind} ${id.namespace}/${id.name}`;
}
