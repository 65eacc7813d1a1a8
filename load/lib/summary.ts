// handleSummary's outputs: the full k6 summary as JSON for meshgate to read back, and a few lines for
// people. No k6 imports, so the text is testable in Node and the bundle needs no remote jslib.

/** The part of k6's summary data this module reads; the rest is written through untouched. */
export interface SummaryData {
  metrics?: Record<
    string,
    {
      values?: Record<string, number>;
      thresholds?: Record<string, { ok: boolean }>;
    }
  >;
  state?: { testRunDurationMs?: number };
  [key: string]: unknown;
}

export interface SummaryMeta {
  script: string;
  step: string;
  run_id: string;
}

function fixed(v: number | undefined, digits: number): string {
  return v === undefined ? 'n/a' : v.toFixed(digits);
}

/** A short, greppable text: requests, rate, error ratio, latency, each threshold. */
export function summaryText(data: SummaryData, meta: SummaryMeta): string {
  const m = data.metrics ?? {};
  const reqs = m.http_reqs?.values;
  const failed = m.http_req_failed?.values;
  const dur = m.http_req_duration?.values;
  const lines = [
    `meshgate ${meta.script} step=${meta.step} run_id=${meta.run_id}`,
    `  requests ${fixed(reqs?.count, 0)} at ${fixed(reqs?.rate, 1)}/s, failed ${fixed(
      failed?.rate === undefined ? undefined : failed.rate * 100,
      2,
    )} %`,
    `  latency ms p50 ${fixed(dur?.med, 1)} p95 ${fixed(dur?.['p(95)'], 1)} p99 ${fixed(dur?.['p(99)'], 1)} max ${fixed(dur?.max, 1)}`,
  ];
  for (const [metric, entry] of Object.entries(m)) {
    for (const [expr, t] of Object.entries(entry.thresholds ?? {})) {
      lines.push(`  ${t.ok ? 'ok  ' : 'FAIL'} ${metric} ${expr}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * handleSummary's return value: `stdout` always, the JSON file only when meshgate asked for one (a
 * k6-operator runner has no one to read it back).
 */
export function summaryOutputs(
  data: SummaryData,
  meta: SummaryMeta,
  summaryPath: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = { stdout: summaryText(data, meta) };
  if (summaryPath) out[summaryPath] = JSON.stringify({ ...data, meshgate: meta }, null, 2);
  return out;
}
