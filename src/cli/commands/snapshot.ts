import { takeSnapshot } from '../../gate/snapshot/index.ts';
import { loadProfile } from '../../profile/index.ts';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import { profileOverrides, type GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';

/** `meshgate snapshot --out DIR`: what the suites read, as a scenario `meshgate sim` can replay (src/gate/snapshot). */
export async function snapshot(out: string, global: GlobalOptions, io: Io): Promise<ExitCodeValue> {
  const { profile } = await loadProfile({ configPath: global.config, overrides: profileOverrides(global) });
  const result = await takeSnapshot({ kubeconfig: global.kubeconfig, context: global.context }, profile, out);
  if (result.error !== undefined) {
    io.err(`error: ${result.error}\n`);
    return ExitCode.Inconclusive;
  }
  io.out(
    `recorded ${result.objects} objects and ${result.answers} pod-proxy/exec answers into ${result.dir} (Secrets are never recorded; token-like values are redacted)\n`,
  );
  if (result.missing.length) {
    io.err(
      `could not record (the replay refuses these too, or answers "not recorded in the snapshot"):\n${result.missing.map((m) => `  - ${m}`).join('\n')}\n`,
    );
    return ExitCode.Inconclusive;
  }
  return ExitCode.Pass;
}
