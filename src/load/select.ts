import { BuiltinRunner } from './builtin-runner.ts';
import { K6OperatorRunner } from './k6-operator-runner.ts';
import { K6Runner, findK6 } from './k6-runner.ts';
import { NoneRunner } from './none-runner.ts';
import type { Profile } from '../profile/index.ts';
import { LOAD_RUNNER_NAMES, type LoadRunner, type LoadRunnerName } from './types.ts';

export interface SelectRunnerOptions {
  profile?: Profile | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/**
 * The runner for `--load <name>`. `auto` picks k6 when an executable is found (profile, K6_BIN, PATH)
 * and the builtin driver otherwise.
 * @throws RangeError for an unknown name, listing the known ones.
 */
export async function selectRunner(
  name: LoadRunnerName | 'auto' | string,
  opts: SelectRunnerOptions = {},
): Promise<LoadRunner> {
  const env = opts.env ?? process.env;
  switch (name) {
    case 'auto': {
      const k6 = await findK6(opts.profile, env);
      return k6 ? new K6Runner({ binary: k6 }) : new BuiltinRunner();
    }
    case 'k6':
      return new K6Runner();
    case 'k6-operator':
      return new K6OperatorRunner();
    case 'builtin':
      return new BuiltinRunner();
    case 'none':
      return new NoneRunner();
    default:
      throw new RangeError(`--load ${name}: unknown load runner; use auto, ${LOAD_RUNNER_NAMES.join(', ')}`);
  }
}
