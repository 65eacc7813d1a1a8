import { stringify } from 'yaml';
import { loadProfile } from '../../profile/index.ts';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import { profileOverrides, type GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';

/** `meshgate config print`: the effective profile (defaults + file + flags/environment). */
export async function configPrint(global: GlobalOptions, io: Io): Promise<ExitCodeValue> {
  const { profile, file } = await loadProfile({
    configPath: global.config,
    overrides: profileOverrides(global),
  });
  if (global.output === 'json')
    io.out(JSON.stringify({ source: file ?? 'defaults', profile }, null, 2) + '\n');
  else io.out(`# effective profile (source: ${file ?? 'built-in defaults'})\n${stringify(profile)}`);
  return ExitCode.Pass;
}
