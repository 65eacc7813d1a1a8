// Which traffic step the VirtualService is at, leniently: the weight each HTTP route sends to the mesh
// namespace, whatever else it sends where. The canary reads it to name the step it judges; a shift
// uses the strict readSplit, which refuses anything it could not move safely.

import type { KubeObject } from '../cluster/types.ts';
import { ANNOTATION_LAST_SHIFT_AT } from './audit.ts';
import { namespaceOf } from './split.ts';

export interface RouteWeight {
  /** The route's `name`, or `http[i]`. */
  readonly route: string;
  readonly mesh: number;
  readonly other: number;
}

export interface TrafficStep {
  /** The mesh weight every route agrees on; undefined when routes disagree or none routes. */
  readonly meshWeight: number | undefined;
  readonly routes: readonly RouteWeight[];
  /** `meshgate.dev/last-shift-at`, when present. */
  readonly lastShiftAt: string | undefined;
}

interface Destination {
  destination?: { host?: unknown };
  weight?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the mesh weight of each HTTP route (Istio: a lone destination without weight gets 100). */
export function readTrafficStep(vs: KubeObject, meshNamespace: string): TrafficStep {
  const vsNamespace = vs.metadata.namespace ?? meshNamespace;
  const spec = isRecord(vs.spec) ? vs.spec : {};
  const http = Array.isArray(spec.http) ? spec.http : [];
  const routes: RouteWeight[] = [];
  http.forEach((h: unknown, i) => {
    if (!isRecord(h) || !Array.isArray(h.route)) return;
    const dests = h.route as Destination[];
    let mesh = 0;
    let other = 0;
    for (const d of dests) {
      const host = typeof d.destination?.host === 'string' ? d.destination.host : '';
      const weight = typeof d.weight === 'number' ? d.weight : dests.length === 1 ? 100 : 0;
      if (namespaceOf(host, vsNamespace).namespace === meshNamespace) mesh += weight;
      else other += weight;
    }
    routes.push({ route: typeof h.name === 'string' ? h.name : `http[${i}]`, mesh, other });
  });
  const weights = new Set(routes.map((r) => r.mesh));
  const annotations = vs.metadata.annotations ?? {};
  return {
    meshWeight: weights.size === 1 ? [...weights][0] : undefined,
    routes,
    lastShiftAt: annotations[ANNOTATION_LAST_SHIFT_AT],
  };
}

/** The step that must be current before moving to `step`: the previous one in `steps`, or 0. */
export function previousStep(steps: readonly number[], step: number): number | undefined {
  const i = steps.indexOf(step);
  if (i < 0) return undefined;
  return i === 0 ? 0 : steps[i - 1];
}
