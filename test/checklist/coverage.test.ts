import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHECKLIST,
  checklistStates,
  checksOf,
  coverageGaps,
  itemStatus,
  parseGuide,
  type RunFacts,
} from '../../src/checklist/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { CANARY_GATES } from '../../suites/canary/canary-gates.ts';
import { MESH_GATES } from '../../suites/mesh/mesh-gates.ts';
import { PREREQ_GATES, attestationGates } from '../../suites/prereq/prereq-gates.ts';
import { SECURITY_GATES } from '../../suites/security/security-gates.ts';
import type { GateGroup } from '../../suites/support/gate-spec.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const COPY = path.join(ROOT, 'docs/istio-migration-guide.md');
// The original sits in shared/ beside the checkout (…/work/shared for a worktree, ../shared in CI).
const ORIGINALS = [
  path.resolve(ROOT, '../shared/seed/istio-migration-guide.md'),
  path.resolve(ROOT, '../../shared/seed/istio-migration-guide.md'),
].filter((p) => existsSync(p));

/**
 * Every check id the suites declare: the specs of each suite's -gates.ts (checks declared as data, the
 * attested items from the profile among them), and any `gate('suite', 'id', …)` call written in a
 * *.test.ts.
 */
function suiteCheckIds(): Set<string> {
  const groups: GateGroup[] = [
    ...PREREQ_GATES,
    attestationGates(defaultProfile),
    ...MESH_GATES,
    ...SECURITY_GATES,
    ...CANARY_GATES,
  ];
  const ids = new Set<string>(groups.flatMap((g) => g.gates.map((s) => s.id)));
  for (const suite of readdirSync(path.join(ROOT, 'suites'))) {
    const dir = path.join(ROOT, 'suites', suite);
    if (suite === 'support' || !existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.test.ts'))) {
      const src = readFileSync(path.join(dir, f), 'utf8');
      for (const m of src.matchAll(/gate\(\s*'[a-z]+',\s*'([a-z0-9.-]+)'/g)) ids.add(m[1] ?? '');
    }
  }
  return ids;
}

describe('checklist coverage map', () => {
  const guides = [COPY, ...ORIGINALS];

  it.each(guides)('covers every checklist item of %s, and nothing else', (file) => {
    const items = parseGuide(readFileSync(file, 'utf8'));
    expect(items.length).toBeGreaterThan(70);
    expect(coverageGaps(items)).toEqual({ missing: [], extra: [] });
    // Same wording and place as the guide, so the report reads like the guide.
    const byId = new Map(CHECKLIST.map((i) => [i.id, i]));
    for (const g of items) {
      expect(byId.get(g.id)).toMatchObject({
        text: g.text,
        epic: g.epic,
        feature: g.feature,
        group: g.group,
      });
    }
  });

  it('the copy in docs/ is the guide itself when the original is present', () => {
    for (const original of ORIGINALS) {
      expect(readFileSync(COPY, 'utf8')).toBe(readFileSync(original, 'utf8'));
    }
  });

  it('names a guide item the map lacks, so the test above fails on a new item', () => {
    const guide =
      readFileSync(COPY, 'utf8') +
      '\n## Appendix\n\n### Migration Checklist\n\n#### Traffic Migration\n- [ ] 5% traffic migrated\n';
    expect(coverageGaps(parseGuide(guide)).missing).toEqual([
      'traffic-migration/5-percent-traffic-migrated ("5% traffic migrated")',
    ]);
    const fewer = CHECKLIST.filter((i) => i.id !== 'cluster-requirements/rbac-enabled');
    expect(coverageGaps(parseGuide(readFileSync(COPY, 'utf8')), fewer).missing).toEqual([
      'cluster-requirements/rbac-enabled ("RBAC enabled")',
    ]);
  });

  it('reads every kind of item: boxes, step bullets, bulletless steps, security bullets, task sub-bullets', () => {
    const items = parseGuide(readFileSync(COPY, 'utf8'));
    const count = (g: string) => items.filter((i) => i.group === g).length;
    expect(['pre-migration', 'implementation', 'security', 'post-migration', 'appendix'].map(count)).toEqual([
      11, 26, 9, 12, 23,
    ]);
    expect(
      items.find((i) => i.id === 'network-security/default-deny-all-network-traffic-denied-by-default'),
    ).toMatchObject({
      text: 'Default Deny: All network traffic denied by default',
      epic: 'Security Considerations',
    });
    expect(
      items.find((i) => i.id === 'step-1-install-istio-control-plane/create-istio-system-namespace'),
    ).toMatchObject({
      epic: 'Phase 1: Infrastructure Setup',
      feature: 'Step 1: Install Istio Control Plane',
    });
  });

  it('refers only to checks the suites declare, and every suite check verifies some item', () => {
    const declared = suiteCheckIds();
    expect(declared.size).toBeGreaterThan(60);
    const referenced = new Set(CHECKLIST.flatMap((i) => [...checksOf(i.verifiedBy)]));
    expect([...referenced].filter((id) => !declared.has(id))).toEqual([]);
    expect([...declared].filter((id) => !referenced.has(id))).toEqual([]);
  });

  it('says why for every manual item', () => {
    for (const i of CHECKLIST) {
      if (i.verifiedBy.kind === 'manual') expect(i.verifiedBy.why.length).toBeGreaterThan(30);
    }
  });
});

describe('checklist states in a run', () => {
  const item = (id: string) => {
    const found = CHECKLIST.find((i) => i.id === id);
    if (!found) throw new Error(`no item ${id}`);
    return found;
  };
  const facts = (checks: RunFacts['checks'], more: Partial<RunFacts> = {}): RunFacts => ({
    command: 'verify',
    verdict: 'FAIL',
    checks,
    ...more,
  });
  const sidecars = item('step-6-verify-deployment/sidecar-injection-status');
  const mtls = item('step-6-verify-deployment/mtls-configuration');

  it('passes only when every check of the item ran and passed', () => {
    expect(itemStatus(sidecars, facts([{ id: 'mesh.app.sidecars', status: 'passed' }])).state).toBe('PASS');
    const partial = itemStatus(mtls, facts([{ id: 'security.mtls.strict', status: 'passed' }]));
    expect(partial.state).toBe('PARTIAL');
    expect(partial.note).toContain('not in this run: security.mtls.destination-rules');
  });

  it('fails on a failed check, is inconclusive on an inconclusive one, never passed', () => {
    const f = itemStatus(
      mtls,
      facts([
        { id: 'security.mtls.strict', status: 'failed' },
        { id: 'security.mtls.destination-rules', status: 'inconclusive' },
      ]),
    );
    expect(f).toMatchObject({ state: 'FAIL', note: 'failed: security.mtls.strict' });
    const i = itemStatus(mtls, facts([{ id: 'security.mtls.destination-rules', status: 'inconclusive' }]));
    expect(i.state).toBe('INCONCLUSIVE');
    expect(itemStatus(sidecars, facts([])).state).toBe('NOT RUN');
  });

  it('takes attestations from their check, manual items say why, gates need their command and step', () => {
    const backup = item('pre-migration-checklist/backup-current-database');
    expect(
      itemStatus(backup, facts([{ id: 'prereq.attestation.backup-taken', status: 'failed' }])).state,
    ).toBe('FAIL');
    const audit = itemStatus(
      item('compliance/audit-logging-comprehensive-security-event-logging'),
      facts([]),
    );
    expect(audit.state).toBe('MANUAL');
    expect(audit.note).toContain('audit policy');
    const step25 = item('traffic-migration/25-percent-traffic-migrated');
    expect(itemStatus(step25, facts([], { command: 'canary', step: 25, verdict: 'PASS' })).state).toBe(
      'PASS',
    );
    expect(itemStatus(step25, facts([], { command: 'shift', step: 25, verdict: 'INCONCLUSIVE' })).state).toBe(
      'INCONCLUSIVE',
    );
    expect(itemStatus(step25, facts([], { command: 'canary', step: 50, verdict: 'PASS' })).state).toBe(
      'NOT RUN',
    );
    expect(itemStatus(step25, facts([], { command: 'verify', verdict: 'PASS' })).state).toBe('NOT RUN');
  });

  it('lists the whole checklist in the guide order', () => {
    const states = checklistStates(facts([]));
    expect(states).toHaveLength(CHECKLIST.length);
    expect(states[0]?.item.text).toBe('Kubernetes 1.25+');
  });
});
