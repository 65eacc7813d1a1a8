import { describe, expect, it } from 'vitest';
import { REDACTED, redactText, scrub } from '../../src/gate/snapshot/index.ts';

describe('what a snapshot never keeps', () => {
  it('redacts token-like values in recorded exec and pod-proxy output, and keeps certificates and stats', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl';
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const out = redactText(
      `{"token": "s3cr3t-value", "serial_number": "2b845142", "uri": "spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api"}\n` +
        `Authorization: Bearer abcdefghijkl\n${jwt}\n${key}\nenvoy_cluster_upstream_cx_total{cluster_name="outbound|8080||x"} 12\n`,
    );
    expect(out).not.toContain('s3cr3t-value');
    expect(out).not.toContain('abcdefghijkl');
    expect(out).not.toContain(jwt);
    expect(out).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(out).toContain(`"token": "${REDACTED}"`);
    expect(out).toContain('"serial_number": "2b845142"');
    expect(out).toContain('spiffe://zamaz.local/ns/zamaz-mesh/sa/zamaz-api');
    expect(out).toContain('envoy_cluster_upstream_cx_total{cluster_name="outbound|8080||x"} 12');
  });

  it('scrubs credential-looking env values and ConfigMap keys, and server bookkeeping', () => {
    const pod = scrub({
      kind: 'Pod',
      metadata: {
        name: 'a',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}' },
      },
      spec: {
        containers: [
          {
            name: 'api',
            env: [
              { name: 'DB_PASSWORD', value: 'hunter2' },
              { name: 'PORT', value: '8080' },
            ],
          },
        ],
      },
    });
    expect(JSON.stringify(pod)).not.toContain('hunter2');
    expect(JSON.stringify(pod)).toContain('"PORT","value":"8080"');
    expect(pod.metadata.annotations).toEqual({});
    const cm = scrub({
      kind: 'ConfigMap',
      metadata: { name: 'env' },
      data: { API_KEY: 'k', LOG_LEVEL: 'info' },
    });
    expect(cm.data).toEqual({ API_KEY: REDACTED, LOG_LEVEL: 'info' });
  });
});
