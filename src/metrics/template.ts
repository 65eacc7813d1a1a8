import { TemplateError } from './errors.ts';

/**
 * What a template variable holds, which decides how it is checked and written into PromQL:
 * - `label`: a label value, written inside a double-quoted PromQL string (backslash, quote and newline
 *   escaped). `{{name|regex}}` additionally escapes RE2 metacharacters, for use inside `=~"…"`.
 * - `duration`: a PromQL range such as `30m`, `90s`, `1h` (`\d+(ms|s|m|h|d)`, not zero).
 * - `quantile`: a number in [0, 1], e.g. `0.99`.
 * - `labels`: a non-empty list of label values, written as an RE2 alternation `a|b|c` (each value
 *   escaped literally) for use inside `=~"…"`.
 */
export type VarKind = 'label' | 'duration' | 'quantile' | 'labels';

export type VarSpec = Readonly<Record<string, VarKind>>;

/** A named PromQL text with `{{variable}}` placeholders. */
export interface PromQLTemplate<V extends VarSpec = VarSpec> {
  readonly name: string;
  /** What the value means, for reports. */
  readonly description: string;
  readonly vars: V;
  readonly promql: string;
  /** Meant for an instant query (value over a window) or a range query (one value per step). */
  readonly query: 'instant' | 'range';
  /** `one`: exactly one series is expected (read it with requireSingleValue/requireSingleSeries). */
  readonly series: 'one' | 'many';
  /** e.g. `requests`, `req/s`, `ms`. */
  readonly unit?: string;
}

/** The values `render` needs for template `T`: strings, numbers for quantiles. */
export type TemplateVars<T extends PromQLTemplate> = {
  readonly [K in keyof T['vars']]: T['vars'][K] extends 'quantile'
    ? number | string
    : T['vars'][K] extends 'labels'
      ? readonly string[]
      : string;
};

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*([A-Za-z]+)\s*)?\}\}/g;
const NAME = /^[a-z][a-z0-9_]*$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KINDS: ReadonlySet<string> = new Set<VarKind>(['label', 'duration', 'quantile', 'labels']);
const FILTERS: ReadonlySet<string> = new Set(['regex']);
/** The durations PromQL accepts everywhere from Prometheus 2.x on (no compound `1h30m`). */
export const DURATION = /^\d+(ms|s|m|h|d)$/;

interface Placeholder {
  readonly variable: string;
  readonly filter: string | undefined;
}

function placeholders(promql: string): Placeholder[] {
  return [...promql.matchAll(PLACEHOLDER)].map((m) => ({ variable: m[1] as string, filter: m[2] }));
}

/**
 * Checks a template and returns it frozen: every placeholder is a declared variable, every declared
 * variable is used, filters fit their variable's kind.
 * @throws TemplateError naming the first problem.
 */
export function defineTemplate<const V extends VarSpec>(template: PromQLTemplate<V>): PromQLTemplate<V> {
  const { name, vars, promql } = template;
  if (!NAME.test(name)) throw new TemplateError(name, 'a template name is lower_snake_case');
  if (promql.trim() === '') throw new TemplateError(name, 'the PromQL is empty');
  for (const [variable, kind] of Object.entries(vars)) {
    if (!VAR_NAME.test(variable))
      throw new TemplateError(name, `"${variable}" is not a valid variable name`, variable);
    if (!KINDS.has(kind)) {
      throw new TemplateError(
        name,
        `variable "${variable}" has unknown kind "${kind}" (label, duration, quantile)`,
        variable,
      );
    }
  }
  const used = placeholders(promql);
  for (const { variable, filter } of used) {
    const kind = vars[variable];
    if (kind === undefined) {
      throw new TemplateError(name, `placeholder {{${variable}}} is not a declared variable`, variable);
    }
    if (filter !== undefined && (!FILTERS.has(filter) || kind !== 'label')) {
      throw new TemplateError(
        name,
        `filter "|${filter}" does not apply to ${kind} variable "${variable}"`,
        variable,
      );
    }
  }
  const usedNames = new Set(used.map((p) => p.variable));
  for (const variable of Object.keys(vars)) {
    if (!usedNames.has(variable))
      throw new TemplateError(name, `variable "${variable}" is declared but not used`, variable);
  }
  const stray = promql.replace(PLACEHOLDER, '').match(/\{\{|\}\}/);
  if (stray) throw new TemplateError(name, `malformed placeholder near "${stray[0]}"`);
  return Object.freeze({ ...template, vars: Object.freeze({ ...vars }) as V });
}

/**
 * Renders a template. Variables the template does not declare are ignored, so one bag of values
 * can render a whole catalog.
 * @throws TemplateError naming the variable that is missing, empty or invalid.
 */
export function render<T extends PromQLTemplate>(template: T, vars: TemplateVars<T>): string {
  const values = vars as Readonly<Record<string, unknown>>;
  for (const [variable, kind] of Object.entries(template.vars)) {
    check(template.name, variable, kind, values[variable]);
  }
  return template.promql.replace(PLACEHOLDER, (_m, variable: string, filter: string | undefined) => {
    const kind = template.vars[variable];
    if (kind === 'labels') {
      return (values[variable] as readonly string[]).map((v) => escapeLabelValue(escapeRegex(v))).join('|');
    }
    const value = String(values[variable]);
    if (kind !== 'label') return kind === 'quantile' ? String(Number(value)) : value;
    return escapeLabelValue(filter === 'regex' ? escapeRegex(value) : value);
  });
}

function check(template: string, variable: string, kind: VarKind, value: unknown): void {
  if (value === undefined || value === null) {
    throw new TemplateError(template, `variable "${variable}" is not set`, variable);
  }
  if (kind === 'labels') {
    if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) {
      throw new TemplateError(
        template,
        `variable "${variable}" must be a non-empty list of non-empty label values`,
        variable,
      );
    }
    return;
  }
  if (kind === 'quantile') {
    const q =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value)
          : NaN;
    if (!Number.isFinite(q) || q < 0 || q > 1) {
      throw new TemplateError(
        template,
        `variable "${variable}" must be a quantile in [0, 1], got ${JSON.stringify(value)}`,
        variable,
      );
    }
    return;
  }
  if (typeof value !== 'string') {
    throw new TemplateError(
      template,
      `variable "${variable}" must be a string, got ${typeof value}`,
      variable,
    );
  }
  if (value.trim() === '') throw new TemplateError(template, `variable "${variable}" is empty`, variable);
  if (kind === 'duration' && (!DURATION.test(value) || /^0+[a-z]+$/.test(value))) {
    throw new TemplateError(
      template,
      `variable "${variable}" must be a positive duration like 30s, 5m, 1h (\\d+(ms|s|m|h|d)), got ${JSON.stringify(value)}`,
      variable,
    );
  }
}

/** Escapes a value for a double-quoted PromQL string: backslash, double quote, newline, CR, tab. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n\r\t]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\${c}`;
    }
  });
}

/** Escapes RE2 metacharacters so the value matches literally inside `=~` / `!~`. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * The shortest exact PromQL duration for a span, e.g. 1_800_000 ms → `30m`, 90_000 → `90s`.
 * Windows that start at a weight change are rarely whole minutes: this keeps them exact.
 */
export function promDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new RangeError(`a duration must be a positive whole number of ms, got ${ms}`);
  const units: readonly [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
