import { requireDuration } from '../core/index.ts';
import type { Profile } from '../profile/index.ts';
import type { ScriptProfile, SmokeTarget } from '../../load/lib/script-profile.ts';
import type { LoadRequest } from './types.ts';

/** Smoke iterations: enough to see a flapping endpoint, few enough to finish in seconds. */
export const SMOKE_ITERATIONS = 3;

/**
 * Smoke targets when the request names none: each mesh workload's health path on its Service (the
 * smoke run checks the mesh side directly, before any user traffic moves), then the load paths
 * through the gateway.
 */
export function defaultSmokeTargets(profile: Profile): SmokeTarget[] {
  const mesh = profile.namespaces.mesh;
  const health = profile.app.workloads.map((w) => ({
    name: `${w.name} health`,
    url: `http://${w.service}.${mesh}:${w.servicePort}`,
    path: w.healthPath,
  }));
  const main = profile.load.paths.map((p) => ({ name: `gateway ${p.path}`, path: p.path }));
  return [...health, ...main];
}

/** The profile's `load` section with the request's overrides, as k6 and the builtin runner receive it. */
export function resolveScriptProfile(profile: Profile, req: LoadRequest): ScriptProfile {
  const load = profile.load;
  return {
    targetUrl: req.targetUrl ?? load.targetUrl,
    host: req.host ?? load.host ?? profile.traffic.hosts[0],
    paths: load.paths.map((p) => ({ path: p.path, weight: p.weight, method: p.method })),
    headers: { ...load.headers },
    rate: req.rate ?? load.rate,
    duration: req.duration ?? load.duration,
    preAllocatedVUs: load.preAllocatedVUs,
    maxVUs: load.maxVUs,
    thresholds: { ...load.thresholds },
    smoke: {
      targets: req.smokeTargets ?? load.smokeTargets ?? defaultSmokeTargets(profile),
      iterations: SMOKE_ITERATIONS,
    },
  };
}

/** A duration of the profile in milliseconds. @throws RangeError naming the field. */
export function durationMs(text: string, field: string): number {
  return requireDuration(text, field);
}
