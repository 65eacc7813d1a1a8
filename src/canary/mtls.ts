// Judge for the mTLS share of the mesh side: every request must arrive over mutual TLS.

import { fmtCount, fmtPercent } from './format.ts';
import { roleOf, type MetricVerdict, type SampleCounts, type Verdict } from './types.ts';

/**
 * Counts on the mesh side (`reporter="destination"`): all requests, those with
 * `connection_security_policy="mutual_tls"`, and the rest by `source_workload`.
 */
export interface MtlsInput {
  mtls: number;
  total: number;
  plaintextBySource?: Readonly<Record<string, number>>;
}

/** Parameters of {@link judgeMtls}. */
export interface MtlsParams {
  name: string;
  critical: boolean;
  required: boolean;
  weight: number;
}

/** mTLS is critical: one plaintext request fails the step. */
export const DEFAULT_MTLS_PARAMS: Readonly<MtlsParams> = Object.freeze({
  name: 'mtls-share',
  critical: true,
  required: true,
  weight: 1,
});

/** Result of {@link judgeMtls}. */
export interface MtlsResult extends MetricVerdict {
  kind: 'mtls';
  samples: SampleCounts;
  /** mtls / total; null without requests. */
  share: number | null;
  mtls: number;
  total: number;
  /** Requests not over mTLS (total − mtls, or the per-source sum if larger). */
  plaintext: number;
  /** Sources seen sending plaintext, largest first. */
  plaintextSources: { source: string; requests: number }[];
  inputNotes: string[];
}

// Prometheus increase() gives fractional counts; a difference below half a request is rounding noise.
const NOISE = 0.5;

/**
 * Requires 100 % mTLS: any plaintext request FAILs, naming the source workloads (a per-source count
 * above 0 counts, however small: a plaintext series exists). No requests → INCONCLUSIVE; missing or
 * inconsistent counts → INCONCLUSIVE.
 */
export function judgeMtls(input: MtlsInput, params: Partial<MtlsParams> = {}): MtlsResult {
  const p: MtlsParams = { ...DEFAULT_MTLS_PARAMS, ...params };
  const role = roleOf(p);
  const notes: string[] = [];
  const { mtls, total } = input;
  const sources = Object.entries(input.plaintextBySource ?? {})
    .filter(([, v]) => v > 0 && v <= Number.MAX_SAFE_INTEGER)
    .map(([source, v]) => ({
      source: source === '' ? 'unknown' : source,
      requests: Math.max(1, Math.round(v)),
    }))
    .sort((a, b) => b.requests - a.requests || a.source.localeCompare(b.source));
  const bySourceSum = sources.reduce((s, x) => s + x.requests, 0);
  const plausible = (v: number) => v >= 0 && v <= Number.MAX_SAFE_INTEGER; // false for NaN too
  const usable = plausible(mtls) && plausible(total);
  if (!usable) notes.push(`counts are missing, negative or implausible (mtls=${mtls}, total=${total})`);
  if (usable && mtls > total + NOISE) {
    notes.push(
      `more mTLS requests (${fmtCount(mtls)}) than requests (${fmtCount(total)}): the queries disagree`,
    );
  }
  const gap = usable ? total - mtls : 0;
  const plaintext = Math.max(gap > NOISE ? Math.round(gap) : 0, bySourceSum);
  const totalR = usable ? Math.round(total) + 0 : 0; // + 0: no −0 in results
  const mtlsR = usable ? Math.round(mtls) + 0 : 0;
  const share = usable && total > 0 ? Math.min(1, mtls / total) + 0 : null;

  const sourceList = (limit = 5) => {
    const named = sources.slice(0, limit).map((s) => `${s.source} (${fmtCount(s.requests)})`);
    if (sources.length > limit) named.push(`${sources.length - limit} more`);
    return named.join(', ');
  };

  let verdict: Verdict;
  let reason: string;
  let summary: string;
  if (plaintext > 0) {
    verdict = 'FAIL';
    const who = sources.length > 0 ? `from ${sourceList()}` : 'from sources the query did not break down';
    reason =
      `${fmtCount(plaintext)} of ${fmtCount(Math.max(totalR, plaintext))} mesh-side requests arrived without mutual TLS, ${who}` +
      (share !== null ? ` (mTLS share ${fmtPercent(share)}; 100 % required)` : '') +
      '. Plaintext to the mesh means a client outside the mesh or a PERMISSIVE PeerAuthentication.';
    summary = `${fmtCount(plaintext)} plaintext requests${sources.length > 0 ? ` from ${sources[0]!.source}${sources.length > 1 ? ` and ${sources.length - 1} more` : ''}` : ''}`;
  } else if (!usable || notes.length > 0) {
    verdict = 'INCONCLUSIVE';
    reason = `Cannot judge the mTLS share: ${notes.join('; ')}.`;
    summary = 'unusable mTLS counts';
  } else if (totalR === 0) {
    verdict = 'INCONCLUSIVE';
    reason = 'No data: the mesh side saw 0 requests in the window, so the mTLS share is unknown.';
    summary = 'no mesh-side requests';
  } else {
    verdict = 'PASS';
    reason = `All ${fmtCount(totalR)} mesh-side requests in the window arrived over mutual TLS.`;
    summary = `100 % mTLS (${fmtCount(totalR)} requests)`;
  }
  return {
    kind: 'mtls',
    ...role,
    verdict,
    summary,
    reason,
    hint:
      verdict === 'FAIL'
        ? 'set the PeerAuthentication to STRICT once these sources have sidecars, or move them into the mesh; check with `istioctl x describe pod`'
        : null,
    samples: { baseline: 0, canary: totalR },
    share,
    mtls: mtlsR,
    total: totalR,
    plaintext,
    plaintextSources: sources,
    inputNotes: notes,
  };
}
