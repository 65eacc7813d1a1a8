import type { GateReport } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import { renderVerify } from '../render.ts';
import { runGateCommand, type CommandEnv } from '../run-command.ts';
import type { ExitCodeValue } from '../../report/types.ts';

export interface VerifyOptions {
  scenario?: string[];
  probe?: boolean;
  allPods?: boolean;
  prometheus?: string;
  end?: string;
  window?: string;
}

/** `meshgate verify [suites...]`: the suites' checks (--engine), one gate report, the exit-code contract. */
export function verify(names: string[], opts: VerifyOptions, ce: CommandEnv): Promise<ExitCodeValue> {
  return runGateCommand<GateReport>(
    ce,
    'verify',
    (run, gate) =>
      gate.verify(run, {
        ...targetOf(ce.global, opts.scenario),
        suites: gate.parseSuites(names),
        probe: opts.probe,
        allPods: opts.allPods,
        prometheus: opts.prometheus,
        end: opts.end,
        window: opts.window,
      }),
    renderVerify,
  );
}
