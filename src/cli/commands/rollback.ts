import type { TrafficMoveDocument } from '../../gate/shift.ts';
import type { ExitCodeValue } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import { renderMove } from '../render.ts';
import { runGateCommand, type CommandEnv } from '../run-command.ts';

export interface RollbackOptions {
  planned?: boolean;
  scenario?: string[];
}

/**
 * `meshgate rollback`: the guide's emergency rollback, or with --planned one step down. Never needs
 * a verdict or Prometheus; the canary flags are accepted and ignored.
 */
export function rollback(opts: RollbackOptions, ce: CommandEnv): Promise<ExitCodeValue> {
  return runGateCommand<TrafficMoveDocument>(
    ce,
    'rollback',
    (run, gate) => gate.rollback(run, { ...targetOf(ce.global, opts.scenario), planned: opts.planned }),
    renderMove,
  );
}
