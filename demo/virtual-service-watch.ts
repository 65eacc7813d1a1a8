// What istiod does for the ingress gateway: watch the VirtualService and push its routes. The
// router reads the routes from here, so every `meshgate shift` is followed as soon as the API server
// announces it (a watch event, not a poll).
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { ANNOTATION_LAST_SHIFT_AT } from '../src/traffic/audit.ts';

export interface RouteDestination {
  /** Service host as written, e.g. zamaz-api.zamaz-mesh.svc.cluster.local. */
  host: string;
  port: number | undefined;
  weight: number;
}

export interface HttpRoute {
  name: string;
  /** The match conditions (any of them): a URI prefix or an exact URI; none matches every request. */
  matches: Array<{ prefix?: string; exact?: string }>;
  destinations: RouteDestination[];
}

export interface VirtualServiceState {
  hosts: string[];
  routes: HttpRoute[];
  resourceVersion: string;
  /** `meshgate.dev/last-shift-at`, when a shift wrote it. */
  lastShiftAt: string | undefined;
  /** When this process received the event. */
  observedAt: Date;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The parts of a VirtualService the gateway routes by. */
export function parseVirtualService(vs: unknown, observedAt = new Date()): VirtualServiceState {
  const meta = obj(obj(vs).metadata);
  const spec = obj(obj(vs).spec);
  const routes = arr(spec.http).map((h, i): HttpRoute => {
    const http = obj(h);
    return {
      name: typeof http.name === 'string' ? http.name : `route-${i}`,
      matches: arr(http.match).map((m) => {
        const uri = obj(obj(m).uri);
        return {
          ...(typeof uri.prefix === 'string' ? { prefix: uri.prefix } : {}),
          ...(typeof uri.exact === 'string' ? { exact: uri.exact } : {}),
        };
      }),
      destinations: arr(http.route).map((r) => {
        const route = obj(r);
        const dest = obj(route.destination);
        const port = obj(dest.port).number;
        return {
          host: String(dest.host ?? ''),
          port: typeof port === 'number' ? port : undefined,
          // Istio: a single destination without a weight takes all traffic.
          weight: typeof route.weight === 'number' ? route.weight : arr(http.route).length === 1 ? 100 : 0,
        };
      }),
    };
  });
  const annotations = obj(meta.annotations);
  const lastShiftAt = annotations[ANNOTATION_LAST_SHIFT_AT];
  return {
    hosts: arr(spec.hosts).map(String),
    routes,
    resourceVersion: String(meta.resourceVersion ?? ''),
    lastShiftAt: typeof lastShiftAt === 'string' ? lastShiftAt : undefined,
    observedAt,
  };
}

export interface VirtualServiceWatchOptions {
  kubeconfig: string;
  namespace: string;
  name: string;
  /** Called with every new state (the first one too). */
  onChange: (state: VirtualServiceState) => void;
  /** Watch problems (reconnects); the watch keeps trying. */
  onError?: (message: string) => void;
}

export interface StartedVirtualServiceWatch {
  current(): VirtualServiceState;
  stop(): Promise<void>;
}

const RECONNECT_MS = 200;
const FIRST_STATE_TIMEOUT_MS = 15_000;

/** Watches one VirtualService; resolves once its first state is known. */
export async function watchVirtualService(
  opts: VirtualServiceWatchOptions,
): Promise<StartedVirtualServiceWatch> {
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfig);
  const path = `/apis/networking.istio.io/v1beta1/namespaces/${opts.namespace}/virtualservices`;
  let state: VirtualServiceState | undefined;
  let stopped = false;
  let controller: AbortController | undefined;
  let reconnect: NodeJS.Timeout | undefined;
  let resolveFirst: (() => void) | undefined;
  const first = new Promise<void>((resolve) => (resolveFirst = resolve));

  const start = async (resourceVersion: string | undefined): Promise<void> => {
    if (stopped) return;
    const again = (rv: string | undefined) => {
      if (stopped) return;
      reconnect = setTimeout(() => void start(rv), RECONNECT_MS);
    };
    try {
      controller = await new Watch(kc).watch(
        path,
        {
          fieldSelector: `metadata.name=${opts.name}`,
          allowWatchBookmarks: false,
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        (phase, object: unknown) => {
          if (phase === 'ERROR') {
            // 410 Gone: the resourceVersion is too old; start over with a fresh list.
            opts.onError?.(`watch error: ${JSON.stringify(obj(object).message ?? object)}`);
            resourceVersion = undefined;
            return;
          }
          if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
          if (obj(obj(object).metadata).name !== opts.name) return;
          state = parseVirtualService(object);
          resourceVersion = state.resourceVersion;
          opts.onChange(state);
          resolveFirst?.();
        },
        (err: unknown) => {
          if (stopped) return;
          if (err) opts.onError?.(`watch ended: ${(err as Error).message ?? String(err)}`);
          again(resourceVersion);
        },
      );
    } catch (err) {
      opts.onError?.(`watch failed: ${(err as Error).message}`);
      again(resourceVersion);
    }
  };

  void start(undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), FIRST_STATE_TIMEOUT_MS);
  });
  const outcome = await Promise.race([first.then(() => 'ok' as const), timedOut]);
  clearTimeout(timer);
  const stop = async (): Promise<void> => {
    stopped = true;
    clearTimeout(reconnect);
    controller?.abort();
  };
  if (outcome === 'timeout' || state === undefined) {
    await stop();
    throw new Error(
      `VirtualService ${opts.namespace}/${opts.name} could not be read within ${FIRST_STATE_TIMEOUT_MS / 1000}s`,
    );
  }
  return { current: () => state!, stop };
}
