import type { MonitorDocument } from '../../gate/monitor.ts';
import type { ExitCodeValue } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import { renderMonitor } from '../render.ts';
import { runGateCommand, type CommandEnv } from '../run-command.ts';
import type { AnalysisOptions } from './canary.ts';

export interface MonitorOptions extends AnalysisOptions {
  duration?: string;
  interval?: string;
}

/** `meshgate monitor`: the canary verdict every interval; exit 1 early when the failure budget is spent. */
export function monitor(opts: MonitorOptions, ce: CommandEnv): Promise<ExitCodeValue> {
  return runGateCommand<MonitorDocument>(
    ce,
    'monitor',
    (run, gate) => gate.monitor(run, { ...targetOf(ce.global, opts.scenario), ...opts }),
    renderMonitor,
  );
}
