import { describe, expect, it } from 'vitest';
import {
  TemplateError,
  defaultCatalog,
  getTemplate,
  mergeCatalog,
  render,
  type PromQLTemplate,
} from '../../src/metrics/index.ts';

const bag = {
  gatewayWorkload: 'istio-ingressgateway',
  namespace: 'zamaz-mesh',
  service: 'zamaz-api',
  window: '30m',
  interval: '1m',
  quantile: 0.99,
};

function renderAny(t: PromQLTemplate): string {
  return render(t, bag as never);
}

describe('defaultCatalog', () => {
  it('renders every template from one bag of variables', () => {
    for (const t of Object.values(defaultCatalog)) expect(renderAny(t)).not.toMatch(/\{\{|\}\}/);
  });

  it('uses only PromQL that Prometheus 2.42 (Debian 12) understands', () => {
    const newer =
      /\binfo\(|\blimitk\(|\blimit_ratio\(|histogram_(count|sum|avg|fraction|stddev|stdvar)\(|\{"|@ *end\(\)/;
    for (const t of Object.values(defaultCatalog)) expect(renderAny(t), t.name).not.toMatch(newer);
  });

  it('identifies sides by destination_service_namespace/_name and the gateway by reporter="source"', () => {
    const promql = render(defaultCatalog.gateway_requests, bag);
    expect(promql).toContain('reporter="source"');
    expect(promql).toContain('source_workload="istio-ingressgateway"');
    expect(promql).toContain('destination_service_namespace="zamaz-mesh"');
    expect(promql).toContain('destination_service_name="zamaz-api"');
  });

  it('keeps the gateway namespace in single-series templates so two gateways are not silently added up', () => {
    for (const t of Object.values(defaultCatalog)) {
      if (t.series === 'one') expect(t.promql, t.name).toContain('source_workload_namespace');
    }
  });

  it('counts zero 5xx as 0 only when there were requests', () => {
    expect(render(defaultCatalog.gateway_5xx, bag)).toMatch(
      /\) or sum by \(source_workload_namespace\) .* \* 0$/,
    );
  });

  it('filters circuit-breaker counters to outbound clusters of the namespace, regex-escaped', () => {
    const promql = render(defaultCatalog.cb_pending_overflow, { namespace: 'zamaz-mesh', window: '30m' });
    expect(promql).toBe(
      String.raw`sum by (cluster_name) (increase(envoy_cluster_upstream_rq_pending_overflow{cluster_name=~"outbound\\|[0-9]+\\|[^|]*\\|[^.|]+\\.zamaz-mesh\\.svc\\..+"}[30m]))`,
    );
  });
});

describe('mergeCatalog', () => {
  it('returns the defaults for an empty or absent user catalog', () => {
    expect(Object.keys(mergeCatalog(undefined))).toEqual(Object.keys(defaultCatalog));
    expect(mergeCatalog({}).gateway_requests).toBe(defaultCatalog.gateway_requests);
  });

  it('lets a user replace a default, keeping its shape', () => {
    const merged = mergeCatalog({
      gateway_requests: {
        vars: { namespace: 'label', service: 'label', window: 'duration' },
        promql:
          'sum by (source_workload_namespace) (increase(istio_requests_total{reporter="source",destination_service_namespace="{{namespace}}",destination_service_name="{{service}}"}[{{window}}]))',
      },
    });
    const t = merged.gateway_requests;
    expect(t.query).toBe('instant');
    expect(t.series).toBe('one');
    expect(t.description).toBe(defaultCatalog.gateway_requests.description);
    expect(render(t, bag)).not.toContain('source_workload=');
    expect(merged.gateway_5xx).toBe(defaultCatalog.gateway_5xx);
  });

  it('adds new templates that declare their shape', () => {
    const merged = mergeCatalog({
      app_errors: {
        description: 'errors the app counts itself',
        vars: { namespace: 'label', window: 'duration' },
        promql: 'sum(increase(http_server_errors_total{namespace="{{namespace}}"}[{{window}}]))',
        query: 'instant',
        series: 'one',
      },
    });
    expect(
      render(getTemplate(merged, 'app_errors'), { namespace: 'zamaz-mesh', window: '5m' } as never),
    ).toBe('sum(increase(http_server_errors_total{namespace="zamaz-mesh"}[5m]))');
  });

  it('rejects an override that needs a variable callers do not supply', () => {
    const err = (() => {
      try {
        mergeCatalog({ gateway_requests: { vars: { cluster: 'label' }, promql: 'x{c="{{cluster}}"}' } });
      } catch (e) {
        return e as TemplateError;
      }
      throw new Error('expected an error');
    })();
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.variable).toBe('cluster');
    expect(err.message).toContain('they supply: gatewayWorkload, namespace, service, window');
  });

  it('rejects an override that changes shape or kinds', () => {
    expect(() =>
      mergeCatalog({
        gateway_requests: { vars: { window: 'duration' }, promql: 'x[{{window}}]', series: 'many' },
      }),
    ).toThrow(/series must stay/);
    expect(() =>
      mergeCatalog({
        gateway_requests: { vars: { window: 'duration' }, promql: 'x[{{window}}]', query: 'range' },
      }),
    ).toThrow(/query must stay "instant"/);
    expect(() =>
      mergeCatalog({ gateway_requests: { vars: { window: 'label' }, promql: 'x{w="{{window}}"}' } }),
    ).toThrow(/must stay of kind duration/);
  });

  it('rejects placeholders that are not declared and new templates without a shape', () => {
    expect(() => mergeCatalog({ gateway_requests: { vars: {}, promql: 'x{ns="{{namespace}}"}' } })).toThrow(
      /placeholder \{\{namespace\}\} is not a declared variable/,
    );
    expect(() => mergeCatalog({ extra: { vars: {}, promql: 'up' } })).toThrow(/needs query/);
  });

  it('validates the input with a schema and reports where it is wrong', () => {
    expect(() =>
      mergeCatalog({ 'Bad-Name': { vars: {}, promql: 'up', query: 'instant', series: 'one' } }),
    ).toThrow(/lower_snake_case/);
    expect(() => mergeCatalog({ x: { vars: { a: 'text' }, promql: 'up' } })).toThrow(TemplateError);
    expect(() =>
      mergeCatalog({ x: { vars: {}, promql: 'up', query: 'instant', series: 'one', typo: 1 } }),
    ).toThrow(/invalid template catalog/);
    expect(() => mergeCatalog(['not', 'a', 'map'])).toThrow(TemplateError);
  });

  it('getTemplate lists the known names for an unknown one', () => {
    expect(() => getTemplate(defaultCatalog, 'nope')).toThrow(/unknown template; known: cb_cx_overflow, /);
  });
});
