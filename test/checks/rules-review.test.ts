import { describe, expect, it } from 'vitest';
import type { AccessAttributes, RulesReview } from '../../src/cluster/types.ts';
import { decideFromRules, ruleAllows } from '../../src/checks/prereq/rules-review.ts';

const review = (rules: RulesReview['resourceRules'], incomplete = false): RulesReview => ({
  namespace: 'zamaz-mesh',
  resourceRules: rules,
  incomplete,
});
const list = (resource: string, group = ''): AccessAttributes => ({
  verb: 'list',
  group,
  resource,
  namespace: 'zamaz-mesh',
});
const exec: AccessAttributes = {
  verb: 'create',
  group: '',
  resource: 'pods',
  subresource: 'exec',
  namespace: 'zamaz-mesh',
};

describe('permissions from a SelfSubjectRulesReview', () => {
  it('matches verbs, groups and resources as RBAC does, wildcards included', () => {
    expect(ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, exec)).toBe(true);
    expect(ruleAllows({ verbs: ['list'], apiGroups: [''], resources: ['pods'] }, list('pods'))).toBe(true);
    expect(ruleAllows({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, list('pods'))).toBe(false);
    expect(ruleAllows({ verbs: ['list'], apiGroups: ['apps'], resources: ['pods'] }, list('pods'))).toBe(
      false,
    );
    // A subresource needs its own grant: "pods" does not open pods/exec.
    expect(ruleAllows({ verbs: ['create'], apiGroups: [''], resources: ['pods'] }, exec)).toBe(false);
    for (const r of ['pods/exec', 'pods/*', '*/exec'])
      expect(ruleAllows({ verbs: ['create'], apiGroups: [''], resources: [r] }, exec), r).toBe(true);
  });

  it('never reads a rule limited to named objects as a grant to list', () => {
    expect(
      ruleAllows(
        { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['istio'] },
        list('configmaps'),
      ),
    ).toBe(false);
  });

  it('settles allowed and denied on a complete review; an incomplete one settles only what it lists', () => {
    const rules = [{ verbs: ['list'], apiGroups: ['security.istio.io'], resources: ['peerauthentications'] }];
    expect(decideFromRules(review(rules), list('peerauthentications', 'security.istio.io'))).toBe(true);
    expect(decideFromRules(review(rules), list('pods'))).toBe(false);
    expect(decideFromRules(review(rules, true), list('peerauthentications', 'security.istio.io'))).toBe(true);
    expect(decideFromRules(review(rules, true), list('pods'))).toBeUndefined();
    // Another namespace's question, or a cluster-wide one, is not this review's to answer.
    expect(decideFromRules(review(rules), { ...list('pods'), namespace: 'other' })).toBeUndefined();
    expect(decideFromRules(review(rules), { verb: 'list', group: '', resource: 'nodes' })).toBeUndefined();
  });
});
