import type { JsonObject } from './json.ts';
import { formatApiVersion, type KubeObject } from './kube-object.ts';
import type { ResourceDef } from './resource-table.ts';
import { toTable, type IncludeObject } from './table-output.ts';

/** How the client asked to see objects: as themselves, as a Table, or as PartialObjectMetadata. */
export interface Presentation {
  mode: 'object' | 'table' | 'metadata';
  metaVersion: string;
  includeObject: IncludeObject;
}

/**
 * Reads the Accept header as the API server does: the first alternative it can produce wins, so
 * kubectl's `as=Table;v=v1;g=meta.k8s.io, application/json` gets a Table.
 */
export function negotiate(accept: string, query: URLSearchParams): Presentation {
  const include = query.get('includeObject');
  const includeObject: IncludeObject = include === 'Object' || include === 'None' ? include : 'Metadata';
  for (const alternative of accept.split(',')) {
    const params = new Map(
      alternative
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string | undefined])
        .map(([k, v]) => [k, v ?? '']),
    );
    const as = params.get('as');
    if (as === undefined) return { mode: 'object', metaVersion: 'v1', includeObject };
    if (params.get('g') !== 'meta.k8s.io') continue;
    const metaVersion = params.get('v') === 'v1beta1' ? 'v1beta1' : 'v1';
    if (as === 'Table') return { mode: 'table', metaVersion, includeObject };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { mode: 'metadata', metaVersion, includeObject };
    }
  }
  return { mode: 'object', metaVersion: 'v1', includeObject };
}

/** The stored object as the requested version shows it (apiVersion rewritten; no schema conversion). */
export function presentObject(object: KubeObject, def: ResourceDef, version: string): KubeObject {
  return { ...object, apiVersion: formatApiVersion(def.group, version), kind: def.kind };
}

/**
 * Items of lists of built-in kinds carry no apiVersion/kind (the real server encodes typed lists
 * that way); items of custom-resource lists do. Clients that read `item.kind` from a PodList break
 * against a real cluster, and here too.
 */
export function listItem(object: KubeObject, def: ResourceDef, version: string): JsonObject {
  const presented: JsonObject = presentObject(object, def, version);
  if (def.origin === 'native') {
    delete presented.apiVersion;
    delete presented.kind;
  }
  return presented;
}

export function renderSingle(
  object: KubeObject,
  def: ResourceDef,
  version: string,
  presentation: Presentation,
): JsonObject {
  const presented = presentObject(object, def, version);
  if (presentation.mode === 'table') {
    return toTable([presented], def, {
      tableVersion: presentation.metaVersion,
      includeObject: presentation.includeObject,
      listMetadata: { resourceVersion: String(object.metadata.resourceVersion ?? '') },
    });
  }
  if (presentation.mode === 'metadata') {
    return {
      kind: 'PartialObjectMetadata',
      apiVersion: `meta.k8s.io/${presentation.metaVersion}`,
      metadata: presented.metadata,
    };
  }
  return presented;
}

export function renderList(
  objects: readonly KubeObject[],
  def: ResourceDef,
  version: string,
  listMetadata: JsonObject,
  presentation: Presentation,
): JsonObject {
  if (presentation.mode === 'table') {
    return toTable(
      objects.map((o) => presentObject(o, def, version)),
      def,
      { tableVersion: presentation.metaVersion, includeObject: presentation.includeObject, listMetadata },
    );
  }
  if (presentation.mode === 'metadata') {
    const apiVersion = `meta.k8s.io/${presentation.metaVersion}`;
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion,
      metadata: listMetadata,
      items: objects.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata })),
    };
  }
  return {
    kind: def.listKind,
    apiVersion: formatApiVersion(def.group, version),
    metadata: listMetadata,
    items: objects.map((o) => listItem(o, def, version)),
  };
}
