import { resourceFromCrd } from './crd-resources.ts';
import type { KubeObject } from './kube-object.ts';
import { sortKubeVersions } from './kube-versions.ts';
import { BUILTIN_RESOURCES, type ResourceDef } from './resource-table.ts';

export interface ServedGroup {
  name: string;
  /** Served versions, preferred first. */
  versions: string[];
}

/**
 * The resources this cluster serves: the native part of the built-in table plus one entry per
 * CustomResourceDefinition in the store (synthesised ones for Istio/SPIRE/k6 included). Rebuilt when a
 * CRD changes, so creating or deleting a CRD through the API changes discovery as it would for real.
 */
export class ResourceRegistry {
  private readonly defs: ResourceDef[];

  constructor(crds: readonly KubeObject[]) {
    const byKey = new Map<string, ResourceDef>();
    for (const def of BUILTIN_RESOURCES) {
      if (def.origin === 'native') byKey.set(`${def.group}/${def.resource}`, def);
    }
    for (const crd of crds) {
      const def = resourceFromCrd(crd);
      // A CRD cannot shadow a native group-resource (the real server refuses such CRDs).
      if (def !== undefined && !byKey.has(`${def.group}/${def.resource}`)) {
        byKey.set(`${def.group}/${def.resource}`, def);
      }
    }
    this.defs = [...byKey.values()];
  }

  all(): readonly ResourceDef[] {
    return this.defs;
  }

  /** The resource served at /apis/{group}/{version}/{resource}, if that version serves it. */
  lookup(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.defs.find(
      (d) => d.group === group && d.resource === resource && d.versions.includes(version),
    );
  }

  byKind(group: string, kind: string): ResourceDef | undefined {
    return this.defs.find((d) => d.group === group && d.kind === kind);
  }

  groups(): ServedGroup[] {
    const versions = new Map<string, Set<string>>();
    for (const def of this.defs) {
      const set = versions.get(def.group) ?? new Set<string>();
      def.versions.forEach((v) => set.add(v));
      versions.set(def.group, set);
    }
    const order = (name: string) => (name === '' ? '' : name.includes('.') ? `2${name}` : `1${name}`);
    return [...versions.entries()]
      .map(([name, set]) => ({ name, versions: sortKubeVersions(set) }))
      .sort((a, b) => order(a.name).localeCompare(order(b.name)));
  }

  servesGroupVersion(group: string, version: string): boolean {
    return this.defs.some((d) => d.group === group && d.versions.includes(version));
  }

  resourcesIn(group: string, version: string): ResourceDef[] {
    return this.defs.filter((d) => d.group === group && d.versions.includes(version));
  }
}
