// The migration profile `npm run demo` runs meshgate with. Everything not set here is meshgate's
// default profile (the reference deployment of shared/reference/zamaz.md), so the names the demo's
// stand-ins use — namespaces, workloads, the VirtualService, the gateway — are the ones a user's
// cluster would have. What differs, and why:
//
// - Where things are: Prometheus, the gateway (the router) and the mesh pods' own ports are local
//   processes on free ports; the demo passes their URLs in MESHGATE_DEMO_* variables.
// - Time and traffic: the demo sends ~120 requests per second for windows of tens of seconds, about a
//   thousand times less traffic than a production step (30 minutes of real users). The thresholds
//   keep the production defaults except the one that needs traffic: the smallest 5xx increase the
//   error-ratio test must be able to detect (canary.errorRatio.minDetectableIncrease). meshgate's
//   default, +1 percentage point at 95 % confidence and 80 % power, needs ~930 requests per side;
//   the demo asks for +5 pp (162 per side) or what --detect says, and the judge stays INCONCLUSIVE
//   until each side has that many. A regression larger than that (or any statistically significant
//   one, such as the injected 5 % of 500s against a clean baseline) still fails the step.
// - The latency and overflow judges compare per-interval values: the demo's interval is 1 s (Prometheus
//   scrapes every 0.5 s, so rate() over an interval sees two samples), and 5 intervals per side are
//   still needed.
// - Freshness: meshgate allows samples up to two scrape intervals old (1 s here). On a machine busy
//   with the demo, Prometheus' scrapes run a second or more late, so the demo allows 4 s (8 scrapes):
//   still far less than a window, so the `stale` fault (the gateway's exporter stops) is seen as stale
//   data, naming the series and its newest sample.
// - Tools: the demo never installs anything, so helm, istioctl and kubectl are listed as not required
//   (the prereq gate reports them as found or not, without failing). The pre-migration items a
//   person attests are recorded for the simulated cluster in attestations.demo.yaml.
import { defineConfig } from '../src/index.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this profile is written for \`npm run demo\``);
  return value;
}

/** The mesh pods' own ports (`kubectl port-forward` would reach the same), by workload name. */
const podUrls = JSON.parse(env('MESHGATE_DEMO_POD_URLS')) as Record<string, string>;
/** Health paths by workload name, as in the default profile's app.workloads. */
const healthPaths = JSON.parse(env('MESHGATE_DEMO_HEALTH_PATHS')) as Record<string, string>;
const window = env('MESHGATE_DEMO_WINDOW');

export default defineConfig({
  prometheus: { url: env('MESHGATE_DEMO_PROMETHEUS_URL') },
  canary: {
    gatewayNamespace: 'istio-system',
    window,
    interval: env('MESHGATE_DEMO_INTERVAL'),
    maxStaleness: '4s',
    errorRatio: {
      minDetectableIncrease: Number(env('MESHGATE_DEMO_MIN_INCREASE')),
      confidence: 0.95,
      power: 0.8,
    },
    latency: { quantile: 0.99, maxRelativeIncrease: 0.2, minSamples: 5 },
    overflow: { minConsecutive: 3 },
  },
  traffic: {
    monitorWindow: window,
    monitorInterval: env('MESHGATE_DEMO_MONITOR_INTERVAL'),
  },
  load: {
    targetUrl: env('MESHGATE_DEMO_GATEWAY_URL'),
    rate: Number(env('MESHGATE_DEMO_RATE')),
    duration: window,
    // The stand-ins answer in ~280 ms: at 120 req/s some 35 requests are in flight, more whenever a
    // busy machine delays the load generator's timers and it catches up.
    maxVUs: 300,
    // Step 7: each mesh workload's health path on its pod, then the user paths through the gateway.
    smokeTargets: [
      ...Object.entries(podUrls).map(([name, url]) => ({
        name: `${name} health`,
        url,
        path: healthPaths[name] ?? '/',
      })),
      { name: 'gateway /api/health', path: '/api/health' },
      { name: 'gateway /', path: '/' },
    ],
  },
  prereq: {
    tools: {
      kubectl: { required: false, install: 'https://kubernetes.io/docs/tasks/tools/' },
      helm: { required: false, install: 'not needed for the demo: nothing is installed' },
      istioctl: { required: false, install: 'not needed for the demo: nothing is installed' },
    },
    attestationsFile: 'attestations.demo.yaml',
  },
});
