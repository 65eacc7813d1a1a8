import type { TrafficMoveDocument } from '../../gate/shift.ts';
import type { ExitCodeValue } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import { renderMove } from '../render.ts';
import { runGateCommand, type CommandEnv } from '../run-command.ts';
import type { AnalysisOptions } from './canary.ts';

export interface ShiftOptions extends AnalysisOptions {
  force?: boolean;
  dryRun?: boolean;
  /** `--no-verify` sets this false: skip the verification suites (the canary verdict still gates). */
  verify?: boolean;
  down?: boolean;
}

/** `meshgate shift N` and `complete`: one gated step up, or `--down` with no gate. */
export function shift(
  target: number,
  action: 'shift' | 'complete',
  opts: ShiftOptions,
  ce: CommandEnv,
): Promise<ExitCodeValue> {
  return runGateCommand<TrafficMoveDocument>(
    ce,
    action,
    (run, gate) => gate.shift(run, { ...targetOf(ce.global, opts.scenario), ...opts, target, action }),
    renderMove,
    { step: target },
  );
}
