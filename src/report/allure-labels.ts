import { CHECKLIST, checksOf, type ChecklistItem } from '../checklist/index.ts';

export interface AllureLabel {
  name: string;
  value: string;
}

/**
 * Checks whose failure alone stops a migration (Allure severity "blocker"): a pod without its
 * sidecar, mTLS that is not STRICT, no deny-by-default, and the canary's critical metrics (5xx ratio
 * and plaintext requests; src/canary marks them critical).
 */
export const BLOCKER_CHECKS: readonly string[] = [
  'mesh.app.sidecars',
  'security.mtls.strict',
  'security.authz.deny-by-default',
  'security.netpol.default-deny',
  'canary.error-ratio',
  'canary.mtls',
];

/** The canary's required (not critical) metrics and the security suite: "critical". */
function severityOf(checkId: string): 'blocker' | 'critical' | 'normal' {
  if (BLOCKER_CHECKS.includes(checkId)) return 'blocker';
  if (checkId.startsWith('canary.') || checkId.startsWith('security.')) return 'critical';
  return 'normal';
}

// Where a check "lives" for the report's tree: its first item in a migration step, else in the
// prerequisites, the security considerations, the appendix checklist, then the post-migration tasks.
const HOME_ORDER: ChecklistItem['group'][] = [
  'implementation',
  'pre-migration',
  'security',
  'appendix',
  'post-migration',
];

/** The checklist items a check verifies, in the guide's order. */
export function itemsOf(checkId: string): ChecklistItem[] {
  return CHECKLIST.filter((i) => checksOf(i.verifiedBy).includes(checkId));
}

/**
 * Allure labels mirroring the guide: epic = phase, feature = step, story = each checklist item the
 * check verifies, severity as above, plus the check id and suite for filtering.
 */
export function checkLabels(checkId: string, suite: string): AllureLabel[] {
  const items = itemsOf(checkId);
  const home = HOME_ORDER.map((g) => items.find((i) => i.group === g)).find((i) => i !== undefined);
  const labels: AllureLabel[] = [
    { name: 'epic', value: home?.epic ?? 'Not in the guide' },
    { name: 'feature', value: home?.feature ?? suite },
  ];
  for (const story of new Set(items.map((i) => i.text))) labels.push({ name: 'story', value: story });
  labels.push(
    { name: 'severity', value: severityOf(checkId) },
    { name: 'check', value: checkId },
    { name: 'tag', value: suite },
  );
  return labels;
}
