import { describe, expect, it } from 'vitest';
import { canaryChecks, checkLabels } from '../../src/report/index.ts';

const byName = (labels: { name: string; value: string }[], name: string) =>
  labels.filter((l) => l.name === name).map((l) => l.value);

describe('Allure labels mirror the guide', () => {
  it('sidecars: epic = phase, feature = step, a story per checklist item, severity blocker', () => {
    const labels = checkLabels('mesh.app.sidecars', 'mesh');
    expect(byName(labels, 'epic')).toEqual(['Phase 3: Application Deployment']);
    expect(byName(labels, 'feature')).toEqual(['Step 5: Deploy Application to Mesh']);
    expect(byName(labels, 'story')).toEqual([
      'Deploy Zamaz with Istio sidecars',
      'Sidecar injection status',
      'Sidecar injection verified',
    ]);
    expect(byName(labels, 'severity')).toEqual(['blocker']);
    expect(byName(labels, 'check')).toEqual(['mesh.app.sidecars']);
  });

  it.each([
    ['security.mtls.strict', 'security', 'blocker'],
    ['security.authz.deny-by-default', 'security', 'blocker'],
    ['canary.error-ratio', 'canary', 'blocker'],
    ['canary.mtls', 'canary', 'blocker'],
    ['canary.latency', 'canary', 'critical'],
    ['security.pss.pods', 'security', 'critical'],
    ['mesh.istio.crds', 'mesh', 'normal'],
  ])('%s has severity %s', (id, suite, severity) => {
    expect(byName(checkLabels(id, suite), 'severity')).toEqual([severity]);
  });

  it('prerequisites and attestations sit under Prerequisites; canary under Step 8', () => {
    expect(byName(checkLabels('prereq.capacity', 'prereq'), 'feature')).toEqual(['Cluster Requirements']);
    expect(byName(checkLabels('prereq.attestation.backup-taken', 'prereq'), 'story')).toEqual([
      'Backup current database',
      'Backup completed',
    ]);
    expect(byName(checkLabels('canary.latency', 'canary'), 'feature')).toEqual([
      'Step 8: Gradual Traffic Shifting',
    ]);
  });

  it('a check the guide does not know is still labelled, visibly', () => {
    expect(byName(checkLabels('mesh.something-new', 'mesh'), 'epic')).toEqual(['Not in the guide']);
  });
});

describe('canary verdict metrics as checks', () => {
  it('one check per metric kind with the suite ids, worst verdict over the services', () => {
    const checks = canaryChecks([
      { name: 'error-ratio/zamaz-api', metric: 'error-ratio', verdict: 'PASS', reason: 'ok', summary: 'ok' },
      {
        name: 'error-ratio/zamaz-frontend',
        metric: 'error-ratio',
        verdict: 'FAIL',
        reason: 'mesh 5xx 2.1 % vs legacy 0.4 %',
        hint: 'kubectl logs',
      },
      { name: 'mtls/zamaz-api', metric: 'mtls', verdict: 'INCONCLUSIVE', reason: 'no data' },
    ]);
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['canary.error-ratio', 'failed'],
      ['canary.mtls', 'inconclusive'],
    ]);
    expect(checks[0]?.findings).toEqual([
      {
        object: 'canary/error-ratio/zamaz-frontend',
        message: 'mesh 5xx 2.1 % vs legacy 0.4 %',
        hint: 'kubectl logs',
      },
    ]);
  });
});
