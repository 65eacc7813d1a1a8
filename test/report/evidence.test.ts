import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  REDACTED,
  auditEvidence,
  envoyStatsEvidence,
  findingsMarkdown,
  objectEvidence,
  profileDigest,
  promqlEvidence,
  redact,
  redactText,
  redactUrl,
  referencedObjects,
  weightsEvidence,
} from '../../src/report/index.ts';

const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXBhcnQ';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\n-----END RSA PRIVATE KEY-----';

describe('evidence redaction', () => {
  it('keeps a Secret to its metadata and key names', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'zamaz-mesh' },
      data: { password: 'c2VjcmV0', 'ca.crt': 'LS0t' },
      stringData: { token: 'plain' },
    };
    const out = redact(secret);
    expect(out.data).toEqual({ password: REDACTED, 'ca.crt': REDACTED });
    expect(out.stringData).toEqual({ token: REDACTED });
    expect(out.metadata).toEqual(secret.metadata);
    expect(JSON.stringify(out)).not.toContain('c2VjcmV0');
  });

  it('redacts credential env values, token-like strings and last-applied, keeps references and the rest', () => {
    const pod = {
      kind: 'Pod',
      metadata: {
        name: 'api',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{"password":"x"}',
          'sidecar.istio.io/status': '{"containers":["istio-proxy"]}',
        },
        managedFields: [{ manager: 'kubectl' }],
      },
      spec: {
        containers: [
          {
            name: 'api',
            env: [
              { name: 'DB_PASSWORD', value: 'hunter2' },
              { name: 'UPSTREAM_API_TOKEN', value: 'abc' },
              { name: 'LOG_LEVEL', value: 'debug' },
              { name: 'BANNER', value: `Bearer ${'z'.repeat(20)}` },
            ],
          },
        ],
        volumes: [
          { name: 'certs', secret: { secretName: 'istio-ca' } },
          {
            name: 'sa',
            projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'spire' } }] },
          },
        ],
      },
      status: { message: `saw ${JWT} and ${PEM}` },
    };
    const out = redact(pod);
    const env = out.spec.containers[0]?.env ?? [];
    expect(env.map((e) => e.value)).toEqual([REDACTED, REDACTED, 'debug', REDACTED]);
    expect(out.metadata.annotations).toEqual({ 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' });
    expect(out.metadata).not.toHaveProperty('managedFields');
    expect(out.spec.volumes[0]).toEqual({ name: 'certs', secret: { secretName: 'istio-ca' } });
    expect(out.spec.volumes[1]?.projected?.sources[0]).toEqual({
      serviceAccountToken: { path: 'token', audience: 'spire' },
    });
    expect(out.status.message).toBe(`saw ${REDACTED} and ${REDACTED}`);
    // The input is not changed.
    expect(pod.spec.containers[0]?.env[0]?.value).toBe('hunter2');
  });

  it('renders objects as YAML files named by kind/namespace/name', () => {
    const [a] = objectEvidence([{ kind: 'Pod', metadata: { name: 'api-1', namespace: 'zamaz-mesh' } }]);
    expect(a?.name).toBe('Pod-zamaz-mesh-api-1.yaml');
    expect(parse(a?.body ?? '')).toEqual({
      kind: 'Pod',
      metadata: { name: 'api-1', namespace: 'zamaz-mesh' },
    });
  });

  it('digests a profile the same whatever the key order', () => {
    expect(profileDigest({ a: 1, b: { c: [1, 2] } })).toBe(profileDigest({ b: { c: [1, 2] }, a: 1 }));
    expect(profileDigest({ a: 1 })).not.toBe(profileDigest({ a: 2 }));
    expect(profileDigest({ a: 1 })).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  it('removes credentials from URLs', () => {
    expect(redactUrl('https://user:pw@prom.example:9090/api?token=abc&dedup=1')).toBe(
      'https://prom.example:9090/api?token=<redacted>&dedup=1',
    );
    expect(redactUrl('https://127.0.0.1:6443')).toBe('https://127.0.0.1:6443');
    expect(redactText(`Authorization: Bearer ${'a'.repeat(30)}`)).toBe(`Authorization: ${REDACTED}`);
  });
});

describe('evidence attachments', () => {
  it('finds the API objects findings name, not pseudo-objects', () => {
    const f = (object: string) => ({ object, message: 'x', hint: '' });
    expect(
      referencedObjects([
        f('Pod/zamaz-mesh/api-1'),
        f('Namespace/zamaz-mesh'),
        f('Pod/zamaz-mesh/api-1'),
        f('permission/list pods cluster-wide'),
        f('canary/error-ratio/zamaz-api'),
        f('cluster/version'),
      ]),
    ).toEqual([
      { kind: 'Pod', namespace: 'zamaz-mesh', name: 'api-1' },
      { kind: 'Namespace', name: 'zamaz-mesh' },
    ]);
  });

  it('keeps only the Envoy stats lines asked for', () => {
    const stats = [
      'cluster.outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local.circuit_breakers.default.cx_open: 1',
      'cluster.outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local.upstream_rq_total: 120',
      'cluster.outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local.outlier_detection.ejections_active: 2',
    ].join('\n');
    const a = envoyStatsEvidence('api-1', stats, /circuit_breakers|outlier_detection/);
    expect(a.body.split('\n')).toHaveLength(2);
    expect(a.body).not.toContain('upstream_rq_total');
    expect(envoyStatsEvidence('api-1', stats, /nothing/).body).toContain("no line of api-1's stats matches");
  });

  it('shows each PromQL query with its time and raw answer or error', () => {
    const a = promqlEvidence([
      {
        purpose: 'error-ratio/zamaz-api canary',
        query: 'instant',
        promql: 'sum(rate(istio_requests_total{response_code=~"5.."}[10m]))',
        time: '2026-11-29T10:30:00Z',
        result: { resultType: 'vector', series: [{ labels: {}, value: [1, '0.02'] }], warnings: [] },
      },
      {
        purpose: 'latency/zamaz-api baseline',
        query: 'range',
        promql: 'histogram_quantile(0.99, x)',
        start: 'a',
        end: 'b',
        stepSeconds: 60,
        error: { kind: 'PrometheusUnreachable', message: 'connect ECONNREFUSED' },
      },
    ]);
    expect(a.body).toContain('# error-ratio/zamaz-api canary (instant at 2026-11-29T10:30:00Z)');
    expect(a.body).toContain('"0.02"');
    expect(a.body).toContain('range a → b step 60s');
    expect(a.body).toContain('error PrometheusUnreachable: connect ECONNREFUSED');
  });

  it('shows weights before and after, and audit lines without credentials', () => {
    const w = weightsEvidence(
      'VirtualService/zamaz-mesh/zamaz',
      [{ route: 'api', legacy: 90, mesh: 10 }],
      [{ route: 'api', legacy: 75, mesh: 25 }],
    );
    expect(w.body).toBe(
      'VirtualService/zamaz-mesh/zamaz\napi: legacy 90 % / mesh 10 % → legacy 75 % / mesh 25 %',
    );
    expect(weightsEvidence('vs', [{ route: 'api', legacy: 90, mesh: 10 }], undefined).body).toContain(
      'unchanged',
    );
    const audit = auditEvidence([{ action: 'shift', by: 'ci', reason: `token ${JWT}` }]);
    expect(audit.body).not.toContain(JWT);
  });

  it('writes findings as what, expected and fix', () => {
    expect(
      findingsMarkdown([
        {
          object: 'Pod/zamaz-mesh/api-1',
          message: 'has no istio-proxy sidecar',
          hint: 'kubectl rollout restart deployment/zamaz-api -n zamaz-mesh',
          field: 'spec.containers',
          expected: 'istio-proxy',
          actual: 'api',
        },
      ]),
    ).toBe(
      '**Pod/zamaz-mesh/api-1**: has no istio-proxy sidecar  \nexpected `istio-proxy` at `spec.containers`, found `api`  \n' +
        '**Fix:** kubectl rollout restart deployment/zamaz-api -n zamaz-mesh',
    );
  });
});
