import { render, type PromQLTemplate, type TemplateVars } from './template.ts';
import type { InstantResult, Matrix, MetricsSource } from './types.ts';

/** A template's rendered PromQL with its raw answer: the evidence a decision trace records. */
export interface TracedInstant {
  readonly template: string;
  readonly promql: string;
  readonly time: Date;
  readonly result: InstantResult;
}

export interface TracedRange {
  readonly template: string;
  readonly promql: string;
  readonly start: Date;
  readonly end: Date;
  readonly stepSeconds: number;
  readonly result: Matrix;
}

/** Renders `template` and runs it as an instant query at `time`. */
export async function queryTemplate<T extends PromQLTemplate>(
  source: MetricsSource,
  template: T,
  vars: TemplateVars<T>,
  time: Date,
): Promise<TracedInstant> {
  const promql = render(template, vars);
  const result = await source.query(promql, time);
  return { template: template.name, promql, time, result };
}

/** Renders `template` and runs it as a range query; use a step equal to the template's interval. */
export async function queryRangeTemplate<T extends PromQLTemplate>(
  source: MetricsSource,
  template: T,
  vars: TemplateVars<T>,
  start: Date,
  end: Date,
  stepSeconds: number,
): Promise<TracedRange> {
  const promql = render(template, vars);
  const result = await source.queryRange(promql, start, end, stepSeconds);
  return { template: template.name, promql, start, end, stepSeconds, result };
}
