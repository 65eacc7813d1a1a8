// Who made a 5xx: the proxy (Envoy set a %RESPONSE_FLAGS% flag: it answered, reset or refused the
// request itself) or the application (flag "-": the upstream answered 5xx and Envoy relayed it).
// Flag list from envoyproxy/envoy source/common/stream_info/utility.h (ResponseFlagUtils) and the
// access-log documentation; hints are Istio-specific.

import { fmtCount, fmtPercent } from './format.ts';

/** Whether a flag means the proxy produced (or caused) the response. */
export type FlagOrigin = 'proxy' | 'app' | 'unknown';

interface FlagInfo {
  meaning: string;
  /** False for flags that only annotate a response the upstream still produced (DI, RFCF). */
  proxyMade: boolean;
  hint: string | null;
}

const FLAGS: Readonly<Record<string, FlagInfo>> = {
  UH: {
    meaning: 'no healthy upstream',
    proxyMade: true,
    hint: "check the canary pods' readiness and outlier-detection ejections (DestinationRule outlierDetection)",
  },
  UF: {
    meaning: 'upstream connection failure',
    proxyMade: true,
    hint: "check the app port and protocol, the mTLS mode (PeerAuthentication) and the sidecar's inbound listener",
  },
  UO: {
    meaning: 'upstream overflow: circuit breaker',
    proxyMade: true,
    hint: 'check the DestinationRule connection pool (http1MaxPendingRequests, http2MaxRequests, maxConnections)',
  },
  URX: {
    meaning: 'retry limit exceeded',
    proxyMade: true,
    hint: 'check the VirtualService retries and the errors of the retried upstream',
  },
  NR: {
    meaning: 'no route configured',
    proxyMade: true,
    hint: 'check the VirtualService and Gateway hosts and routes',
  },
  NC: {
    meaning: 'no upstream cluster',
    proxyMade: true,
    hint: 'check that the DestinationRule defines every subset the VirtualService routes to',
  },
  UT: {
    meaning: 'upstream request timeout',
    proxyMade: true,
    hint: "compare the VirtualService timeout with the app's latency",
  },
  UC: {
    meaning: 'upstream connection termination',
    proxyMade: true,
    hint: "check keep-alive and idle timeouts (DestinationRule connectionPool idleTimeout vs the app's)",
  },
  UR: {
    meaning: 'upstream remote reset',
    proxyMade: true,
    hint: 'check the app for crashes or restarts and the HTTP/2 settings',
  },
  LR: { meaning: 'connection local reset', proxyMade: true, hint: null },
  LH: { meaning: 'local service failed its health check', proxyMade: true, hint: null },
  DC: {
    meaning: 'downstream connection termination',
    proxyMade: true,
    hint: 'clients gave up before the answer; usually client timeouts shorter than the latency',
  },
  DI: { meaning: 'delay injected by fault injection', proxyMade: false, hint: null },
  FI: {
    meaning: 'aborted by fault injection',
    proxyMade: true,
    hint: 'a VirtualService fault.abort is active on this route',
  },
  RL: {
    meaning: 'rate limited locally',
    proxyMade: true,
    hint: 'check local rate limit filters (EnvoyFilter) on the canary',
  },
  RLSE: { meaning: 'rate limit service error', proxyMade: true, hint: 'check the rate limit service' },
  UAEX: {
    meaning: 'denied by the external authorization service',
    proxyMade: true,
    hint: 'check AuthorizationPolicy CUSTOM providers (ext_authz)',
  },
  SI: { meaning: 'stream idle timeout', proxyMade: true, hint: null },
  IH: { meaning: 'invalid Envoy request headers', proxyMade: true, hint: null },
  DPE: {
    meaning: 'downstream protocol error',
    proxyMade: true,
    hint: 'check the Service port name or appProtocol (http vs http2/grpc)',
  },
  UPE: {
    meaning: 'upstream protocol error',
    proxyMade: true,
    hint: 'check the Service port name or appProtocol (http vs http2/grpc)',
  },
  UMSDR: { meaning: 'upstream max stream duration reached', proxyMade: true, hint: null },
  RFCF: { meaning: 'response from the cache filter', proxyMade: false, hint: null },
  NFCF: { meaning: 'no filter config found', proxyMade: true, hint: null },
  DT: { meaning: 'max connection duration reached', proxyMade: true, hint: null },
  OM: {
    meaning: 'overload manager terminated the request',
    proxyMade: true,
    hint: "check the sidecar's CPU and memory limits",
  },
  DF: { meaning: 'DNS resolution failed', proxyMade: true, hint: null },
  DO: { meaning: 'dropped by the drop-overload policy', proxyMade: true, hint: null },
};

/** What one `response_flags` label value means. */
export interface ResponseFlagDescription {
  /** The label value as given, e.g. "UF,URX" or "-". */
  flags: string;
  origin: FlagOrigin;
  /** "upstream connection failure + retry limit exceeded", "none: the app answered 5xx". */
  meaning: string;
  hint: string | null;
}

/**
 * Describes a `response_flags` label value. Several flags may be joined by commas; the response is
 * proxy-made if any of them is. "-" means the app answered; an empty value means the label was missing.
 * Flags this table does not know are still set by Envoy, so they count as proxy-made.
 */
export function describeResponseFlags(flags: string): ResponseFlagDescription {
  const trimmed = flags.trim();
  if (trimmed === '-') return { flags, origin: 'app', meaning: 'no flag: the app answered 5xx', hint: null };
  if (trimmed === '') return { flags, origin: 'unknown', meaning: 'label missing', hint: null };
  const tokens = trimmed
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && t !== '-');
  const infos = tokens.map(
    (t) => FLAGS[t] ?? { meaning: `unrecognised Envoy flag ${t}`, proxyMade: true, hint: null },
  );
  return {
    flags,
    origin: infos.some((i) => i.proxyMade) ? 'proxy' : 'app',
    meaning: infos.map((i) => i.meaning).join(' + '),
    hint: infos.find((i) => i.hint !== null)?.hint ?? null,
  };
}

/** Count of 5xx for one `response_flags` value, with its description. */
export interface FlagCount extends ResponseFlagDescription {
  count: number;
}

/** Whose regression it is, as far as the flags tell. */
export type Owner = 'mesh' | 'app' | 'mixed' | 'unknown';

/** Split of 5xx by origin, for one side or for the increase canary − baseline. */
export interface Attribution {
  /** 5xx counted from the flags (may differ slightly from the error count of another query). */
  total: number;
  proxy: number;
  app: number;
  unknown: number;
  /**
   * proxy / (proxy + app) of the canary's 5xx — or, given the baseline's breakdown, of the excess rates
   * over the baseline; null when there is nothing to split.
   */
  proxyShare: number | null;
  owner: Owner;
  /** Per flag value, largest first. */
  byFlags: FlagCount[];
  /** One sentence for the reason, e.g. "62 of 70 canary 5xx carry UO (upstream overflow: circuit breaker) …". */
  summary: string;
  hint: string | null;
}

/** Share of proxy-made 5xx from which a regression counts as the mesh's (and 1 − it for the app's). */
export const MESH_OWNER_SHARE = 0.75;

function sanitizeFlagCounts(byFlags: Readonly<Record<string, number>>): FlagCount[] {
  const out: FlagCount[] = [];
  for (const [flags, raw] of Object.entries(byFlags)) {
    // Non-finite, negative and implausibly large counts are not data.
    const count = raw > 0 && raw <= Number.MAX_SAFE_INTEGER ? Math.round(raw) : 0;
    if (count > 0) out.push({ ...describeResponseFlags(flags), count });
  }
  return out.sort((a, b) => b.count - a.count || a.flags.localeCompare(b.flags));
}

function ownerOf(proxy: number, app: number): { owner: Owner; share: number | null } {
  if (proxy + app <= 0) return { owner: 'unknown', share: null };
  const share = proxy / (proxy + app);
  if (share >= MESH_OWNER_SHARE) return { owner: 'mesh', share };
  if (share <= 1 - MESH_OWNER_SHARE) return { owner: 'app', share };
  return { owner: 'mixed', share };
}

/** 5xx of one side by `response_flags` value, with the side's request count when known. */
export interface FlagBreakdown {
  byFlags: Readonly<Record<string, number>>;
  requests?: number;
}

/**
 * Attributes the canary's 5xx to the proxy or the app. Given the baseline's breakdown and both request
 * counts, the attribution is of the *excess* rate per origin (canary rate − baseline rate), so a steady
 * background of app errors on both paths does not hide a new proxy-made regression.
 */
export function attribute5xx(canary: FlagBreakdown, baseline?: FlagBreakdown): Attribution {
  const flags = sanitizeFlagCounts(canary.byFlags);
  const sumOf = (list: readonly FlagCount[], origin: FlagOrigin) =>
    list.filter((f) => f.origin === origin).reduce((s, f) => s + f.count, 0);
  const proxy = sumOf(flags, 'proxy');
  const app = sumOf(flags, 'app');
  const unknown = sumOf(flags, 'unknown');
  const total = proxy + app + unknown;
  let { owner, share } = ownerOf(proxy, app);
  let basis = '';
  const canaryRequests = canary.requests ?? 0;
  const baselineRequests = baseline?.requests ?? 0;
  if (baseline && canaryRequests > 0 && baselineRequests > 0) {
    const base = sanitizeFlagCounts(baseline.byFlags);
    const excessProxy = Math.max(0, proxy / canaryRequests - sumOf(base, 'proxy') / baselineRequests);
    const excessApp = Math.max(0, app / canaryRequests - sumOf(base, 'app') / baselineRequests);
    if (excessProxy + excessApp > 0) {
      ({ owner, share } = ownerOf(excessProxy, excessApp));
      basis = ` (excess over the baseline: proxy-made ${fmtPercent(excessProxy)}, app-made ${fmtPercent(excessApp)} of requests)`;
    }
  }
  const topProxy = flags.find((f) => f.origin === 'proxy');
  const hint = owner === 'mesh' || owner === 'mixed' ? (topProxy?.hint ?? null) : null;
  let summary: string;
  if (total === 0) {
    summary = 'no 5xx broken down by response flag';
  } else if (owner === 'mesh' && topProxy) {
    const others = proxy - topProxy.count;
    summary =
      `${fmtCount(topProxy.count)} of ${fmtCount(total)} canary 5xx carry ${topProxy.flags} (${topProxy.meaning})` +
      (others > 0 ? ` and ${fmtCount(others)} more are proxy-made` : '') +
      `${basis} — the regression is the mesh's` +
      (hint ? `: ${hint}` : '');
  } else if (owner === 'app') {
    summary =
      `${fmtCount(app)} of ${fmtCount(total)} canary 5xx carry no Envoy flag (the app answered 5xx)${basis}` +
      " — the regression is the app's: compare the app's logs and versions on both paths";
  } else if (owner === 'mixed') {
    summary =
      `${fmtCount(proxy)} of ${fmtCount(total)} canary 5xx are proxy-made` +
      (topProxy ? ` (mostly ${topProxy.flags}: ${topProxy.meaning})` : '') +
      ` and ${fmtCount(app)} came from the app${basis} — both contribute`;
  } else {
    summary = `${fmtCount(total)} canary 5xx carry no usable response_flags label — cannot tell mesh from app`;
  }
  return { total, proxy, app, unknown, proxyShare: share, owner, byFlags: flags, summary, hint };
}
