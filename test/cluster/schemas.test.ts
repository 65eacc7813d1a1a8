import { describe, expect, it } from 'vitest';
import { Resources } from '../../src/cluster/index.ts';
import { objectProblems } from '../../src/cluster/schemas.ts';

const vs = (weight: unknown) => ({
  kind: 'VirtualService',
  metadata: { name: 'zamaz', namespace: 'zamaz-mesh' },
  spec: {
    hosts: ['zamaz.example.com'],
    http: [{ name: 'api', route: [{ destination: { host: 'a.zamaz.svc.cluster.local' }, weight }] }],
    someFutureField: { anything: true },
  },
});

describe('custom resources validated at the edge', () => {
  it('accepts the fields checks read, and any field it does not know', () => {
    expect(objectProblems(Resources.virtualServices, vs(90))).toEqual([]);
    expect(
      objectProblems(Resources.peerAuthentications, { metadata: { name: 'default' }, spec: {} }),
    ).toEqual([]);
  });

  it('names the field that has the wrong type', () => {
    expect(objectProblems(Resources.virtualServices, vs('90'))).toEqual([
      'spec.http.0.route.0.weight: Invalid input: expected number, received string',
    ]);
    expect(
      objectProblems(Resources.peerAuthentications, {
        metadata: { name: 'x' },
        spec: { mtls: { mode: 'strict' } },
      })[0],
    ).toContain('spec.mtls.mode');
    expect(objectProblems(Resources.destinationRules, { metadata: { name: 'x' }, spec: {} })).toEqual([
      'spec.host: Invalid input: expected string, received undefined',
    ]);
  });

  it('leaves kinds without a schema alone', () => {
    expect(objectProblems(Resources.pods, { spec: 42 })).toEqual([]);
  });
});
