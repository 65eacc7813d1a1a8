import type { CheckResult } from '../../src/checks/types.ts';
import type { SuiteContext } from './context.ts';

/**
 * One check of a suite as data: id, title, and the body that fetches and checks. Kept free of
 * vitest so a test can run a suite's bodies in-process (the snapshot replay test does, against the
 * simulator, without booting vitest per scenario); `declareGates` turns them into vitest tests.
 */
export interface GateSpec {
  id: string;
  title: string;
  body: (ctx: SuiteContext) => Promise<CheckResult>;
}

export interface GateGroup {
  title: string;
  gates: GateSpec[];
}
