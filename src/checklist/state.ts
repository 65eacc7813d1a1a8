import type { CheckStatus } from '../checks/types.ts';
import { CHECKLIST, checksOf, type ChecklistItem } from './coverage.ts';

/**
 * The state of a checklist item in one run. PARTIAL: every check of the item that ran passed, but
 * some did not run (another suite); NOT RUN: none ran. Neither is ever shown as passed.
 */
export type ItemState = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'PARTIAL' | 'SKIPPED' | 'NOT RUN' | 'MANUAL';

export interface ItemStatus {
  item: ChecklistItem;
  state: ItemState;
  /** Why, in one line: the failing checks, the gate verdict, the reason it is manual. */
  note: string;
}

/** What a run established, as far as the checklist is concerned. */
export interface RunFacts {
  /** The command that ran: verify, canary, shift, complete, test, monitor, rollback, serve-webhook. */
  command: string;
  /** The traffic step the command gated, if any. */
  step?: number | undefined;
  verdict: 'PASS' | 'FAIL' | 'INCONCLUSIVE';
  checks: readonly { id: string; status: CheckStatus }[];
}

/** Commands whose verdict is the gate of a `gate` item: canary and shift judge the same canary. */
function gateMatches(v: Extract<ChecklistItem['verifiedBy'], { kind: 'gate' }>, facts: RunFacts): boolean {
  const command =
    facts.command === 'shift' && facts.step === 100
      ? 'complete'
      : facts.command === 'shift'
        ? 'canary'
        : facts.command;
  if (command !== v.command) return false;
  return v.step === undefined || v.step === facts.step;
}

function fromChecks(ids: readonly string[], facts: RunFacts): { state: ItemState; note: string } {
  const byId = new Map(facts.checks.map((c) => [c.id, c.status]));
  const ran = ids.filter((id) => byId.has(id));
  const missing = ids.filter((id) => !byId.has(id));
  const having = (s: CheckStatus) => ran.filter((id) => byId.get(id) === s);
  if (ran.length === 0) return { state: 'NOT RUN', note: `checked by ${ids.join(', ')}: not in this run` };
  if (having('failed').length) return { state: 'FAIL', note: `failed: ${having('failed').join(', ')}` };
  if (having('inconclusive').length)
    return { state: 'INCONCLUSIVE', note: `could not be verified: ${having('inconclusive').join(', ')}` };
  if (having('skipped').length === ran.length)
    return { state: 'SKIPPED', note: `skipped: ${having('skipped').join(', ')}` };
  if (missing.length)
    return {
      state: 'PARTIAL',
      note: `${having('passed').join(', ')} passed; not in this run: ${missing.join(', ')}`,
    };
  const skippedOnes = having('skipped');
  return {
    state: 'PASS',
    note: `passed: ${having('passed').join(', ')}${skippedOnes.length ? `; skipped: ${skippedOnes.join(', ')}` : ''}`,
  };
}

export function itemStatus(item: ChecklistItem, facts: RunFacts): ItemStatus {
  const v = item.verifiedBy;
  switch (v.kind) {
    case 'manual':
      return { item, state: 'MANUAL', note: v.why };
    case 'checks':
    case 'attestation':
      return { item, ...fromChecks(checksOf(v), facts) };
    case 'gate': {
      const what = `meshgate ${v.command}${v.step !== undefined ? ` (step ${v.step} %)` : ''}`;
      if (!gateMatches(v, facts))
        return { item, state: 'NOT RUN', note: `the gate is ${what}: not this run` };
      const checked = fromChecks(v.checks, facts);
      return {
        item,
        state: facts.verdict,
        note: `gate verdict of ${what}: ${facts.verdict}${checked.state !== 'NOT RUN' ? `; ${checked.note}` : ''}`,
      };
    }
  }
}

/** The whole checklist, in the guide's order, with each item's state in this run. */
export function checklistStates(facts: RunFacts, items: readonly ChecklistItem[] = CHECKLIST): ItemStatus[] {
  return items.map((item) => itemStatus(item, facts));
}
