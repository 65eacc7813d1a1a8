import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { KubeconfigError } from '../cluster/index.ts';
import { ProfileError } from '../profile/index.ts';
import { ExitCode, VERIFY_SUITES, type ExitCodeValue, type SuiteName } from '../report/index.ts';
import { canary, type CanaryOptions } from './commands/canary.ts';
import { monitor, type MonitorOptions } from './commands/monitor.ts';
import { rollback, type RollbackOptions } from './commands/rollback.ts';
import { serveWebhook, type WebhookOptions } from './commands/serve-webhook.ts';
import { shift, type ShiftOptions } from './commands/shift.ts';
import { testStep } from './commands/smoke.ts';
import { configPrint } from './commands/config-print.ts';
import { sim } from './commands/sim.ts';
import { snapshot } from './commands/snapshot.ts';
import { report } from './commands/report.ts';
import { verify, type VerifyOptions } from './commands/verify.ts';
import { addGlobalOptions, readGlobalOptions } from './global-options.ts';
import { processIo, type Io } from './output.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function weightArg(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 100)
    throw new InvalidArgumentError('a whole percentage from 0 to 100');
  return n;
}

/** The flags of every command that judges a canary window. */
function addAnalysisFlags(cmd: Command, defaultLoad: string): void {
  cmd
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
    .option(
      '--load <runner>',
      'load during the step: auto (k6 if found, else builtin), k6, k6-operator, builtin, none',
      defaultLoad,
    )
    .option(
      '--scenario <dir>',
      'run against the built-in simulator serving this scenario (repeat to layer)',
      collect,
    );
}

/** Suites `verify` can run; `canary` only when named, since it needs Prometheus. */
const NAMED_SUITES: readonly SuiteName[] = [...VERIFY_SUITES, 'canary'];

function suiteList(names: string[]): SuiteName[] {
  if (names.length === 0) return [...VERIFY_SUITES];
  for (const n of names) {
    if (!(NAMED_SUITES as readonly string[]).includes(n)) {
      throw new InvalidArgumentError(`unknown suite "${n}"; choose from ${NAMED_SUITES.join(', ')}`);
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
    .description(`run verification suites (${NAMED_SUITES.join(', ')}; default: ${VERIFY_SUITES.join(', ')})`)
    .argument('[suites...]', 'suites to run')
    .option(
      '--scenario <dir>',
      'run against the built-in simulator serving this scenario (repeat to layer)',
      collect,
    )
    .option('--probe', 'run active probes (security suite): creates and deletes a throwaway pod')
    .option('--prometheus <url>', 'canary suite: Prometheus base URL')
    .option('--end <time>', 'canary suite: end of the window (RFC 3339 or Unix seconds; default now)')
    .option('--window <duration>', 'canary suite: window length (default: since the last weight change)')
    .action(async (names: string[], opts: VerifyOptions, cmd: Command) => {
      result.code = await verify(suiteList(names), readGlobalOptions(cmd), opts, io);
    });

  program
    .command('canary')
    .description('judge the current traffic step from Prometheus metrics: PASS / FAIL / INCONCLUSIVE')
    .requiredOption(
      '--step <n>',
      'the step to gate (e.g. 25): the VirtualService must be at the step before it',
    )
    .option('--apply', 'on PASS, move the mesh weight to --step (audited, with optimistic concurrency)')
    .option('--rollback-on-fail', 'on FAIL, run the emergency rollback')
    .action(async (opts: CanaryOptions, cmd: Command) => {
      result.code = await canary(readGlobalOptions(cmd), opts, io);
    });

  program
    .command('shift')
    .description('move the mesh weight to <weight>, one step at a time, only when the gate passes')
    .argument('<weight>', 'target mesh weight in percent (a step of the profile, or 0)', weightArg)
    .option('--force', 'allow moving more than one step, or from a weight that is not a step')
    .option('--dry-run', 'run the gate and print the patch without writing it')
    .option('--no-verify', 'skip the verification suites (the canary verdict still gates)')
    .action(async (weight: number, opts: ShiftOptions, cmd: Command) => {
      result.code = await shift(readGlobalOptions(cmd), weight, opts, io);
    });

  program
    .command('complete')
    .description('send 100 % to the mesh, only from the last step before it and with a passing verdict')
    .option('--dry-run', 'run the gate and print the patch without writing it')
    .option('--no-verify', 'skip the verification suites (the canary verdict still gates)')
    .action(async (opts: ShiftOptions, cmd: Command) => {
      result.code = await shift(readGlobalOptions(cmd), 100, { ...opts, action: 'complete' }, io);
    });

  program
    .command('monitor')
    .description('re-evaluate the canary verdict every interval; stop early when failures exhaust the budget')
    .option('--duration <d>', 'how long to watch (default: traffic.monitorWindow, 30m)')
    .option('--interval <d>', 'time between evaluations (default: traffic.monitorInterval, 1m)')
    .action(async (opts: MonitorOptions, cmd: Command) => {
      result.code = await monitor(readGlobalOptions(cmd), opts, io, signal);
    });

  program
    .command('rollback')
    .description(
      'emergency rollback: all traffic to legacy, mesh Deployments scaled to 0 (no verdict needed)',
    )
    .option('--planned', 'step down one step instead')
    .option('--scenario <dir>', 'run against the built-in simulator serving this scenario', collect)
    .action(async (opts: RollbackOptions, cmd: Command) => {
      result.code = await rollback(readGlobalOptions(cmd), opts, io);
    });

  program
    .command('test')
    .description("the guide's Step 7: smoke run against the mesh services directly, plus the security suite")
    .action(async (opts: { load: string; scenario?: string[] }, cmd: Command) => {
      result.code = await testStep(readGlobalOptions(cmd), opts, io);
    });

  program
    .command('serve-webhook')
    .description(
      'answer Flagger webhook calls with the canary verdict (200 PASS, 412 FAIL, 503 INCONCLUSIVE)',
    )
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .action(async (opts: WebhookOptions, cmd: Command) => {
      result.code = await serveWebhook(readGlobalOptions(cmd), opts, io, signal);
    });

  for (const name of ['canary', 'shift', 'complete', 'monitor', 'test', 'serve-webhook']) {
    const cmd = program.commands.find((c) => c.name() === name);
    if (cmd) addAnalysisFlags(cmd, name === 'monitor' || name === 'serve-webhook' ? 'none' : 'auto');
  }

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
    .option('--request-log <file>', 'append every answered request to this file as a JSON line')
    .action(async (opts: Parameters<typeof sim>[0]) => {
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
