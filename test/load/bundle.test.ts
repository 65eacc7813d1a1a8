// The bundled k6 scripts, loaded in Node with stub `k6` modules that record what the script would
// do: the requests it makes, its options, and what handleSummary writes.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleLoadScripts, resolveScriptProfile, type LoadBundles } from '../../src/load/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';

interface Recorded {
  method: string;
  url: string;
  body: unknown;
  params: { headers: Record<string, string>; tags: Record<string, string> };
}
interface K6Stub {
  requests: Recorded[];
  checks: { names: string[]; tags: unknown }[];
  status: number;
}
interface ScriptModule {
  options: Record<string, unknown>;
  default: () => void;
  handleSummary: (data: unknown) => Record<string, string>;
}

const STUBS: Record<string, string> = {
  k6: `export function check(value, sets, tags) {
  globalThis.__k6.checks.push({ names: Object.keys(sets), tags });
  return Object.values(sets).every((fn) => fn(value));
}
export default { check };`,
  'k6/http': `export function request(method, url, body, params) {
  globalThis.__k6.requests.push({ method, url, body, params });
  return { status: globalThis.__k6.status };
}
export default { request };`,
};

const g = globalThis as unknown as { __k6: K6Stub; __ENV: Record<string, string> };

describe('bundled k6 scripts', () => {
  let dir: string;
  let bundles: LoadBundles;
  let loaded = 0;
  const realRandom = Math.random;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'meshgate-bundle-test-'));
    bundles = await bundleLoadScripts(path.join(dir, 'dist'));
    for (const [name, source] of Object.entries(STUBS)) {
      await writeFile(path.join(dir, `${name.replace('/', '-')}.mjs`), source);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    Math.random = realRandom;
  });

  /** Imports a fresh copy of a bundle (its init code reads __ENV) with k6 imports pointing at the stubs. */
  async function load(file: string, env: Record<string, string>): Promise<ScriptModule> {
    const source = await readFile(file, 'utf8');
    const imports = [...source.matchAll(/from\s+"(k6(?:\/[a-z]+)?)"/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    const rewritten = source.replace(/from\s+"(k6(?:\/[a-z]+)?)"/g, (_m, spec: string) => {
      const stub = path.join(dir, `${spec.replace('/', '-')}.mjs`);
      return `from ${JSON.stringify(pathToFileURL(stub).href)}`;
    });
    const copy = path.join(dir, `${path.basename(file, '.js')}-${loaded++}.mjs`);
    await writeFile(copy, rewritten);
    g.__k6 = { requests: [], checks: [], status: 200 };
    g.__ENV = env;
    return (await import(pathToFileURL(copy).href)) as ScriptModule;
  }

  const profile = resolveScriptProfile(defaultProfile, {
    step: 25,
    runId: 'run-7',
    rate: 80,
    duration: '90s',
  });
  const env = (summary?: string): Record<string, string> => ({
    MESHGATE_LOAD_PROFILE: JSON.stringify(profile),
    MESHGATE_STEP: '25',
    MESHGATE_RUN_ID: 'run-7',
    ...(summary ? { MESHGATE_SUMMARY: summary } : {}),
  });

  it('bundles as ESM with k6 imports left external', async () => {
    const source = await readFile(bundles.canary, 'utf8');
    expect(source).toMatch(/^import http from "k6\/http";$/m);
    expect(source).not.toMatch(/require\(/);
  });

  it('canary: options from the profile, weighted paths, Host header and tags on every request', async () => {
    const script = await load(bundles.canary, env());
    expect(script.options).toMatchObject({
      scenarios: {
        canary: {
          executor: 'constant-arrival-rate',
          rate: 80,
          timeUnit: '1s',
          duration: '90s',
          preAllocatedVUs: 20,
          maxVUs: 100,
        },
      },
      thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(95)<500', 'p(99)<1000'] },
      tags: { step: '25', run_id: 'run-7' },
    });
    expect(script.options.summaryTrendStats).toContain('p(99)');

    // Weights 50/50: draws below 0.5 take /api/health, the others /.
    const draws = [0.1, 0.7, 0.49, 0.5, 0.99, 0];
    let i = 0;
    Math.random = () => draws[i++ % draws.length] as number;
    for (let n = 0; n < draws.length; n++) script.default();
    expect(g.__k6.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET http://istio-ingressgateway.istio-system/api/health',
      'GET http://istio-ingressgateway.istio-system/',
      'GET http://istio-ingressgateway.istio-system/api/health',
      'GET http://istio-ingressgateway.istio-system/',
      'GET http://istio-ingressgateway.istio-system/',
      'GET http://istio-ingressgateway.istio-system/api/health',
    ]);
    for (const r of g.__k6.requests) {
      expect(r.params.headers).toEqual({ Host: 'zamaz.example.com' });
      expect(r.params.tags).toMatchObject({ step: '25', run_id: 'run-7' });
    }
  });

  it('canary: handleSummary writes the JSON summary to MESHGATE_SUMMARY and a short text to stdout', async () => {
    const summaryPath = path.join(dir, 'summary.json');
    const script = await load(bundles.canary, env(summaryPath));
    const data = {
      metrics: {
        http_reqs: { values: { count: 7200, rate: 80 } },
        http_req_failed: { values: { rate: 0.002 }, thresholds: { 'rate<0.01': { ok: true } } },
        http_req_duration: {
          values: { med: 12, 'p(95)': 40, 'p(99)': 90, max: 300 },
          thresholds: { 'p(95)<500': { ok: true }, 'p(99)<1000': { ok: true } },
        },
      },
    };
    const out = script.handleSummary(data);
    expect(Object.keys(out).sort()).toEqual([summaryPath, 'stdout'].sort());
    expect(JSON.parse(out[summaryPath] ?? '')).toEqual({
      ...data,
      meshgate: { script: 'canary', step: '25', run_id: 'run-7' },
    });
    expect(out.stdout).toContain('requests 7200 at 80.0/s, failed 0.20 %');
    expect(out.stdout).toContain('ok   http_req_duration p(99)<1000');
    // Without MESHGATE_SUMMARY (k6-operator runners) only stdout is written.
    const bare = await load(bundles.canary, env());
    expect(Object.keys(bare.handleSummary(data))).toEqual(['stdout']);
  });

  it('canary: fails at init without a profile', async () => {
    await expect(load(bundles.canary, {})).rejects.toThrow(/MESHGATE_LOAD_PROFILE: is not set/);
  });

  it('smoke: every target once per iteration, checked for its status', async () => {
    const script = await load(bundles.smoke, env());
    expect(script.options).toMatchObject({
      scenarios: { smoke: { executor: 'shared-iterations', vus: 1, iterations: 3 } },
      thresholds: { checks: ['rate==1'] },
    });
    script.default();
    expect(g.__k6.requests.map((r) => [r.url, r.params.headers.Host])).toEqual([
      ['http://zamaz-api.zamaz-mesh:8080/health', undefined],
      ['http://zamaz-frontend.zamaz-mesh:80/healthz', undefined],
      ['http://istio-ingressgateway.istio-system/api/health', 'zamaz.example.com'],
      ['http://istio-ingressgateway.istio-system/', 'zamaz.example.com'],
    ]);
    expect(g.__k6.checks.map((c) => c.names[0])).toEqual([
      'zamaz-api health: status 2xx/3xx',
      'zamaz-frontend health: status 2xx/3xx',
      'gateway /api/health: status 2xx/3xx',
      'gateway /: status 2xx/3xx',
    ]);
  });
});
