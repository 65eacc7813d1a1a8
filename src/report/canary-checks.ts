import type { Finding } from '../checks/types.ts';
import type { CheckRecord } from './types.ts';

/** The part of a canary verdict document (meshgate.dev/canary-verdict/v1) a report needs. */
export interface CanaryMetricLike {
  name: string;
  metric: string;
  verdict: 'PASS' | 'FAIL' | 'INCONCLUSIVE';
  reason: string;
  summary?: string;
  hint?: string | null;
}

const TITLES: Record<string, string> = {
  'error-ratio': 'Mesh 5xx ratio is not above legacy (two-proportion test, enough traffic)',
  latency: 'Mesh per-interval latency quantile is within tolerance of legacy',
  mtls: 'Every request reaching the mesh workloads uses mutual TLS',
  overflow: 'No sustained circuit-breaker overflow towards the mesh',
};

/**
 * A canary verdict's metrics as checks, one per metric kind with the same ids as the canary suite
 * (`canary.error-ratio`, …), worst verdict over the services: FAIL, then INCONCLUSIVE, then PASS. So a
 * `canary` run has the same JUnit testcases, Allure labels and checklist states as `verify canary`.
 */
export function canaryChecks(metrics: readonly CanaryMetricLike[]): CheckRecord[] {
  const kinds = [...new Set(metrics.map((m) => m.metric))];
  return kinds.map((kind) => {
    const records = metrics.filter((m) => m.metric === kind);
    const finding = (m: CanaryMetricLike): Finding => ({
      object: `canary/${m.name}`,
      message: m.reason,
      hint: m.hint ?? '',
    });
    const failed = records.filter((m) => m.verdict === 'FAIL');
    const unseen = records.filter((m) => m.verdict === 'INCONCLUSIVE');
    return {
      id: `canary.${kind}`,
      title: TITLES[kind] ?? kind,
      suite: 'canary',
      status: failed.length ? 'failed' : unseen.length ? 'inconclusive' : 'passed',
      findings: (failed.length ? failed : unseen).map(finding),
      details: records.map((m) => `${m.verdict} ${m.name}: ${m.summary ?? m.reason}`),
    };
  });
}
