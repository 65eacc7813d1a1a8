// The command line: flags, one thin action per command (its implementation imported only when it
// runs, so `--version` and `config print` load neither client-node, vitest nor the simulator), the
// exit-code contract, signals, and one line per error (a JSON document with -o json).

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Interrupted, type InterruptCause } from '../core/cancel.ts';
import { ExitCode, VERIFY_SUITES, type ExitCodeValue } from '../report/types.ts';
import type { AnalysisOptions, CanaryOptions } from './commands/canary.ts';
import type { ConfigRbacOptions } from './commands/config-rbac.ts';
import type { MonitorOptions } from './commands/monitor.ts';
import type { ReportOptions } from './commands/report.ts';
import type { RollbackOptions } from './commands/rollback.ts';
import type { WebhookOptions } from './commands/serve-webhook.ts';
import type { ShiftOptions } from './commands/shift.ts';
import type { VerifyOptions } from './commands/verify.ts';
import { addGlobalOptions, readGlobalOptions, type GlobalOptions } from './global-options.ts';
import { MESHGATE_VERSION } from '../run/constants.ts';
import { addHelpTexts } from './help.ts';
import { processIo, type Io } from './output.ts';
import type { CommandEnv } from './run-command.ts';

export const VERSION = MESHGATE_VERSION;

/** A repeat of the first signal within this many ms is the same signal delivered twice (see onSignal). */
const DUPLICATE_SIGNAL_MS = 500;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function weightArg(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 100)
    throw new InvalidArgumentError('a whole percentage from 0 to 100');
  return n;
}

/** The flags of every command that judges a canary window. */
function addAnalysisFlags(cmd: Command, defaultLoad: string, note = ''): Command {
  return cmd
    .option(
      '--window <duration>',
      `${note}analysis window ending at --end, e.g. 10m (default: since the last weight change)`,
    )
    .option(
      '--end <time>',
      `${note}end of the window: RFC 3339 (2026-11-29T10:30:00Z) or Unix seconds (default: now)`,
    )
    .option(
      '--prometheus <url>',
      `${note}Prometheus base URL (overrides prometheus.url and MESHGATE_PROMETHEUS_URL)`,
    )
    .option(
      '--load <runner>',
      `${note}load during the step: auto (k6 if found, else builtin), k6, k6-operator, builtin, none`,
      defaultLoad,
    );
}

/** `--report` on every command that records a run (docs/reports.md). */
const reportFlag = (cmd: Command): Command =>
  cmd.option(
    '--report',
    "build the run's self-contained HTML report at the end (<report-dir>/runs/<run>/report.html)",
  );

const scenarioFlag = (cmd: Command): Command =>
  cmd.option(
    '--scenario <dir>',
    'run against the built-in simulator serving this scenario (repeat to layer)',
    collect,
  );

/** What `main` runs with; tests inject the signal and drive the CLI in-process. */
export interface MainOptions {
  /** Aborted with an Interrupted to stop the run, as SIGINT/SIGTERM do. */
  signal?: AbortSignal | undefined;
  /** Install SIGINT/SIGTERM handlers (default: when writing to the real process). */
  handleSignals?: boolean | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

/** Builds the CLI; each action stores its exit code in `result.code`. */
export function buildProgram(
  io: Io,
  result: { code: ExitCodeValue },
  signal: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = [],
): Command {
  const program = addGlobalOptions(
    new Command('meshgate')
      .description('Verification gates and canary analysis for an Envoy → Istio + SPIRE migration')
      .version(VERSION)
      .showHelpAfterError('(add --help for usage)'),
  );
  program.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  // Every command's help lists the global flags too (subcommands inherit this setting).
  program.configureHelp({ showGlobalOptions: true });
  program.exitOverride();
  const ce = (cmd: Command): CommandEnv => ({
    io,
    global: readGlobalOptions(cmd),
    signal,
    env,
    argv,
    report: cmd.opts<{ report?: boolean }>().report === true,
  });

  scenarioFlag(
    program
      .command('verify')
      .description(
        `run verification suites (prereq, mesh, security, canary; default: ${VERIFY_SUITES.join(', ')}); default --timeout 5m`,
      )
      .argument('[suites...]', 'suites to run'),
  )
    .option(
      '--report',
      "build the run's self-contained HTML report at the end (<report-dir>/runs/<run>/report.html)",
    )
    .option('--probe', 'run active probes (security suite): creates and deletes a throwaway pod')
    .option(
      '--all-pods',
      'read every pod, not one pod per ReplicaSet, for cluster limits and app health (mesh suite)',
    )
    .option(
      '--prometheus <url>',
      "Prometheus base URL: the canary suite's queries, and the mesh suite's Envoy breaker stats",
    )
    .option('--end <time>', 'canary suite: end of the window (RFC 3339 or Unix seconds; default now)')
    .option('--window <duration>', 'canary suite: window length (default: since the last weight change)')
    .action(async (names: string[], opts: VerifyOptions, cmd: Command) => {
      const { verify } = await import('./commands/verify.ts');
      result.code = await verify(names, opts, ce(cmd));
    });

  const canaryCmd = program
    .command('canary')
    .description(
      'judge the current traffic step from Prometheus metrics: PASS / FAIL / INCONCLUSIVE; default --timeout 2m + load',
    )
    .requiredOption(
      '--step <n>',
      'the step to gate (e.g. 25): the VirtualService must be at the step before it',
    )
    .option('--apply', 'on PASS, move the mesh weight to --step (audited, with optimistic concurrency)')
    .option('--rollback-on-fail', 'on FAIL, run the emergency rollback')
    .action(async (opts: CanaryOptions, cmd: Command) => {
      const { canary } = await import('./commands/canary.ts');
      result.code = await canary(opts, ce(cmd));
    });
  reportFlag(scenarioFlag(addAnalysisFlags(canaryCmd, 'auto')));

  const shiftCmd = program
    .command('shift')
    .description(
      'move the mesh weight one step up to <weight>, only when the gate passes (--down: down, no gate); default --timeout 5m + 2m + load + 1m',
    )
    .argument('<weight>', 'target mesh weight in percent (a step of the profile, or 0)', weightArg)
    .option('--force', 'allow moving more than one step up, or from a weight that is not a step')
    .option('--down', 'move down to <weight> with no gate (audited "no gate: moving down")')
    .option('--dry-run', 'run the gate and print the patch without writing it')
    .option('--no-verify', 'skip the verification suites (the canary verdict still gates)')
    .action(async (weight: number, opts: ShiftOptions, cmd: Command) => {
      const { shift } = await import('./commands/shift.ts');
      result.code = await shift(weight, 'shift', opts, ce(cmd));
    });
  reportFlag(scenarioFlag(addAnalysisFlags(shiftCmd, 'auto')));

  const completeCmd = program
    .command('complete')
    .description('send 100 % to the mesh, only from the last step before it and with a passing verdict')
    .option('--dry-run', 'run the gate and print the patch without writing it')
    .option('--no-verify', 'skip the verification suites (the canary verdict still gates)')
    .action(async (opts: ShiftOptions, cmd: Command) => {
      const { shift } = await import('./commands/shift.ts');
      result.code = await shift(100, 'complete', opts, ce(cmd));
    });
  reportFlag(scenarioFlag(addAnalysisFlags(completeCmd, 'auto')));

  const monitorCmd = program
    .command('monitor')
    .description(
      're-evaluate the canary verdict every interval; stop early when failures exhaust the budget; default --timeout duration + 2m',
    )
    .option('--duration <d>', 'how long to watch (default: traffic.monitorWindow, 30m)')
    .option('--interval <d>', 'time between evaluations (default: traffic.monitorInterval, 1m)')
    .action(async (opts: MonitorOptions, cmd: Command) => {
      const { monitor } = await import('./commands/monitor.ts');
      result.code = await monitor(opts, ce(cmd));
    });
  reportFlag(scenarioFlag(addAnalysisFlags(monitorCmd, 'none')));

  const rollbackCmd = program
    .command('rollback')
    .description(
      'emergency rollback: all traffic to legacy, mesh Deployments scaled to 0 (no verdict needed); default --timeout 2m',
    )
    .option('--planned', 'step down one step instead')
    .action(async (opts: RollbackOptions, cmd: Command) => {
      const { rollback } = await import('./commands/rollback.ts');
      result.code = await rollback(opts, ce(cmd));
    });
  // An emergency rollback never fails on a flag copied from a canary command: accepted, ignored.
  reportFlag(scenarioFlag(addAnalysisFlags(rollbackCmd, 'none', 'ignored (rollback needs no verdict): ')));
  rollbackCmd.addOption(new Option('--step <n>', 'ignored (rollback needs no verdict)').hideHelp());

  const testCmd = program
    .command('test')
    .description(
      "the guide's Step 7: smoke run against the mesh services directly, plus the security suite; default --timeout 6m",
    )
    .action(async (opts: AnalysisOptions, cmd: Command) => {
      const { testStep } = await import('./commands/test-step.ts');
      result.code = await testStep(opts, ce(cmd));
    });
  reportFlag(scenarioFlag(addAnalysisFlags(testCmd, 'auto')));

  const webhookCmd = program
    .command('serve-webhook')
    .description(
      'answer Flagger webhook calls with the canary verdict (200 PASS, 412 FAIL, 503 INCONCLUSIVE) until SIGINT/SIGTERM; --timeout is per call',
    )
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .action(async (opts: WebhookOptions, cmd: Command) => {
      const { serveWebhook } = await import('./commands/serve-webhook.ts');
      result.code = await serveWebhook(opts, ce(cmd));
    });
  scenarioFlag(addAnalysisFlags(webhookCmd, 'none'));

  const config = program.command('config').description('inspect the migration profile');
  config
    .command('print')
    .description('show the effective profile (defaults + file + flags/environment)')
    .action(async (_opts: unknown, cmd: Command) => {
      const { configPrint } = await import('./commands/config-print.ts');
      result.code = await configPrint(ce(cmd));
    });

  config
    .command('rbac')
    .description("print the RBAC manifests meshgate needs, for this profile's namespaces and objects")
    .option('--service-account <ns/name>', 'the identity to bind (default meshgate/meshgate)')
    .option('--roles <list>', 'roles: read, traffic, probe, load, canary (default read,traffic)')
    .action(async (opts: ConfigRbacOptions, cmd: Command) => {
      const { configRbac } = await import('./commands/config-rbac.ts');
      result.code = await configRbac(readGlobalOptions(cmd), opts, io);
    });

  program
    .command('sim')
    .description('serve a scenario as a Kubernetes API server until interrupted')
    .requiredOption('--scenario <dir>', 'scenario directory (repeat to layer)', collect)
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig')
    .option('--request-log <file>', 'append every answered request to this file as a JSON line')
    .action(
      async (opts: { scenario: string[]; port?: string; kubeconfigOut?: string; requestLog?: string }) => {
        const { sim } = await import('./commands/sim.ts');
        result.code = await sim(opts, io, signal);
      },
    );

  program
    .command('snapshot')
    .description('record the objects the suites read into a scenario directory (never Secrets)')
    .requiredOption('--out <dir>', 'scenario directory to write')
    .action(async (opts: { out: string }, cmd: Command) => {
      const { snapshot } = await import('./commands/snapshot.ts');
      result.code = await snapshot(opts.out, readGlobalOptions(cmd), io);
    });

  program
    .command('report')
    .description("build a run's self-contained HTML report (reports/runs/<run>/report.html)")
    .argument('[run]', 'latest (default), a run id under <report-dir>/runs, or a run directory')
    .option('--history <n>', 'add the trend of the N earlier runs of the same command')
    .addOption(new Option('--single-file', 'one self-contained HTML file (always on; kept for old scripts)'))
    .action(async (run: string | undefined, opts: ReportOptions, cmd: Command) => {
      const { report } = await import('./commands/report.ts');
      result.code = await report(readGlobalOptions(cmd), run, opts, io);
    });

  program
    .command('completion')
    .description('print a shell completion script for bash or zsh (generated from these commands)')
    .argument('<shell>', 'bash or zsh')
    .action(async (shell: string) => {
      const { completionScript, SHELLS } = await import('./completion.ts');
      if (!(SHELLS as readonly string[]).includes(shell)) {
        io.err(`error: completion for "${shell}": meshgate completes ${SHELLS.join(' and ')}\n`);
        result.code = ExitCode.Usage;
        return;
      }
      io.out(completionScript(program, shell as (typeof SHELLS)[number]));
    });

  addHelpTexts(program);
  return program;
}

/** `-o json` as the user typed it, read before parsing so even a parse error prints JSON. */
export function wantsJson(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if ((a === '-o' || a === '--output') && argv[i + 1] === 'json') return true;
    if (a === '-ojson' || a === '--output=json') return true;
  }
  return false;
}

const wantsDebug = (argv: readonly string[]): boolean => argv.includes('--debug');

/** The flag a commander error is about, when its message names one. */
function commanderSource(err: CommanderError): string {
  return /'(--?[\w-]+)/.exec(err.message)?.[1] ?? /(--[\w-]+)/.exec(err.message)?.[1] ?? 'command line';
}

/** `{verdict: "ERROR", error: {message, source}}`: the -o json form of any error (docs/output.md). */
export function errorDocument(message: string, source: string, exitCode: number): string {
  return `${JSON.stringify(
    { schema: 'meshgate.dev/error/v1', verdict: 'ERROR', exitCode, error: { message, source } },
    null,
    2,
  )}\n`;
}

/**
 * Runs the CLI and returns the exit code of the contract: 0 pass, 1 fail, 2 inconclusive, 3 usage,
 * 130 / 143 stopped by SIGINT / SIGTERM. Never exits the process itself, except on a second signal.
 */
export async function main(
  argv: string[],
  io: Io = processIo,
  opts: MainOptions = {},
): Promise<ExitCodeValue> {
  const result: { code: ExitCodeValue } = { code: ExitCode.Pass };
  const json = wantsJson(argv);
  const debug = wantsDebug(argv);
  const abort = new AbortController();
  const parent = opts.signal;
  const onParent = (): void => abort.abort(Interrupted.from(parent));
  if (parent?.aborted) onParent();
  parent?.addEventListener('abort', onParent, { once: true });

  const handleSignals = opts.handleSignals ?? io === processIo;
  let signals = 0;
  let first: { sig: NodeJS.Signals; at: number } | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    // One Ctrl-C or cancellation often arrives twice within milliseconds: `timeout` and terminals signal
    // the whole process group and `npx`/`npm run` forward it to us as well. A repeat of the same signal
    // that close to the first is that one signal, not a user insisting.
    const now = Date.now();
    if (first && first.sig === sig && now - first.at < DUPLICATE_SIGNAL_MS) return;
    first ??= { sig, at: now };
    signals++;
    const code = sig === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated;
    if (signals > 1) {
      io.err(`meshgate: second ${sig}: exiting at once\n`);
      process.exit(code);
    }
    io.err(`meshgate: ${sig}: stopping (no cluster write starts from now); send it again to exit at once\n`);
    abort.abort(new Interrupted(sig as InterruptCause));
  };
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const fail = (message: string, source: string, code: ExitCodeValue, err?: unknown): ExitCodeValue => {
    if (json) io.out(errorDocument(message, source, code));
    io.err(`error: ${message}\n`);
    if (debug && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    return code;
  };

  try {
    const program = buildProgram(io, result, abort.signal, opts.env ?? process.env, argv);
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return ExitCode.Pass;
      // Commander printed its message (and the help hint) already in text mode.
      const message = err.message.replace(/^error: /, '');
      if (json) io.out(errorDocument(message, commanderSource(err), ExitCode.Usage));
      return ExitCode.Usage;
    }
    const { classifyError } = await import('../gate/errors.ts');
    const c = classifyError(err);
    if (c.kind === 'usage') return fail(c.message, c.source, ExitCode.Usage, err);
    if (c.kind === 'interrupted') {
      const i = err as Interrupted;
      const code =
        i.trigger === 'SIGINT'
          ? ExitCode.Interrupted
          : i.trigger === 'SIGTERM'
            ? ExitCode.Terminated
            : ExitCode.Inconclusive;
      return fail(c.message, c.source, code, err);
    }
    return fail(
      `${c.message} (a meshgate bug: run again with --debug for the stack trace and report it)`,
      c.source,
      ExitCode.Inconclusive,
      err,
    );
  } finally {
    parent?.removeEventListener('abort', onParent);
    if (handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

export type { GlobalOptions };
