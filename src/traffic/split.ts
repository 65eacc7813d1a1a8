import type { KubeObject } from '../cluster/types.ts';
import type { Profile } from '../profile/index.ts';

/** One weighted route of the VirtualService, split between the legacy and the mesh destination. */
export interface RouteSplit {
  index: number;
  name: string;
  legacy: { host: string; weight: number };
  mesh: { host: string; weight: number };
}

export interface Split {
  routes: RouteSplit[];
  /** The mesh share in percent, when every route carries the same split. */
  meshWeight: number;
}

interface Destination {
  destination?: { host?: string };
  weight?: number;
}
interface HttpRoute {
  name?: string;
  route?: Destination[];
}

/** The namespace a destination host names, resolving short names in the VirtualService's namespace. */
export function namespaceOf(host: string, vsNamespace: string): { namespace: string; fqdn: boolean } {
  const parts = host.split('.');
  if (parts.length === 1) return { namespace: vsNamespace, fqdn: false };
  return {
    namespace: parts[1] ?? vsNamespace,
    fqdn: parts.length >= 3 && host.endsWith('.svc.cluster.local'),
  };
}

/**
 * Reads the legacy/mesh split from the VirtualService the profile names. Every http route that
 * sends traffic to both namespaces is part of the split; the problems say why a split cannot be
 * trusted (weights not summing to 100, routes disagreeing, short host names).
 */
export function readSplit(vs: KubeObject, profile: Profile): { split?: Split; problems: string[] } {
  const ns = vs.metadata.namespace ?? profile.namespaces.mesh;
  const http = ((vs.spec as { http?: HttpRoute[] } | undefined)?.http ?? []) as HttpRoute[];
  const problems: string[] = [];
  const routes: RouteSplit[] = [];
  http.forEach((r, index) => {
    const name = r.name ?? `http[${index}]`;
    let legacy: RouteSplit['legacy'] | undefined;
    let mesh: RouteSplit['mesh'] | undefined;
    let sum = 0;
    for (const d of r.route ?? []) {
      const host = d.destination?.host ?? '';
      // A single destination without a weight gets all the traffic.
      const weight = d.weight ?? ((r.route?.length ?? 0) === 1 ? 100 : 0);
      sum += weight;
      const where = namespaceOf(host, ns);
      if (!where.fqdn) problems.push(`route "${name}" names "${host}" without its namespace: use the FQDN`);
      if (where.namespace === profile.namespaces.legacy) legacy = { host, weight };
      else if (where.namespace === profile.namespaces.mesh) mesh = { host, weight };
    }
    if (!legacy && !mesh) return;
    if (sum !== 100) problems.push(`route "${name}" weights sum to ${sum}, not 100`);
    routes.push({
      index,
      name,
      legacy: legacy ?? { host: '', weight: 0 },
      mesh: mesh ?? { host: '', weight: 0 },
    });
    if (!legacy)
      problems.push(
        `route "${name}" has no ${profile.namespaces.legacy} destination, so it cannot be rolled back`,
      );
    if (!mesh) problems.push(`route "${name}" has no ${profile.namespaces.mesh} destination`);
  });
  if (routes.length === 0) {
    problems.push(`no http route splits between ${profile.namespaces.legacy} and ${profile.namespaces.mesh}`);
    return { problems };
  }
  const weights = new Set(routes.map((r) => r.mesh.weight));
  if (weights.size > 1) {
    problems.push(
      `routes disagree on the mesh weight (${routes.map((r) => `${r.name}: ${r.mesh.weight}`).join(', ')}): every route should carry the same step`,
    );
  }
  return { split: { routes, meshWeight: routes[0]?.mesh.weight ?? 0 }, problems };
}

/**
 * The VirtualService's `spec.http` with the mesh weight set to `meshWeight` on every split route.
 * A JSON merge patch replaces arrays whole, so the patch carries the entire list.
 */
export function withMeshWeight(vs: KubeObject, split: Split, meshWeight: number): unknown[] {
  const http = structuredClone((vs.spec as { http?: HttpRoute[] }).http ?? []);
  for (const r of split.routes) {
    for (const d of http[r.index]?.route ?? []) {
      if (d.destination?.host === r.mesh.host) d.weight = meshWeight;
      else if (d.destination?.host === r.legacy.host) d.weight = 100 - meshWeight;
    }
  }
  return http;
}
