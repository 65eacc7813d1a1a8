// The load profile as k6 receives it: JSON in the MESHGATE_LOAD_PROFILE environment variable, so one
// bundle serves every run. This module has no k6 imports: meshgate's runners (Node) and the k6
// scripts share it, and the builtin runner executes the same request mix and thresholds.

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface ScriptPath {
  path: string;
  weight: number;
  method?: HttpMethod | undefined;
}

/** One request of the smoke script; `url` sends it somewhere else than `targetUrl` (a mesh Service). */
export interface SmokeTarget {
  name: string;
  path: string;
  url?: string | undefined;
  /** Host header for this target; default the profile's `host` when `url` is unset, else none. */
  host?: string | undefined;
  /** Accepted status codes; default any 2xx or 3xx. */
  expectStatus?: number[] | undefined;
}

export interface ScriptProfile {
  /** Base URL, no trailing slash needed (the gateway). */
  targetUrl: string;
  /** Host header; absent means the URL's own host. */
  host?: string | undefined;
  paths: ScriptPath[];
  headers: Record<string, string>;
  /** Requests per second. */
  rate: number;
  /** k6 duration, e.g. "5m". */
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
  thresholds: { maxErrorRate: number; p95Ms: number; p99Ms: number };
  smoke: { targets: SmokeTarget[]; iterations: number };
}

/** The tags every request carries, so Prometheus series and summaries say which step and run they belong to. */
export interface RunTags {
  step: string;
  run_id: string;
}

export const PROFILE_ENV = 'MESHGATE_LOAD_PROFILE';
export const STEP_ENV = 'MESHGATE_STEP';
export const RUN_ID_ENV = 'MESHGATE_RUN_ID';
export const SUMMARY_ENV = 'MESHGATE_SUMMARY';

/** Trend statistics kept in the summary: p(99) is not among k6's defaults. */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

function fail(problem: string): never {
  throw new Error(`${PROFILE_ENV}: ${problem} (meshgate passes the load profile as JSON)`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positive(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(`${field} must be a positive number`);
  return v;
}

/**
 * Reads the profile from its JSON text. A script started without it fails at init (k6 exit 107)
 * instead of sending load to a default somewhere.
 */
export function parseScriptProfile(json: string | undefined): ScriptProfile {
  if (json === undefined || json === '') fail('is not set');
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    fail('is not valid JSON');
  }
  if (!isRecord(raw)) fail('must be a JSON object');
  if (typeof raw.targetUrl !== 'string' || !/^https?:\/\//.test(raw.targetUrl)) {
    fail('targetUrl must be an http(s) URL');
  }
  if (!Array.isArray(raw.paths) || raw.paths.length === 0) fail('paths must be a non-empty array');
  for (const p of raw.paths as unknown[]) {
    if (!isRecord(p) || typeof p.path !== 'string' || !p.path.startsWith('/')) {
      fail('every path needs a "path" starting with /');
    }
    positive(p.weight, `weight of ${p.path}`);
  }
  positive(raw.rate, 'rate');
  positive(raw.preAllocatedVUs, 'preAllocatedVUs');
  positive(raw.maxVUs, 'maxVUs');
  if (typeof raw.duration !== 'string') fail('duration must be a string such as 5m');
  if (!isRecord(raw.thresholds)) fail('thresholds must be an object');
  if (!isRecord(raw.smoke) || !Array.isArray(raw.smoke.targets)) fail('smoke.targets must be an array');
  return raw as unknown as ScriptProfile;
}

/** k6 threshold expressions by metric: the same ones the builtin runner evaluates. */
export function thresholdExpressions(p: ScriptProfile): Record<string, string[]> {
  return {
    http_req_failed: [`rate<${p.thresholds.maxErrorRate}`],
    http_req_duration: [`p(95)<${p.thresholds.p95Ms}`, `p(99)<${p.thresholds.p99Ms}`],
  };
}

/** The canary script's k6 options: one constant-arrival-rate scenario. */
export function canaryOptions(p: ScriptProfile, tags: RunTags) {
  return {
    scenarios: {
      canary: {
        executor: 'constant-arrival-rate' as const,
        rate: p.rate,
        timeUnit: '1s',
        duration: p.duration,
        preAllocatedVUs: p.preAllocatedVUs,
        maxVUs: Math.max(p.maxVUs, p.preAllocatedVUs),
      },
    },
    thresholds: thresholdExpressions(p),
    tags: { ...tags },
    summaryTrendStats: [...SUMMARY_TREND_STATS],
    // Bodies are not inspected; not keeping them saves the load generator's memory.
    discardResponseBodies: true,
  };
}

/** The smoke script's options: every target once per iteration, one VU, all checks must pass. */
export function smokeOptions(p: ScriptProfile, tags: RunTags) {
  return {
    scenarios: {
      smoke: {
        executor: 'shared-iterations' as const,
        vus: 1,
        iterations: Math.max(1, p.smoke.iterations),
        maxDuration: '2m',
      },
    },
    thresholds: { checks: ['rate==1'] },
    tags: { ...tags },
    summaryTrendStats: [...SUMMARY_TREND_STATS],
  };
}

/** Picks a path by weight; `r` is uniform in [0, 1) (Math.random, or a sequence in tests). */
export function pickPath(paths: readonly ScriptPath[], r: number): ScriptPath {
  const total = paths.reduce((sum, p) => sum + p.weight, 0);
  let at = r * total;
  for (const p of paths) {
    at -= p.weight;
    if (at < 0) return p;
  }
  // r so close to 1 that rounding left a remainder: the last path.
  return paths[paths.length - 1] as ScriptPath;
}

export interface PlannedRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  tags: Record<string, string>;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

function withHost(headers: Record<string, string>, host: string | undefined): Record<string, string> {
  return host === undefined ? { ...headers } : { ...headers, Host: host };
}

/** The next canary request. The `name` tag is the path, so URLs with query strings do not explode series. */
export function canaryRequest(p: ScriptProfile, r: number, tags: RunTags): PlannedRequest {
  const chosen = pickPath(p.paths, r);
  return {
    method: chosen.method ?? 'GET',
    url: joinUrl(p.targetUrl, chosen.path),
    headers: withHost(p.headers, p.host),
    tags: { ...tags, name: chosen.path },
  };
}

export interface PlannedSmokeRequest extends PlannedRequest {
  check: string;
  expectStatus: number[] | undefined;
}

export function smokeRequests(p: ScriptProfile, tags: RunTags): PlannedSmokeRequest[] {
  return p.smoke.targets.map((t) => {
    const host = t.host ?? (t.url === undefined ? p.host : undefined);
    return {
      method: 'GET',
      url: joinUrl(t.url ?? p.targetUrl, t.path),
      headers: withHost(p.headers, host),
      tags: { ...tags, name: t.name },
      check: `${t.name}: ${t.expectStatus ? `status ${t.expectStatus.join('|')}` : 'status 2xx/3xx'}`,
      expectStatus: t.expectStatus,
    };
  });
}

export function statusAccepted(status: number, expect: number[] | undefined): boolean {
  return expect ? expect.includes(status) : status >= 200 && status < 400;
}
