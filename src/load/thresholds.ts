import { thresholdExpressions, type ScriptProfile } from '../../load/lib/script-profile.ts';
import type { LoadResult, ThresholdResult } from './types.ts';

/** What a runner measured, in the units k6 thresholds use (ratios, milliseconds). */
export interface Measured {
  errorRate: number | null;
  latencyMs: LoadResult['latencyMs'];
}

const EXPRESSION = /^\s*(rate|p\((\d+(?:\.\d+)?)\)|med|max)\s*(<=|<|>=|>|==|!=)\s*(-?\d+(?:\.\d+)?)\s*$/;

function valueFor(metric: string, agg: string, pct: string | undefined, m: Measured): number | null {
  if (metric === 'http_req_failed' && agg === 'rate') return m.errorRate;
  if (metric !== 'http_req_duration') return null;
  if (agg === 'max') return m.latencyMs.max;
  const q = agg === 'med' ? 50 : Number(pct);
  if (q === 50) return m.latencyMs.p50;
  if (q === 95) return m.latencyMs.p95;
  if (q === 99) return m.latencyMs.p99;
  return null;
}

function compare(actual: number, op: string, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    default:
      return actual !== limit;
  }
}

/**
 * Evaluates the profile's k6 threshold expressions against values a runner measured itself (builtin)
 * or aggregated centrally (k6-operator). A value it does not have fails the threshold: not measured
 * is never a pass.
 */
export function evaluateThresholds(p: ScriptProfile, m: Measured): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, expressions] of Object.entries(thresholdExpressions(p))) {
    for (const expression of expressions) {
      const parsed = EXPRESSION.exec(expression);
      const actual = parsed ? valueFor(metric, parsed[1] ?? '', parsed[2], m) : null;
      const ok = parsed !== null && actual !== null && compare(actual, parsed[3] ?? '', Number(parsed[4]));
      out.push({ metric, expression, ok, actual });
    }
  }
  return out;
}
