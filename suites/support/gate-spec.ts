import type { CheckResult } from '../../src/checks/types.ts';
import type { Attachment } from '../../src/report/evidence.ts';
import type { SuiteContext } from './context.ts';

/** Where a check puts what it saw, for the report's failure path (suites/support/evidence.ts). */
export interface EvidenceSink {
  /** Attached on the failure path only. */
  add(...attachments: (Attachment | readonly Attachment[])[]): void;
  /** Attached whatever the outcome. */
  keep(...attachments: Attachment[]): void;
}

/**
 * One check of a suite as data: id, title, and the body that fetches and checks. Kept free of
 * vitest so a test can run a suite's bodies in-process (the snapshot replay test does, against the
 * simulator, without booting vitest per scenario); `declareGates` turns them into vitest tests.
 */
export interface GateSpec {
  id: string;
  title: string;
  /** `evidence` is absent when the body runs without a report (the in-process replay of tests). */
  body: (ctx: SuiteContext, evidence?: EvidenceSink) => Promise<CheckResult>;
}

export interface GateGroup {
  title: string;
  gates: GateSpec[];
}
