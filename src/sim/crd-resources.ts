import { getPath, isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import type { KubeObject } from './kube-object.ts';
import { sortKubeVersions } from './kube-versions.ts';
import {
  STANDARD_VERBS,
  type PrinterColumn,
  type ResourceDef,
  type ScalePaths,
  type SubresourceName,
} from './resource-table.ts';

function stringList(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What a CustomResourceDefinition makes the API server serve. Returns undefined for a CRD too
 * incomplete to serve (no group, plural or kind), which a real server would have refused anyway.
 */
export function resourceFromCrd(crd: KubeObject): ResourceDef | undefined {
  const spec = crd.spec;
  if (!isJsonObject(spec)) return undefined;
  const group = str(spec.group);
  const names = isJsonObject(spec.names) ? spec.names : {};
  const plural = str(names.plural);
  const kind = str(names.kind);
  if (group === undefined || plural === undefined || kind === undefined) return undefined;
  const versionEntries = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  // v1beta1-era CRDs put one version in spec.version; accept it so old dumps still load.
  if (versionEntries.length === 0 && typeof spec.version === 'string') {
    versionEntries.push({ name: spec.version, served: true, storage: true });
  }
  const served = versionEntries.filter((v) => v.served !== false && typeof v.name === 'string');
  if (served.length === 0) return undefined;
  const subresources = new Set<SubresourceName>();
  let scale: ScalePaths | undefined;
  let printerColumns: PrinterColumn[] = [];
  const fields: string[] = [];
  for (const version of served) {
    const sub = isJsonObject(version.subresources) ? version.subresources : spec.subresources;
    if (isJsonObject(sub)) {
      if (sub.status !== undefined) subresources.add('status');
      if (isJsonObject(sub.scale)) {
        subresources.add('scale');
        scale = {
          specReplicasPath: str(sub.scale.specReplicasPath) ?? '.spec.replicas',
          statusReplicasPath: str(sub.scale.statusReplicasPath) ?? '.status.replicas',
        };
        const selectorPath = str(sub.scale.labelSelectorPath);
        if (selectorPath !== undefined) scale.labelSelectorPath = selectorPath;
      }
    }
    const columns = Array.isArray(version.additionalPrinterColumns)
      ? version.additionalPrinterColumns
      : spec.additionalPrinterColumns;
    if (printerColumns.length === 0 && Array.isArray(columns)) {
      printerColumns = columns.filter(isJsonObject).flatMap((c) => {
        const name = str(c.name);
        const jsonPath = str(c.jsonPath) ?? str(c.JSONPath);
        if (name === undefined || jsonPath === undefined) return [];
        const column: PrinterColumn = { name, type: str(c.type) ?? 'string', jsonPath };
        const description = str(c.description);
        if (description !== undefined) column.description = description;
        if (typeof c.priority === 'number') column.priority = c.priority;
        return [column];
      });
    }
    if (Array.isArray(version.selectableFields)) {
      for (const f of version.selectableFields.filter(isJsonObject)) {
        const path = str(f.jsonPath);
        if (path !== undefined) fields.push(path.replace(/^\./, ''));
      }
    }
  }
  const def: ResourceDef = {
    group,
    versions: sortKubeVersions(served.map((v) => String(v.name))),
    resource: plural,
    singular: str(names.singular) ?? kind.toLowerCase(),
    kind,
    listKind: str(names.listKind) ?? `${kind}List`,
    namespaced: spec.scope !== 'Cluster',
    verbs: STANDARD_VERBS,
    shortNames: stringList(names.shortNames),
    categories: stringList(names.categories),
    subresources: [...subresources],
    fields,
    printerColumns,
    origin: 'crd',
  };
  if (scale !== undefined) def.scale = scale;
  const storage = versionEntries.find((v) => v.storage === true);
  if (storage !== undefined && typeof storage.name === 'string') def.storageVersion = storage.name;
  return def;
}

export function crdName(def: ResourceDef): string {
  return `${def.resource}.${def.group}`;
}

/**
 * The CustomResourceDefinition a real cluster would hold for a CRD-backed table entry (Istio, SPIRE,
 * k6...). The schema preserves unknown fields: the simulator does not validate custom objects.
 */
export function synthesiseCrd(def: ResourceDef): KubeObject {
  const storage = def.storageVersion ?? def.versions[def.versions.length - 1] ?? 'v1';
  const names: JsonObject = {
    plural: def.resource,
    singular: def.singular,
    kind: def.kind,
    listKind: def.listKind,
  };
  if (def.shortNames.length > 0) names.shortNames = [...def.shortNames];
  if (def.categories.length > 0) names.categories = [...def.categories];
  const subresources: JsonObject = {};
  if (def.subresources.includes('status')) subresources.status = {};
  if (def.scale !== undefined) {
    const scale: JsonObject = {
      specReplicasPath: def.scale.specReplicasPath,
      statusReplicasPath: def.scale.statusReplicasPath,
    };
    if (def.scale.labelSelectorPath !== undefined) scale.labelSelectorPath = def.scale.labelSelectorPath;
    subresources.scale = scale;
  }
  const versions: JsonValue[] = def.versions.map((name) => {
    const version: JsonObject = {
      name,
      served: true,
      storage: name === storage,
      schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    };
    if (Object.keys(subresources).length > 0) version.subresources = structuredClone(subresources);
    // Istio's CRDs list their columns Age included; kinds showing only Name/Age declare none.
    if (def.printerColumns.some((c) => c.jsonPath !== '.metadata.creationTimestamp')) {
      version.additionalPrinterColumns = def.printerColumns.map((c) => {
        const column: JsonObject = { name: c.name, type: c.type, jsonPath: c.jsonPath };
        if (c.description !== undefined) column.description = c.description;
        return column;
      });
    }
    return version;
  });
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(def),
      annotations: { 'sim.meshgate.dev/synthesised': 'true' },
    },
    spec: {
      group: def.group,
      names,
      scope: def.namespaced ? 'Namespaced' : 'Cluster',
      versions,
    },
  };
  crd.status = establishedStatus(crd, { ...def, storageVersion: storage });
  return crd;
}

/** The status the apiextensions controller writes once a CRD is accepted. */
export function establishedStatus(crd: KubeObject, def: ResourceDef): JsonObject {
  const names = getPath(crd, ['spec', 'names']);
  return {
    acceptedNames: isJsonObject(names) ? structuredClone(names) : {},
    conditions: [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
      },
    ],
    storedVersions: [def.storageVersion ?? def.versions[0] ?? 'v1'],
  };
}
