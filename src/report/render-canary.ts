// The verdict as text for a terminal or a change ticket: a header, one table row per metric, then the
// reasons of everything that did not pass.

import type { CanaryVerdictDocument, MetricRecord } from '../canary/index.ts';

const pct = (r: number | null | undefined) =>
  r === null || r === undefined ? 'n/a' : `${(r * 100).toFixed(r !== 0 && r < 0.001 ? 3 : 2)} %`;
const count = (n: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(n);
const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? 'n/a' : `${v >= 100 ? v.toFixed(0) : Number(v.toPrecision(3))} ms`;

interface Side {
  requests?: number;
  errors?: number;
  ratio?: number | null;
  median?: number | null;
  samples?: number;
  share?: number | null;
  plaintext?: number;
}

function cells(m: MetricRecord): [string, string] {
  if (m.error) return ['-', '-'];
  const b = (m.baseline ?? {}) as Side;
  const c = (m.canary ?? {}) as Side;
  switch (m.metric) {
    case 'error-ratio':
      return [
        `${pct(b.ratio)} (${count(b.errors ?? 0)}/${count(b.requests ?? 0)})`,
        `${pct(c.ratio)} (${count(c.errors ?? 0)}/${count(c.requests ?? 0)})`,
      ];
    case 'latency':
      return [
        `median ${ms(b.median)} (${b.samples ?? 0} int.)`,
        `median ${ms(c.median)} (${c.samples ?? 0} int.)`,
      ];
    case 'mtls':
      return ['-', `${pct(c.share)} mTLS, ${count(c.plaintext ?? 0)} plaintext`];
    case 'overflow': {
      const series = (m.canary as { series?: { total: number; longestRun: number }[] } | null)?.series ?? [];
      const total = series.reduce((s, x) => s + x.total, 0);
      const run = series.reduce((r, x) => Math.max(r, x.longestRun), 0);
      return ['-', `${count(total)} rejected, longest run ${run}`];
    }
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function renderVerdictText(doc: CanaryVerdictDocument, file?: string): string {
  const out: string[] = [];
  out.push(
    `meshgate canary — step ${doc.currentWeight} % → ${doc.step} % (VirtualService ${doc.virtualService.namespace}/${doc.virtualService.name})`,
    `window ${doc.window.start} → ${doc.window.end} (${doc.window.duration}, ${doc.window.source}), ${doc.intervalSeconds}s intervals; Prometheus ${doc.prometheus.url}; load: ${doc.load.runner}`,
  );
  if (doc.window.note) out.push(`note: ${doc.window.note}`);
  const stale = doc.freshness.series.filter((f) => f.stale);
  if (stale.length > 0) {
    out.push(
      `stale: ${stale.map((f) => `${f.series} newest sample ${f.newestSample ?? 'none in the window'}`).join('; ')}`,
    );
  }
  out.push('');
  const rows = [['VERDICT', 'METRIC', 'BASELINE (legacy)', 'CANARY (mesh)', 'SUMMARY']];
  for (const m of doc.metrics) {
    const [b, c] = cells(m);
    rows.push([m.verdict, `${m.name}${m.critical ? ' *' : ''}`, b, c, m.summary]);
  }
  out.push(table(rows), '* critical: a FAIL fails the step outright', '');
  const notPassed = doc.metrics.filter((m) => m.verdict !== 'PASS');
  for (const m of notPassed) {
    out.push(`${m.verdict} ${m.name}: ${m.reason}`);
    if (m.hint) out.push(`  what to do: ${m.hint}`);
  }
  if (notPassed.length > 0) out.push('');
  for (const e of doc.errors) out.push(`error: ${e}`);
  const rejected = doc.family.tests.filter((t) => t.rejected).length;
  out.push(
    `tests: ${doc.family.tests.length} in the step's family, Holm–Bonferroni at ${doc.family.alpha} (${rejected} significant); ` +
      `freshness: newest samples within ${Math.round(doc.freshness.maxStalenessMs / 1000)}s required`,
  );
  out.push(`verdict: ${doc.verdict}  ${doc.reason}`);
  if (file) out.push(`decision trace: ${file}`);
  return `${out.join('\n')}\n`;
}
