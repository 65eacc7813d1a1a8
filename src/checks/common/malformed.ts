import type { Profile } from '../../profile/index.ts';
import type { CheckResult, Finding } from '../types.ts';

/**
 * A custom resource the cluster layer could not read as Istio defines it (a mistyped field, an empty
 * route element): `object` is `Kind/namespace/name`, `problems` "field: problem" lines. The cluster
 * layer hands these over beside the well-formed objects (ClusterClient.listChecked).
 */
export interface Malformed {
  object: string;
  namespace?: string | undefined;
  problems: string[];
}

/** The namespaces whose objects the profile is about: its namespaces and Istio's root namespace. */
export function profileNamespaces(profile: Profile): Set<string> {
  return new Set([...Object.values(profile.namespaces), profile.istio.rootNamespace]);
}

function kindOf(m: Malformed): string {
  return m.object.split('/')[0] ?? '';
}

/** The finding for a malformed object: could not be read, so neither passed nor failed. */
export function malformedFinding(m: Malformed): Finding {
  const [kind = '', ns = '', name = ''] = m.object.split('/');
  const field = m.problems[0]?.split(':')[0];
  return {
    object: m.object,
    message: `cannot read ${m.object} (${m.problems.slice(0, 3).join('; ')}): the object does not have the shape Istio defines, so meshgate does not guess what it means; the rest of this check still ran`,
    hint: `correct the field named above (kubectl -n ${ns} edit ${kind.toLowerCase()} ${name}), so it has the type its CRD defines (istioctl validate -f shows what Istio rejects)`,
    ...(field ? { field } : {}),
  };
}

export interface MalformedSplit {
  /** Malformed objects in the profile's namespaces: an inconclusive finding each. */
  findings: Finding[];
  /** Elsewhere (another team's namespace): a note each, not this gate's business. */
  notes: string[];
}

/** Splits the malformed objects of the given kinds into in-scope findings and out-of-scope notes. */
export function splitMalformed(malformed: Malformed[], kinds: string[], profile: Profile): MalformedSplit {
  const scope = profileNamespaces(profile);
  const mine = malformed.filter((m) => kinds.includes(kindOf(m)));
  return {
    findings: mine.filter((m) => scope.has(m.namespace ?? '')).map(malformedFinding),
    notes: mine
      .filter((m) => !scope.has(m.namespace ?? ''))
      .map(
        (m) =>
          `note: ${m.object} cannot be read (${m.problems.slice(0, 2).join('; ')}); it is outside the profile's namespaces and was skipped`,
      ),
  };
}

/** The malformed entry for one object, if it is one. */
export function findMalformed(
  malformed: Malformed[],
  kind: string,
  name: string,
  namespace: string,
): Malformed | undefined {
  return malformed.find((m) => m.object === `${kind}/${namespace}/${name}`);
}

/**
 * One status from what a check saw: failures make it failed; otherwise findings it could not judge
 * (malformed or unreadable objects) make it inconclusive; otherwise passed.
 */
export function judged(failures: Finding[], unjudged: Finding[], ...details: string[]): CheckResult {
  const status = failures.length ? 'failed' : unjudged.length ? 'inconclusive' : 'passed';
  return { status, findings: [...failures, ...unjudged], details };
}

/**
 * Adds the malformed objects of `kinds` to a check's result: in-scope ones as findings (a pass
 * becomes inconclusive, a failure stays one), out-of-scope ones as notes.
 */
export function withMalformed(
  result: CheckResult,
  malformed: Malformed[],
  kinds: string[],
  profile: Profile,
): CheckResult {
  const { findings, notes } = splitMalformed(malformed, kinds, profile);
  if (findings.length === 0 && notes.length === 0) return result;
  const failures = result.status === 'failed' ? result.findings : [];
  const unjudged = result.status === 'failed' ? [] : result.findings;
  if (result.status === 'skipped') return { ...result, details: [...result.details, ...notes] };
  return judged(failures, [...unjudged, ...findings], ...result.details, ...notes);
}
