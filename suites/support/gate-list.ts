import { describe } from 'vitest';
import type { SuiteName } from '../../src/report/types.ts';
import { gate } from './gate.ts';
import type { GateGroup } from './gate-spec.ts';

/** Declares a suite's checks, group by group, as vitest tests (see gate-spec.ts for why they are data). */
export function declareGates(suite: SuiteName, groups: GateGroup[]): void {
  for (const group of groups) {
    describe(group.title, () => {
      for (const g of group.gates) gate(suite, g.id, g.title, g.body);
    });
  }
}
