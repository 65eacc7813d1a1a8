import type { TestStepDocument } from '../../gate/test-step.ts';
import type { ExitCodeValue } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import { renderTestStep } from '../render.ts';
import { runGateCommand, type CommandEnv } from '../run-command.ts';
import type { AnalysisOptions } from './canary.ts';

/** `meshgate test`: Step 7, the smoke run plus the security suite. */
export function testStep(opts: AnalysisOptions, ce: CommandEnv): Promise<ExitCodeValue> {
  return runGateCommand<TestStepDocument>(
    ce,
    'test',
    (run, gate) => gate.testStep(run, { ...targetOf(ce.global, opts.scenario), ...opts }),
    renderTestStep,
  );
}
