import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { LoadResult, ThresholdResult } from './types.ts';

// The summary handleSummary writes (k6's summary data, plus `meshgate` meta). Validated at the edge:
// only the fields read here are required to have their types; everything else passes through.
const metricSchema = z.looseObject({
  type: z.string().optional(),
  values: z.record(z.string(), z.number()).default({}),
  thresholds: z.record(z.string(), z.looseObject({ ok: z.boolean() })).optional(),
});

const summarySchema = z.looseObject({
  metrics: z.record(z.string(), metricSchema),
  state: z.looseObject({ testRunDurationMs: z.number().optional() }).optional(),
});

export type K6Summary = z.infer<typeof summarySchema>;

/** What meshgate reads from a k6 summary. */
export interface SummaryFigures {
  requests: number;
  rate: number | null;
  dropped: number;
  errorRate: number | null;
  latencyMs: LoadResult['latencyMs'];
  thresholds: ThresholdResult[];
  durationMs: number | null;
}

/** @throws Error saying which part of the summary is unreadable. */
export function parseK6Summary(json: unknown): SummaryFigures {
  const parsed = summarySchema.safeParse(json);
  if (!parsed.success) throw new Error(`not a k6 summary: ${z.prettifyError(parsed.error)}`);
  const m = parsed.data.metrics;
  const v = (metric: string, stat: string): number | null => m[metric]?.values[stat] ?? null;
  const thresholds: ThresholdResult[] = [];
  for (const [metric, entry] of Object.entries(m)) {
    for (const [expression, t] of Object.entries(entry.thresholds ?? {})) {
      thresholds.push({ metric, expression, ok: t.ok });
    }
  }
  return {
    requests: v('http_reqs', 'count') ?? 0,
    rate: v('http_reqs', 'rate'),
    dropped: v('dropped_iterations', 'count') ?? 0,
    // A run without requests has no http_req_failed metric: unknown, not 0.
    errorRate: v('http_req_failed', 'rate'),
    latencyMs: {
      p50: v('http_req_duration', 'med') ?? v('http_req_duration', 'p(50)'),
      p95: v('http_req_duration', 'p(95)'),
      p99: v('http_req_duration', 'p(99)'),
      max: v('http_req_duration', 'max'),
    },
    thresholds,
    durationMs: parsed.data.state?.testRunDurationMs ?? null,
  };
}

export async function readK6Summary(path: string): Promise<SummaryFigures> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  try {
    return parseK6Summary(json);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}
