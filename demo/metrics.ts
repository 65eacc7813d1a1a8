// The stand-ins' stats endpoints: counters, gauges and histograms in the Prometheus text exposition
// format (version 0.0.4), which Envoy's /stats/prometheus serves and Prometheus scrapes. A few dozen
// lines cover what the stand-ins export; series appear when first touched, as Envoy's do.

export type Labels = Readonly<Record<string, string>>;

/** Envoy's default histogram buckets for istio_request_duration_milliseconds (ms). */
export const ENVOY_DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeValue(labels[k] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeValue(extra[1])}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function key(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

function number(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

export class Counter implements Family {
  readonly type = 'counter';
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels, by = 1): void {
    const k = key(labels);
    const s = this.series.get(k);
    if (s) s.value += by;
    else this.series.set(k, { labels, value: by });
  }

  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${labelText(s.labels)} ${number(s.value)}`);
  }
}

export class Gauge implements Family {
  readonly type = 'gauge';
  private readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(labels: Labels, value: number): void {
    this.series.set(key(labels), { labels, value });
  }

  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${labelText(s.labels)} ${number(s.value)}`);
  }
}

export class Histogram implements Family {
  readonly type = 'histogram';
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] ?? 0)) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) =>
        out.push(`${this.name}_bucket${labelText(s.labels, ['le', number(le)])} ${s.counts[i]}`),
      );
      out.push(`${this.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${number(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** The metric families one endpoint serves, rendered in registration order. */
export class Registry {
  private readonly families: Family[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  private add<F extends Family>(family: F): F {
    this.families.push(family);
    return family;
  }

  /** The text exposition format; families without series print only their HELP and TYPE. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.lines());
    }
    return `${out.join('\n')}\n`;
  }
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
