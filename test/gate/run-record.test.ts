// Which checks a run's JUnit, summary and Allure results show: a gate whose verdict no check carries
// (monitor's timeline, test's smoke run, rollback) gets its verdict as a testcase, so a CI job that
// reads only junit.xml never sees green for a FAIL.
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/gate/index.ts';
import type { GateRunResult } from '../../src/gate/run.ts';
import type { CheckRecord } from '../../src/report/types.ts';

function result(over: Partial<GateRunResult>): GateRunResult {
  return {
    command: 'monitor',
    verdict: 'PASS',
    exitCode: 0,
    document: {},
    checks: [],
    audit: [],
    writes: [],
    profile: 'defaults',
    plan: { checks: [], writes: [], files: [] },
    startedAt: '2026-12-02T00:00:00.000Z',
    finishedAt: '2026-12-02T00:05:00.000Z',
    errors: [],
    notes: [],
    ...over,
  } as GateRunResult;
}

const check = (status: CheckRecord['status']): CheckRecord => ({
  id: 'security.mtls-strict',
  title: 'STRICT mTLS',
  suite: 'security',
  status,
  findings: [],
  details: [],
});

describe('runChecks', () => {
  it('a monitor that stopped early is a failed testcase naming why', () => {
    const checks = runChecks(
      result({
        verdict: 'FAIL',
        exitCode: 1,
        document: { reason: 'stopped early: 2 FAIL verdicts in a row (budget 2); roll back' },
      }),
    );
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      id: 'monitor.verdict',
      status: 'failed',
      findings: [
        {
          object: 'meshgate monitor',
          message: 'the gate ended FAIL: stopped early: 2 FAIL verdicts in a row (budget 2); roll back',
        },
      ],
    });
  });

  it('a test run whose smoke run failed while the security suite passed carries the smoke reason', () => {
    const checks = runChecks(
      result({
        command: 'test',
        verdict: 'FAIL',
        exitCode: 1,
        checks: [check('passed')],
        document: { smoke: { verdict: 'FAIL', reason: '12 % of requests failed' } },
      }),
    );
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['security.mtls-strict', 'passed'],
      ['test.verdict', 'failed'],
    ]);
    expect(checks[1]?.findings[0]?.message).toBe(
      'the gate ended FAIL: Step 7 smoke run FAIL: 12 % of requests failed',
    );
  });

  it('a verdict a failed check or an error already explains adds nothing', () => {
    expect(runChecks(result({ verdict: 'FAIL', checks: [check('failed')] }))).toHaveLength(1);
    expect(runChecks(result({ verdict: 'INCONCLUSIVE', errors: ['Prometheus unreachable'] }))).toEqual([]);
  });

  it('a passing run with checks adds nothing; one without any gets its verdict as a passed testcase', () => {
    expect(runChecks(result({ command: 'verify', checks: [check('passed')] }))).toHaveLength(1);
    const [only] = runChecks(result({ command: 'rollback', step: 0, document: { reasons: ['emergency'] } }));
    expect(only).toMatchObject({
      id: 'rollback.verdict',
      status: 'passed',
      findings: [],
      details: ['emergency'],
    });
    expect(only?.title).toBe('meshgate rollback step 0: gate verdict');
  });
});
