import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { podPhase } from '../common/containers.ts';
import {
  formatSelector,
  matchesSelector,
  readSelector,
  type LabelSelector,
} from '../common/label-selector.ts';
import { isRec, labelsOf, rec, recs, str, strs } from '../common/narrow.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { runningPods } from './mesh-pods.ts';
import { noPodsToCheck } from '../common/no-pods.ts';

interface Policy {
  ref: string;
  name: string;
  namespace: string;
  action: string;
  selector?: LabelSelector;
  targeted: boolean;
  /** undefined: no `rules` field. */
  rules: Record<string, unknown>[] | undefined;
}

function readPolicy(obj: KubeObject): Policy {
  const spec = rec(obj.spec);
  const sel = isRec(spec.selector) ? readSelector(spec.selector) : undefined;
  return {
    ref: objectName('AuthorizationPolicy', obj.metadata.name, obj.metadata.namespace),
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? '',
    // Missing action = ALLOW.
    action: str(spec.action) ?? 'ALLOW',
    ...(sel && Object.keys(sel.matchLabels ?? {}).length > 0 ? { selector: sel } : {}),
    targeted: spec.targetRef !== undefined || (Array.isArray(spec.targetRefs) && spec.targetRefs.length > 0),
    rules: Array.isArray(spec.rules) ? recs(spec.rules) : undefined,
  };
}

/** Whether a policy applies to the mesh namespace at all: its own namespace, or the root (mesh-wide). */
function appliesToMesh(p: Policy, profile: Profile): boolean {
  return p.namespace === profile.namespaces.mesh || p.namespace === profile.istio.rootNamespace;
}

/** A rule with nothing in it (`{}`), or only empty sources/operations: it matches every request. */
export function matchesEverything(rule: Record<string, unknown>): boolean {
  const empty = (list: unknown, key: string) =>
    recs(list).every((entry) => Object.keys(rec(entry[key])).length === 0);
  return empty(rule.from, 'source') && empty(rule.to, 'operation') && recs(rule.when).length === 0;
}

/** ALLOW (or no action), no selector and no targetRef, no rules: denies every request it covers. */
function isDenyAll(p: Policy): boolean {
  return (
    p.action === 'ALLOW' && !p.selector && !p.targeted && (p.rules === undefined || p.rules.length === 0)
  );
}

/**
 * Deny-by-default: a deny-all AuthorizationPolicy covers the mesh namespace (from it or from the
 * root namespace), and no ALLOW policy with a match-everything rule (`rules: [{}]`) undoes it.
 */
export function checkDenyByDefault(policies: KubeObject[], profile: Profile): CheckResult {
  const mesh = profile.namespaces.mesh;
  const relevant = policies.map(readPolicy).filter((p) => appliesToMesh(p, profile));
  const findings: Finding[] = [];
  const details: string[] = [];
  const denyAll = relevant.filter(isDenyAll);
  if (denyAll.length) {
    details.push(`deny-all: ${denyAll.map((p) => p.ref).join(', ')}`);
  } else {
    const noEffect = relevant.filter(
      (p) => p.action === 'DENY' && !p.selector && (p.rules ?? []).length === 0,
    );
    findings.push({
      object: objectName('Namespace', mesh),
      message:
        `no deny-all AuthorizationPolicy (no selector, action ALLOW or absent, no rules) applies to ${mesh}: requests no policy mentions are allowed` +
        (noEffect.length
          ? `; ${noEffect.map((p) => p.ref).join(', ')} has action DENY and no rules, which has no effect`
          : ''),
      hint: `kubectl apply -f - <<< '{"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"deny-all","namespace":"${mesh}"},"spec":{}}'`,
    });
  }
  for (const p of relevant.filter((x) => x.action === 'ALLOW')) {
    const idx = (p.rules ?? []).findIndex(matchesEverything);
    if (idx < 0) continue;
    const scope = p.selector
      ? `every request to the pods matching ${formatSelector(p.selector)}`
      : p.namespace === profile.istio.rootNamespace
        ? 'every request in the whole mesh'
        : `every request in ${p.namespace}`;
    findings.push({
      object: p.ref,
      message: `${p.ref} has a rule that matches everything (rules[${idx}] is empty): it allows ${scope} and cancels the default deny`,
      hint: `give rules[${idx}] a from/to (principals, ports, paths), or delete it: kubectl -n ${p.namespace} delete authorizationpolicy ${p.name}`,
      field: `spec.rules[${idx}]`,
      expected: 'a rule naming sources and operations',
      actual: '{}',
    });
  }
  return failed(findings, ...details);
}

const PRINCIPAL = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

function describeRule(rule: Record<string, unknown>): string {
  const sources = recs(rule.from).map((f) => rec(f.source));
  const ops = recs(rule.to).map((t) => rec(t.operation));
  const from = sources.length
    ? sources
        .map(
          (s) =>
            [
              ...strs(s.principals),
              ...strs(s.namespaces).map((n) => `namespace ${n}`),
              ...strs(s.ipBlocks).map((n) => `ip ${n}`),
              ...strs(s.requestPrincipals).map((n) => `jwt ${n}`),
            ].join(' | ') || 'anyone',
        )
        .join(' or ')
    : 'anyone';
  const to = ops.length
    ? ops
        .map((o) => {
          const parts = [
            strs(o.methods).length ? `methods ${strs(o.methods).join(',')}` : '',
            strs(o.ports).length ? `ports ${strs(o.ports).join(',')}` : '',
            strs(o.paths).length ? `paths ${strs(o.paths).join(',')}` : '',
            strs(o.hosts).length ? `hosts ${strs(o.hosts).join(',')}` : '',
          ].filter(Boolean);
          return parts.join(' ') || 'any operation';
        })
        .join(' or ')
    : 'any operation';
  return `from ${from} to ${to}${recs(rule.when).length ? ' (with conditions)' : ''}`;
}

/**
 * Running pods a policy's selector is matched against: those of its own namespace, or of every
 * namespace for a policy in the root namespace (Istio applies those mesh-wide).
 */
function selectedPods(p: Policy, pods: KubeObject[], root: string): KubeObject[] {
  if (!p.selector) return [];
  const sel = p.selector;
  const scope =
    p.namespace === root ? pods.filter((pod) => podPhase(pod) === 'Running') : runningPods(pods, p.namespace);
  return scope.filter((pod) => matchesSelector(sel, labelsOf(pod.metadata.labels)));
}

/** What a policy that selects nothing fails to do, by action (ALLOW without rules is a workload deny-all). */
function lostEffect(p: Policy): string {
  switch (p.action) {
    case 'ALLOW':
      return (p.rules ?? []).length > 0
        ? 'the flow it is meant to allow stays denied'
        : 'it was meant to deny every request to those pods and denies none';
    case 'DENY':
      return 'the requests it is meant to deny are not denied';
    case 'CUSTOM':
      return 'its external authorizer is never asked';
    default:
      return `its ${p.action} rules apply to nothing`;
  }
}

/**
 * istioctl's IST0127 (NoMatchingWorkloadsFound), for every action: a selector that matches no
 * running pod. istioctl counts pods in any phase; only running ones take traffic, so we are stricter.
 */
function noWorkloadFinding(p: Policy, pods: KubeObject[], root: string): Finding | undefined {
  if (!p.selector) {
    // No selector: the whole namespace, which must run something (the root namespace: the whole mesh).
    if (p.targeted || p.namespace === root || runningPods(pods, p.namespace).length > 0) return undefined;
    return {
      object: p.ref,
      message: `${p.ref} has no selector, so it applies to every workload in ${p.namespace}, and no pod runs there: ${lostEffect(p)} (istioctl analyze: IST0127 NoMatchingWorkloadsFound)`,
      hint: `move it to the namespace of the workloads it is for, or delete it: kubectl -n ${p.namespace} delete authorizationpolicy ${p.name}`,
      field: 'metadata.namespace',
      expected: 'a namespace with running workloads',
      actual: p.namespace,
    };
  }
  if (selectedPods(p, pods, root).length > 0) return undefined;
  const sel = formatSelector(p.selector);
  const where = p.namespace === root ? 'any namespace' : p.namespace;
  return {
    object: p.ref,
    message: `${p.ref} selects ${sel}, which matches no running pod in ${where}: ${lostEffect(p)} (istioctl analyze: IST0127 NoMatchingWorkloadsFound)`,
    hint: `set spec.selector.matchLabels to the labels of the workload it is for (${p.namespace === root ? 'kubectl get pods -A --show-labels' : `kubectl -n ${p.namespace} get pods --show-labels`}), or delete it: kubectl -n ${p.namespace} delete authorizationpolicy ${p.name}`,
    field: 'spec.selector.matchLabels',
    expected: 'the labels of a running pod',
    actual: sel,
  };
}

/**
 * Whether the allow-policies check needs every pod of the cluster rather than the mesh namespace's:
 * only when a root-namespace policy has a selector, so the usual run stays within the namespaces.
 */
export function needsAllPods(policies: KubeObject[], profile: Profile): boolean {
  return policies
    .map(readPolicy)
    .some((p) => p.namespace === profile.istio.rootNamespace && p.selector !== undefined);
}

/**
 * Every AuthorizationPolicy given selects running pods (IST0127: by its selector, or, without one,
 * some pod of its namespace; for a policy in the root namespace, pods anywhere, so `pods` must then
 * be all of them: see `needsAllPods`), and
 * every ALLOW policy's principals are `<trustDomain>/ns/<ns>/sa/<sa>` of existing ServiceAccounts (a
 * principal from another trust domain never matches, so the flow it meant to allow is silently
 * denied). The details say what each ALLOW policy opens.
 */
export function checkAllowPolicies(
  policies: KubeObject[],
  pods: KubeObject[],
  serviceAccounts: KubeObject[],
  profile: Profile,
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const td = profile.trustDomain;
  const root = profile.istio.rootNamespace;
  const sas = new Set(serviceAccounts.map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.name}`));
  // Nothing deployed in the mesh namespace yet: whether its policies select anything says nothing.
  if (runningPods(pods, mesh).length === 0) return noPodsToCheck(mesh);
  const all = policies.map(readPolicy);
  const relevant = all.filter((p) => appliesToMesh(p, profile));
  const findings: Finding[] = all.flatMap((p) => noWorkloadFinding(p, pods, root) ?? []);
  const details: string[] = [];
  const allow = relevant.filter((p) => p.action === 'ALLOW' && (p.rules ?? []).length > 0);
  for (const p of allow) {
    const target = p.selector
      ? `${formatSelector(p.selector)} (${selectedPods(p, pods, root).length} pods)`
      : `all workloads in ${p.namespace === mesh ? mesh : 'the mesh'}`;
    (p.rules ?? []).forEach((rule) => details.push(`${p.ref} opens ${target} ${describeRule(rule)}`));
    (p.rules ?? []).forEach((rule, r) =>
      recs(rule.from).forEach((f) => {
        const source = rec(f.source);
        for (const key of ['principals', 'notPrincipals'] as const) {
          for (const principal of strs(source[key])) {
            const problem = principalProblem(principal, td, sas);
            if (!problem) continue;
            findings.push({
              object: p.ref,
              message: `${p.ref} rules[${r}] names ${key === 'principals' ? 'principal' : 'notPrincipal'} ${principal}: ${problem.message}`,
              hint: problem.hint,
              field: `spec.rules[${r}].from.source.${key}`,
              expected: problem.expected,
              actual: principal,
            });
          }
        }
      }),
    );
  }
  if (allow.length === 0)
    details.push(
      `no ALLOW policy with rules applies to ${mesh}: with a deny-all in place, nothing can reach it`,
    );
  return failed(findings, ...details);
}

function principalProblem(
  principal: string,
  td: string,
  sas: Set<string>,
): { message: string; hint: string; expected: string } | undefined {
  if (principal === '*') return undefined;
  if (principal.startsWith('spiffe://')) {
    const bare = principal.slice('spiffe://'.length);
    return {
      message: 'Istio principals are written without spiffe://, so this never matches',
      hint: `write it as ${bare}`,
      expected: bare,
    };
  }
  const m = PRINCIPAL.exec(principal);
  if (!m) {
    return {
      message: `not of the form ${td}/ns/<namespace>/sa/<serviceaccount>`,
      hint: `name the caller's ServiceAccount: ${td}/ns/<namespace>/sa/<serviceaccount>`,
      expected: `${td}/ns/<namespace>/sa/<serviceaccount>`,
    };
  }
  const [, domain = '', ns = '', sa = ''] = m;
  if (domain !== td) {
    const fixed = `${td}/ns/${ns}/sa/${sa}`;
    return {
      message: `its trust domain ${domain} is not the mesh's ${td}: no workload presents this identity, so the rule never matches`,
      hint: `change it to ${fixed}`,
      expected: fixed,
    };
  }
  if (!sa.includes('*') && !ns.includes('*') && !sas.has(`${ns}/${sa}`)) {
    return {
      message: `ServiceAccount ${ns}/${sa} does not exist, so no workload presents this identity`,
      hint: `create the ServiceAccount or correct the name: kubectl -n ${ns} get serviceaccounts`,
      expected: 'an existing ServiceAccount',
    };
  }
  return undefined;
}

/** Namespaces whose ServiceAccounts the principals of these policies name (for the fetch). */
export function principalNamespaces(policies: KubeObject[]): string[] {
  const out = new Set<string>();
  for (const p of policies) {
    for (const rule of recs(rec(p.spec).rules)) {
      for (const f of recs(rule.from)) {
        const s = rec(f.source);
        for (const principal of [...strs(s.principals), ...strs(s.notPrincipals)]) {
          const ns = PRINCIPAL.exec(principal)?.[2];
          if (ns && !ns.includes('*')) out.add(ns);
        }
      }
    }
  }
  return [...out].sort();
}
