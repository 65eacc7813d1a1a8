import type { CanaryCommandDocument } from '../../gate/canary-step.ts';
import type { ExitCodeValue } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import { renderCanary } from '../render.ts';
import { runGateCommand, type CommandEnv } from '../run-command.ts';

/** Flags every command that judges a canary window takes. */
export interface AnalysisOptions {
  window?: string;
  end?: string;
  prometheus?: string;
  load?: string;
  scenario?: string[];
}

export interface CanaryOptions extends AnalysisOptions {
  step: string;
  apply?: boolean;
  rollbackOnFail?: boolean;
}

/**
 * `meshgate canary --step N`: the verdict for the current step, exit 0 / 1 / 2 (3: usage, a wrong
 * current step, or a query the backend rejects). `--apply` moves to N on PASS; `--rollback-on-fail`
 * runs the emergency rollback on FAIL.
 */
export function canary(opts: CanaryOptions, ce: CommandEnv): Promise<ExitCodeValue> {
  return runGateCommand<CanaryCommandDocument>(
    ce,
    'canary',
    (run, gate) => gate.canaryStep(run, { ...targetOf(ce.global, opts.scenario), ...opts }),
    renderCanary,
    { step: Number.isInteger(Number(opts.step)) ? Number(opts.step) : undefined },
  );
}
