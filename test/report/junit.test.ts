import { describe, expect, it } from 'vitest';
import { renderJunit, summarise, type CheckRecord } from '../../src/report/index.ts';
import { validateJunit } from './support.ts';

const check = (over: Partial<CheckRecord> & Pick<CheckRecord, 'id' | 'status'>): CheckRecord => ({
  title: `title of ${over.id}`,
  suite: 'mesh',
  findings: [],
  details: [],
  ...over,
});

const checks: CheckRecord[] = [
  check({ id: 'mesh.istio.namespace', status: 'passed', details: ['istio-system: Active'] }),
  check({
    id: 'mesh.app.sidecars',
    status: 'failed',
    findings: [
      {
        object: 'Pod/zamaz-mesh/api-1',
        message: 'has no istio-proxy sidecar <&> "quoted"',
        hint: 'kubectl rollout restart deployment/zamaz-api -n zamaz-mesh',
        expected: 'istio-proxy',
        actual: 'api',
        field: 'spec.containers',
      },
      { object: 'Pod/zamaz-mesh/api-2', message: 'has no istio-proxy sidecar', hint: 'same' },
    ],
  }),
  check({
    id: 'security.mtls.strict',
    suite: 'security',
    status: 'inconclusive',
    findings: [
      {
        object: 'security.mtls.strict',
        message: 'could not verify: peerauthentications.security.istio.io is forbidden',
        hint: 'grant list peerauthentications',
      },
    ],
  }),
  check({
    id: 'security.probe.plaintext',
    suite: 'security',
    status: 'skipped',
    details: ['not run: pass --probe'],
  }),
];

describe('JUnit XML', () => {
  const xml = renderJunit({
    name: 'meshgate verify — FAIL',
    verdict: 'FAIL',
    checks,
    errors: ['suites/prereq/prereq.test.ts: failed to load \u001b[31mred\u001b[0m'],
    startedAt: '2026-12-01T10:00:00.123Z',
    durationSeconds: 12.5,
    properties: { run: '20261201T100000.123Z-verify', cluster: 'https://127.0.0.1:6443' },
  });

  it('validates against the Jenkins/GitLab JUnit schema', () => {
    const res = validateJunit(xml);
    expect(res.output).toContain('validates');
    expect(res.ok).toBe(true);
  });

  it('the validator rejects what the schema does not allow (attributes on <skipped>, no name)', () => {
    const bad = xml.replace('<skipped>', '<skipped message="x">');
    expect(validateJunit(bad).ok).toBe(false);
    expect(validateJunit(xml.replace(/<testcase name="[^"]*"/, '<testcase')).ok).toBe(false);
  });

  it('has one testsuite per suite, classname = suite, and counts that add up like the summary', () => {
    const suites = [
      ...xml.matchAll(
        /<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/g,
      ),
    ];
    expect(suites.map((m) => m.slice(1).join(' '))).toEqual([
      'mesh 2 1 0 0',
      'security 2 0 1 1',
      'meshgate 1 0 1 0',
    ]);
    const s = summarise(checks);
    expect(xml).toMatch(
      new RegExp(
        `<testsuites name="[^"]+" tests="${checks.length + 1}" failures="${s.failed}" errors="${s.inconclusive + 1}"`,
      ),
    );
    expect(xml).toContain('classname="security"');
  });

  it('puts the finding object, message, expected and fix in the failure; inconclusive is an error', () => {
    expect(xml).toContain(
      '<failure type="failed" message="Pod/zamaz-mesh/api-1: has no istio-proxy sidecar &lt;&amp;&gt; &quot;quoted&quot; (and 1 more)">',
    );
    expect(xml).toContain(
      '  expected istio-proxy at spec.containers, found api\n  fix: kubectl rollout restart',
    );
    expect(xml).toContain(
      '<error type="inconclusive" message="security.mtls.strict: could not verify: peerauthentications',
    );
    expect(xml).toContain('<skipped>not run: pass --probe</skipped>');
    // Control characters (ANSI colours) cannot appear in XML 1.0.
    expect(xml).not.toContain('\u001b');
  });

  it('is valid with no checks at all (unreachable cluster): the run error is the testcase', () => {
    const empty = renderJunit({
      name: 'meshgate verify',
      verdict: 'INCONCLUSIVE',
      checks: [],
      errors: ['cannot reach the Kubernetes API server'],
      startedAt: '2026-12-01T10:00:00Z',
      durationSeconds: 1,
    });
    expect(validateJunit(empty).ok).toBe(true);
    expect(empty).toContain('<testsuites name="meshgate verify" tests="1" failures="0" errors="1"');
  });
});
