import { z } from 'zod';
import type { BuildInfo, InstantResult, Labels, Matrix, Sample } from './types.ts';

// Prometheus' HTTP API: https://prometheus.io/docs/prometheus/latest/querying/api/
// Values are strings so that NaN and infinities survive JSON.
const pair = z.tuple([z.number(), z.string()]);
const metric = z.record(z.string(), z.string());

const data = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric, value: pair })) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric, values: pair.array() })) }),
  z.object({ resultType: z.literal('scalar'), result: pair }),
  z.object({ resultType: z.literal('string'), result: pair }),
]);

const success = z.object({
  status: z.literal('success'),
  data,
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional(),
});

const failure = z.object({
  status: z.literal('error'),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

const buildInfo = z.object({
  status: z.literal('success'),
  data: z.object({
    version: z.string(),
    revision: z.string().default(''),
    branch: z.string().default(''),
    goVersion: z.string().default(''),
  }),
});

export type QueryData = z.infer<typeof data>;

/** Thrown by the parsers below; the client turns it into a typed error with context. */
export class MalformedResponse extends Error {
  override readonly name = 'MalformedResponse';
}

/** The answer is well-formed but not the kind of value the call needs (e.g. a matrix from an instant query). */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/** Parses `"NaN"`, `"+Inf"`, `"-Inf"` and decimal strings. */
export function parseValue(text: string): number {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  const v = Number(text);
  if (text.trim() === '' || Number.isNaN(v))
    throw new MalformedResponse(`not a sample value: ${JSON.stringify(text)}`);
  return v;
}

function sample([t, v]: readonly [number, string]): Sample {
  return { timeMs: Math.round(t * 1000), value: parseValue(v) };
}

/** A body as text or as JSON the transport already parsed; text that is not JSON is malformed. */
function json(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new MalformedResponse(`not JSON: ${excerpt(body)}`, { cause: err });
  }
}

/** Body text for messages, whether the transport gave text or parsed JSON. */
export function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body === undefined || body === null) return '';
  try {
    return JSON.stringify(body);
  } catch {
    return String(body);
  }
}

export function parseQueryData(body: unknown): { data: QueryData; warnings: string[] } {
  const parsed = success.safeParse(json(body));
  if (!parsed.success) {
    const native = bodyText(body).includes('"histogram"')
      ? ' (native histogram samples are not supported)'
      : '';
    throw new MalformedResponse(`unexpected response shape${native}: ${z.prettifyError(parsed.error)}`);
  }
  return {
    data: parsed.data.data,
    warnings: [...(parsed.data.warnings ?? []), ...(parsed.data.infos ?? [])],
  };
}

/** Prometheus' `{status:"error", errorType, error}` body, if that is what `body` is. */
export function parseFailure(body: unknown): { errorType: string; error: string } | undefined {
  let value: unknown;
  try {
    value = json(body);
  } catch {
    return undefined;
  }
  const parsed = failure.safeParse(value);
  if (!parsed.success) return undefined;
  return { errorType: parsed.data.errorType ?? '', error: parsed.data.error ?? '' };
}

export function toInstant(
  query: string,
  time: Date,
  parsed: { data: QueryData; warnings: string[] },
): InstantResult {
  const { data: d, warnings } = parsed;
  if (d.resultType === 'vector') {
    return {
      type: 'vector',
      query,
      time,
      series: d.result.map((r) => ({ labels: r.metric as Labels, sample: sample(r.value) })),
      warnings,
    };
  }
  if (d.resultType === 'scalar') return { type: 'scalar', query, time, sample: sample(d.result), warnings };
  throw new ShapeError(
    d.resultType === 'matrix'
      ? 'an instant query returned a range vector: wrap the range selector in a function such as increase() or rate()'
      : 'the query evaluates to a string, not a number',
  );
}

export function toMatrix(
  query: string,
  start: Date,
  end: Date,
  stepSeconds: number,
  parsed: { data: QueryData; warnings: string[] },
): Matrix {
  const { data: d, warnings } = parsed;
  if (d.resultType !== 'matrix') throw new ShapeError(`a range query returned ${d.resultType}, not matrix`);
  return {
    type: 'matrix',
    query,
    start,
    end,
    stepSeconds,
    series: d.result.map((r) => ({ labels: r.metric as Labels, samples: r.values.map(sample) })),
    warnings,
  };
}

export function parseBuildInfo(body: unknown): BuildInfo {
  const parsed = buildInfo.safeParse(json(body));
  if (!parsed.success) throw new MalformedResponse(`unexpected buildinfo: ${z.prettifyError(parsed.error)}`);
  return parsed.data.data;
}

export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

const configStatus = z.object({ status: z.literal('success'), data: z.object({ yaml: z.string() }) });

/** `/api/v1/status/config`: the loaded configuration as YAML text. */
export function parseConfigYaml(body: unknown): string {
  const parsed = configStatus.safeParse(json(body));
  if (!parsed.success)
    throw new MalformedResponse(`unexpected status/config: ${z.prettifyError(parsed.error)}`);
  return parsed.data.data.yaml;
}
