// Runs catalog templates and records each rendered query with its raw answer (or its error): the
// decision trace of a verdict.

import { MetricsError } from '../errors.ts';
import { getTemplate, type Catalog } from '../catalog.ts';
import { render, type TemplateVars, type PromQLTemplate } from '../template.ts';
import type { DecisionTraceEntry, RawSample } from '../../canary/document.ts';
import type { InstantResult, Matrix, MetricsSource, Sample } from '../types.ts';

// The trace's shape is the verdict document's (src/canary/document.ts, schema in docs/output.md): one
// definition, so what is recorded here is what the document declares.
export type { RawSample } from '../../canary/document.ts';
export type TraceEntry = DecisionTraceEntry;

function raw(s: Sample): RawSample {
  const v = s.value;
  return [
    s.timeMs / 1000,
    Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v),
  ];
}

function rawInstant(r: InstantResult): NonNullable<TraceEntry['result']> {
  if (r.type === 'scalar')
    return { resultType: 'scalar', series: [{ labels: {}, value: raw(r.sample) }], warnings: r.warnings };
  return {
    resultType: 'vector',
    series: r.series.map((s) => ({ labels: s.labels, value: raw(s.sample) })),
    warnings: r.warnings,
  };
}

function rawMatrix(m: Matrix): NonNullable<TraceEntry['result']> {
  return {
    resultType: 'matrix',
    series: m.series.map((s) => ({ labels: s.labels, values: s.samples.map(raw) })),
    warnings: m.warnings,
  };
}

function errorOf(err: unknown): { kind: string; message: string } {
  if (err instanceof MetricsError) return { kind: err.kind, message: err.message };
  return {
    kind: err instanceof Error ? err.name : 'Error',
    message: String(err instanceof Error ? err.message : err),
  };
}

type Vars = Readonly<Record<string, string | number | readonly string[]>>;

/** Queries through a catalog and keeps the trace. */
export class Recorder {
  readonly entries: TraceEntry[] = [];
  constructor(
    private readonly source: MetricsSource,
    private readonly catalog: Catalog,
  ) {}

  template(name: string): PromQLTemplate {
    return getTemplate(this.catalog, name);
  }

  private render(name: string, vars: Vars): { t: PromQLTemplate; promql: string } {
    const t = this.template(name);
    return { t, promql: render(t, vars as TemplateVars<PromQLTemplate>) };
  }

  async instant(purpose: string, name: string, vars: Vars, time: Date): Promise<InstantResult> {
    let promql = '';
    const base = { purpose, template: name, query: 'instant' as const, time: time.toISOString() };
    try {
      ({ promql } = this.render(name, vars));
      const result = await this.source.query(promql, time);
      this.entries.push({ ...base, promql, result: rawInstant(result) });
      return result;
    } catch (err) {
      this.entries.push({ ...base, promql, error: errorOf(err) });
      throw err;
    }
  }

  async range(
    purpose: string,
    name: string,
    vars: Vars,
    start: Date,
    end: Date,
    stepSeconds: number,
  ): Promise<Matrix> {
    let promql = '';
    const base = {
      purpose,
      template: name,
      query: 'range' as const,
      start: start.toISOString(),
      end: end.toISOString(),
      stepSeconds,
    };
    try {
      ({ promql } = this.render(name, vars));
      const result = await this.source.queryRange(promql, start, end, stepSeconds);
      this.entries.push({ ...base, promql, result: rawMatrix(result) });
      return result;
    } catch (err) {
      this.entries.push({ ...base, promql, error: errorOf(err) });
      throw err;
    }
  }
}
