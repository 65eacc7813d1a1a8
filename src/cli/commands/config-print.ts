import { stringify } from 'yaml';
import { loadGateProfile } from '../../gate/inputs.ts';
import { ExitCode, type ExitCodeValue } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import type { CommandEnv } from '../run-command.ts';

/** `meshgate config print`: the effective profile (defaults + file + flags/environment). */
export async function configPrint(ce: CommandEnv): Promise<ExitCodeValue> {
  const { profile, file } = await loadGateProfile(targetOf(ce.global), {}, ce.env);
  if (ce.global.output === 'json')
    ce.io.out(JSON.stringify({ source: file ?? 'defaults', profile }, null, 2) + '\n');
  else ce.io.out(`# effective profile (source: ${file ?? 'built-in defaults'})\n${stringify(profile)}`);
  return ExitCode.Pass;
}
