import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { defaultProfile as profile } from '../../src/profile/index.ts';
import { ladder, planShift, readSplit, stepDown, withMeshWeight } from '../../src/traffic/index.ts';

const steps = [10, 25, 50, 75, 100];

const vs = (routes: { legacy?: number; mesh?: number; legacyHost?: string }[]): KubeObject => ({
  kind: 'VirtualService',
  metadata: { name: 'zamaz', namespace: 'zamaz-mesh', resourceVersion: '7' },
  spec: {
    http: routes.map((r, i) => ({
      name: `r${i}`,
      route: [
        ...(r.legacy !== undefined
          ? [{ destination: { host: r.legacyHost ?? 'zamaz-api.zamaz.svc.cluster.local' }, weight: r.legacy }]
          : []),
        ...(r.mesh !== undefined
          ? [{ destination: { host: 'zamaz-api.zamaz-mesh.svc.cluster.local' }, weight: r.mesh }]
          : []),
      ],
    })),
  },
});

describe('planShift', () => {
  it('allows one step up and refuses a skip, naming the next step', () => {
    expect(planShift(10, 25, steps, false).refusal).toBeUndefined();
    expect(planShift(0, 10, steps, false).refusal).toBeUndefined();
    expect(planShift(10, 75, steps, false).refusal).toBe(
      'moving from 10 % to 75 % skips 25, 50 %: shift one step at a time (next: 25 %), or pass --force',
    );
    expect(planShift(10, 75, steps, true).refusal).toBeUndefined();
  });

  it('refuses weights off the ladder and no-op moves', () => {
    expect(planShift(10, 30, steps, true).refusal).toBe(
      '30 % is not a step of the profile (0, 10, 25, 50, 75, 100)',
    );
    expect(planShift(25, 25, steps, false).refusal).toBe('the mesh already receives 25 %');
    expect(planShift(33, 50, steps, false).refusal).toContain('the current mesh weight 33 % is not a step');
  });

  it('refuses to move down without --down, naming both weights; --down plans a move down', () => {
    const refused = planShift(50, 25, steps, false);
    expect(refused.refusal).toBe(
      'the mesh receives 50 %, so shift 25 would move it down: moving down is `meshgate rollback --planned` (one step down) or `meshgate shift 25 --down`',
    );
    expect(planShift(50, 25, steps, true).refusal).toBe(refused.refusal);
    expect(planShift(50, 25, steps, false, true)).toMatchObject({ direction: 'down', from: 50, to: 25 });
    expect(planShift(50, 25, steps, false, true).refusal).toBeUndefined();
    expect(planShift(10, 25, steps, false, true).refusal).toBe(
      '--down moves the mesh weight down, but 25 % is above the current 10 %: drop --down to shift up (gated)',
    );
    expect(planShift(10, 25, steps, false).direction).toBe('up');
  });

  it('steps down one step at a time for a planned rollback', () => {
    expect(ladder(steps)).toEqual([0, 10, 25, 50, 75, 100]);
    expect(stepDown(50, steps)).toBe(25);
    expect(stepDown(10, steps)).toBe(0);
    expect(stepDown(0, steps)).toBe(0);
  });
});

describe('readSplit', () => {
  it('reads the common mesh weight of every split route', () => {
    const { split, problems } = readSplit(
      vs([
        { legacy: 90, mesh: 10 },
        { legacy: 90, mesh: 10 },
      ]),
      profile,
    );
    expect(problems).toEqual([]);
    expect(split?.meshWeight).toBe(10);
  });

  it('names weights that do not sum to 100, disagreeing routes and short hosts', () => {
    expect(readSplit(vs([{ legacy: 80, mesh: 10 }]), profile).problems).toEqual([
      'route "r0" weights sum to 90, not 100',
    ]);
    expect(
      readSplit(
        vs([
          { legacy: 90, mesh: 10 },
          { legacy: 75, mesh: 25 },
        ]),
        profile,
      ).problems[0],
    ).toBe('routes disagree on the mesh weight (r0: 10, r1: 25): every route should carry the same step');
    expect(readSplit(vs([{ legacy: 90, mesh: 10, legacyHost: 'zamaz-api' }]), profile).problems).toContain(
      'route "r0" names "zamaz-api" without its namespace: use the FQDN',
    );
    expect(readSplit(vs([]), profile).problems).toEqual([
      'no http route splits between zamaz and zamaz-mesh',
    ]);
  });

  it('rewrites every split route, keeping the rest of the route list', () => {
    const v = vs([
      { legacy: 90, mesh: 10 },
      { legacy: 90, mesh: 10 },
    ]);
    const { split } = readSplit(v, profile);
    const http = withMeshWeight(v, split!, 25) as { route: { weight: number }[] }[];
    expect(http.map((r) => r.route.map((d) => d.weight))).toEqual([
      [75, 25],
      [75, 25],
    ]);
    // The object read is not modified: a failed patch leaves nothing half-changed in memory.
    expect((v.spec as { http: { route: { weight: number }[] }[] }).http[0]?.route[1]?.weight).toBe(10);
  });
});
