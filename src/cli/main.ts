import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { KubeconfigError } from '../cluster/index.ts';
import { ProfileError } from '../profile/index.ts';
import { ExitCode, VERIFY_SUITES, type ExitCodeValue, type SuiteName } from '../report/index.ts';
import { canary, type CanaryOptions } from './commands/canary.ts';
import { configPrint } from './commands/config-print.ts';
import { sim } from './commands/sim.ts';
import { snapshot } from './commands/snapshot.ts';
import { report } from './commands/report.ts';
import { verify } from './commands/verify.ts';
import { addGlobalOptions, readGlobalOptions } from './global-options.ts';
import { processIo, type Io } from './output.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function suiteList(names: string[]): SuiteName[] {
  if (names.length === 0) return [...VERIFY_SUITES];
  for (const n of names) {
    if (!(VERIFY_SUITES as readonly string[]).includes(n)) {
      throw new InvalidArgumentError(`unknown suite "${n}"; choose from ${VERIFY_SUITES.join(', ')}`);
    }
  }
  return names as SuiteName[];
}

/** Builds the CLI; each action stores its exit code in `result.code`. */
export function buildProgram(io: Io, result: { code: ExitCodeValue }, signal: AbortSignal): Command {
  const program = addGlobalOptions(
    new Command('meshgate')
      .description('Verification gates and canary analysis for an Envoy → Istio + SPIRE migration')
      .version('0.1.0')
      .showHelpAfterError(),
  );
  program.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  program.exitOverride();

  program
    .command('verify')
    .description(`run verification suites (${VERIFY_SUITES.join(', ')}; default: all three)`)
    .argument('[suites...]', 'suites to run')
    .option(
      '--scenario <dir>',
      'run against the built-in simulator serving this scenario (repeat to layer)',
      collect,
    )
    .option('--probe', 'run active probes (security suite): creates and deletes a throwaway pod')
    .action(async (names: string[], opts: { scenario?: string[]; probe?: boolean }, cmd: Command) => {
      result.code = await verify(suiteList(names), readGlobalOptions(cmd), opts, io);
    });

  program
    .command('canary')
    .description('judge the current traffic step from Prometheus metrics: PASS / FAIL / INCONCLUSIVE')
    .requiredOption(
      '--step <n>',
      'the step to gate (e.g. 25): the VirtualService must be at the step before it',
    )
    .option(
      '--window <duration>',
      'analysis window ending at --end, e.g. 10m (default: since the last weight change)',
    )
    .option(
      '--end <time>',
      'end of the window: RFC 3339 (2026-11-29T10:30:00Z) or Unix seconds (default: now)',
    )
    .option(
      '--prometheus <url>',
      'Prometheus base URL (overrides prometheus.url and MESHGATE_PROMETHEUS_URL)',
    )
    .option('--load <runner>', 'load to generate during the step (none)', 'none')
    .option(
      '--scenario <dir>',
      'read the VirtualService from the built-in simulator serving this scenario',
      collect,
    )
    .action(async (opts: CanaryOptions, cmd: Command) => {
      result.code = await canary(readGlobalOptions(cmd), opts, io);
    });

  const config = program.command('config').description('inspect the migration profile');
  config
    .command('print')
    .description('show the effective profile (defaults + file + flags/environment)')
    .action(async (_opts: unknown, cmd: Command) => {
      result.code = await configPrint(readGlobalOptions(cmd), io);
    });

  program
    .command('sim')
    .description('serve a scenario as a Kubernetes API server until interrupted')
    .requiredOption('--scenario <dir>', 'scenario directory (repeat to layer)', collect)
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig')
    .action(async (opts: { scenario: string[]; port?: string; kubeconfigOut?: string }) => {
      result.code = await sim(opts, io, signal);
    });

  program
    .command('snapshot')
    .description('record the objects the suites read into a scenario directory (never Secrets)')
    .requiredOption('--out <dir>', 'scenario directory to write')
    .action(async (opts: { out: string }, cmd: Command) => {
      result.code = await snapshot(opts.out, readGlobalOptions(cmd), io);
    });

  program
    .command('report')
    .description('turn Allure results under --report-dir into an HTML report')
    .addOption(new Option('--single-file', 'write one self-contained HTML file'))
    .action(async (opts: { singleFile?: boolean }, cmd: Command) => {
      result.code = await report(readGlobalOptions(cmd), opts, io);
    });

  return program;
}

/** Runs the CLI and returns the exit code of the contract: 0 pass, 1 fail, 2 inconclusive, 3 usage. */
export async function main(argv: string[], io: Io = processIo): Promise<ExitCodeValue> {
  const result: { code: ExitCodeValue } = { code: ExitCode.Pass };
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await buildProgram(io, result, abort.signal).parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
        ? ExitCode.Pass
        : ExitCode.Usage;
    }
    if (err instanceof ProfileError || err instanceof KubeconfigError) {
      io.err(`error: ${err.message}\n`);
      return ExitCode.Usage;
    }
    io.err(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return ExitCode.Inconclusive;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
