import { describe, expect, it } from 'vitest';
import {
  TemplateError,
  defineTemplate,
  escapeLabelValue,
  escapeRegex,
  promDuration,
  render,
  type PromQLTemplate,
} from '../../src/metrics/index.ts';

const requests = defineTemplate({
  name: 'gateway_requests',
  description: 'requests',
  vars: { gatewayWorkload: 'label', namespace: 'label', service: 'label', window: 'duration' },
  promql:
    'sum(increase(istio_requests_total{reporter="source",source_workload="{{gatewayWorkload}}",' +
    'destination_service_namespace="{{namespace}}",destination_service_name="{{service}}"}[{{window}}]))',
  query: 'instant',
  series: 'one',
});

const vars = {
  gatewayWorkload: 'istio-ingressgateway',
  namespace: 'zamaz-mesh',
  service: 'zamaz-api',
  window: '30m',
};

function renderError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

describe('render', () => {
  it('fills every placeholder', () => {
    expect(render(requests, vars)).toBe(
      'sum(increase(istio_requests_total{reporter="source",source_workload="istio-ingressgateway",' +
        'destination_service_namespace="zamaz-mesh",destination_service_name="zamaz-api"}[30m]))',
    );
  });

  it('names the missing variable instead of rendering an empty string', () => {
    const { namespace: _omitted, ...rest } = vars;
    const err = renderError(() => render(requests, rest as typeof vars));
    expect(err.variable).toBe('namespace');
    expect(err.message).toBe('template "gateway_requests": variable "namespace" is not set');
  });

  it('rejects empty and blank values', () => {
    expect(renderError(() => render(requests, { ...vars, service: '' })).message).toContain(
      '"service" is empty',
    );
    expect(renderError(() => render(requests, { ...vars, service: '  ' })).variable).toBe('service');
  });

  it('rejects non-string label values from untyped callers', () => {
    const err = renderError(() => render(requests, { ...vars, namespace: 42 } as unknown as typeof vars));
    expect(err.message).toContain('must be a string');
  });

  it('escapes backslashes, double quotes and newlines in label values', () => {
    const promql = render(requests, { ...vars, service: 'a"b\\c\nd' });
    expect(promql).toContain('destination_service_name="a\\"b\\\\c\\nd"');
  });

  it('ignores variables the template does not declare', () => {
    expect(render(requests, { ...vars, interval: '1m', extra: 'x' } as typeof vars)).toBe(
      render(requests, vars),
    );
  });

  it.each(['30m', '90s', '1h', '2d', '500ms', '15s'])('accepts duration %s', (window) => {
    expect(render(requests, { ...vars, window })).toContain(`[${window}]`);
  });

  it.each(['30', '1h30m', '0s', '00m', '-5m', '5 m', '1w', 'm', '5M', '30m]) or vector(1'])(
    'rejects duration %j',
    (window) => {
      const err = renderError(() => render(requests, { ...vars, window }));
      expect(err.variable).toBe('window');
      expect(err.message).toContain('positive duration');
    },
  );

  it('checks quantiles', () => {
    const q = defineTemplate({
      name: 'q',
      description: 'q',
      vars: { quantile: 'quantile', window: 'duration' },
      promql: 'histogram_quantile({{quantile}}, sum by (le) (rate(x_bucket[{{window}}])))',
      query: 'instant',
      series: 'one',
    });
    expect(render(q, { quantile: 0.99, window: '5m' })).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))',
    );
    expect(render(q, { quantile: '0.5', window: '5m' })).toContain('histogram_quantile(0.5,');
    for (const bad of [1.5, -0.1, Number.NaN, 'p99', '']) {
      expect(renderError(() => render(q, { quantile: bad, window: '5m' })).variable).toBe('quantile');
    }
  });

  it('applies the regex filter for use inside =~', () => {
    const t = defineTemplate({
      name: 'clusters',
      description: 'c',
      vars: { namespace: 'label' },
      promql: String.raw`x{cluster_name=~"outbound\\|.*\\|{{namespace|regex}}\\.svc"}`,
      query: 'instant',
      series: 'many',
    });
    expect(render(t, { namespace: 'a.b+c' })).toBe(
      String.raw`x{cluster_name=~"outbound\\|.*\\|a\\.b\\+c\\.svc"}`,
    );
  });
});

describe('defineTemplate', () => {
  const base: PromQLTemplate = {
    name: 't',
    description: 'd',
    vars: {},
    promql: 'up',
    query: 'instant',
    series: 'one',
  };

  it('rejects a placeholder that is not a declared variable', () => {
    const err = renderError(() => defineTemplate({ ...base, promql: 'up{job="{{job}}"}' }));
    expect(err.message).toBe('template "t": placeholder {{job}} is not a declared variable');
  });

  it('rejects a declared variable that is never used', () => {
    expect(renderError(() => defineTemplate({ ...base, vars: { job: 'label' } })).variable).toBe('job');
  });

  it('rejects filters on non-label variables, unknown filters and kinds, malformed placeholders', () => {
    expect(() => defineTemplate({ ...base, vars: { w: 'duration' }, promql: 'x[{{w|regex}}]' })).toThrow(
      TemplateError,
    );
    expect(() => defineTemplate({ ...base, vars: { j: 'label' }, promql: 'x{j="{{j|upper}}"}' })).toThrow(
      TemplateError,
    );
    expect(() => defineTemplate({ ...base, vars: { j: 'text' as 'label' }, promql: 'x{j="{{j}}"}' })).toThrow(
      /unknown kind/,
    );
    expect(() => defineTemplate({ ...base, promql: 'x{j="{{ j-k }}"}' })).toThrow(/malformed placeholder/);
  });

  it('rejects names that are not lower_snake_case', () => {
    expect(() => defineTemplate({ ...base, name: 'Gateway-Requests' })).toThrow(TemplateError);
  });

  it('returns a frozen template', () => {
    expect(Object.isFrozen(defineTemplate(base))).toBe(true);
  });
});

describe('escaping helpers', () => {
  it('escapeLabelValue', () => {
    expect(escapeLabelValue('plain-value_1.2')).toBe('plain-value_1.2');
    expect(escapeLabelValue('"\\\n\t')).toBe('\\"\\\\\\n\\t');
  });

  it('escapeRegex escapes RE2 metacharacters', () => {
    expect(escapeRegex('a.b|c*(d)[e]{f}^$?+\\')).toBe('a\\.b\\|c\\*\\(d\\)\\[e\\]\\{f\\}\\^\\$\\?\\+\\\\');
  });
});

describe('promDuration', () => {
  it.each([
    [1_800_000, '30m'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [1_500, '1500ms'],
    [60_000, '1m'],
  ])('%d ms → %s', (ms, text) => {
    expect(promDuration(ms)).toBe(text);
  });

  it('rejects zero, negative and fractional spans', () => {
    for (const bad of [0, -1000, 1.5]) expect(() => promDuration(bad)).toThrow(RangeError);
  });
});
