import { pathNotFound } from './api-errors.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { formatApiVersion } from './kube-object.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import { SUBRESOURCE_INFO, type ResourceDef } from './resource-table.ts';

function groupVersions(group: string, versions: readonly string[]): JsonObject[] {
  return versions.map((version) => ({ groupVersion: formatApiVersion(group, version), version }));
}

function apiGroup(name: string, versions: readonly string[]): JsonObject {
  const list = groupVersions(name, versions);
  return { name, versions: list, preferredVersion: list[0] ?? {} };
}

/** GET /api: the legacy group's versions. */
export function legacyVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** GET /apis: every named group with its versions, preferred first. */
export function groupList(registry: ResourceRegistry): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g.name !== '')
      .map((g) => apiGroup(g.name, g.versions)),
  };
}

/** GET /apis/{group}. */
export function groupDocument(registry: ResourceRegistry, group: string): JsonObject {
  const found = registry.groups().find((g) => g.name === group && g.name !== '');
  if (found === undefined) throw pathNotFound();
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found.name, found.versions) };
}

function resourceEntries(def: ResourceDef): JsonObject[] {
  const main: JsonObject = {
    name: def.resource,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: [...def.verbs],
  };
  if (def.shortNames.length > 0) main.shortNames = [...def.shortNames];
  if (def.categories.length > 0) main.categories = [...def.categories];
  const subs = def.subresources.map((sub): JsonObject => {
    const info = SUBRESOURCE_INFO[sub];
    const entry: JsonObject = {
      name: `${def.resource}/${sub}`,
      singularName: '',
      namespaced: def.namespaced,
    };
    if (info.group !== undefined) entry.group = info.group;
    if (info.version !== undefined) entry.version = info.version;
    entry.kind = info.kind ?? def.kind;
    entry.verbs = [...info.verbs];
    return entry;
  });
  return [main, ...subs];
}

/** GET /api/v1 or /apis/{group}/{version}: the APIResourceList, subresources included. */
export function resourceList(registry: ResourceRegistry, group: string, version: string): JsonObject {
  if (!registry.servesGroupVersion(group, version)) throw pathNotFound();
  const resources: JsonValue[] = registry
    .resourcesIn(group, version)
    .sort((a, b) => a.resource.localeCompare(b.resource))
    .flatMap(resourceEntries);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: formatApiVersion(group, version),
    resources,
  };
}
