// `npm run demo [-- flags]`: the guide's Phase 4 end to end on one machine. See demo/README.md.
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RunController, requireDuration } from '../src/core/index.ts';
import { defaultProfile } from '../src/profile/index.ts';
import { interruptedExitCode, runDemo } from './driver.ts';
import { FAULT_NAMES, type FaultName } from './faults.ts';
import { ROOT } from './world.ts';

/** Below this the latency judge cannot get its 5 per-interval samples from one monitor window. */
const MIN_WINDOW_MS = 10_000;

function windowArg(text: string): number {
  let ms: number;
  try {
    ms = requireDuration(text, '--window', { minMs: MIN_WINDOW_MS });
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (ms % 1000 !== 0) throw new InvalidArgumentError('--window: whole seconds, e.g. 30s or 1m');
  return ms;
}

function positive(what: string, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0 || n > max)
      throw new InvalidArgumentError(`${what}: a number above 0, at most ${max}`);
    return n;
  };
}

const steps = defaultProfile.traffic.steps;
/** A fault can start at any step the canary still gates (not at 100 %, which has no baseline left). */
const FAULT_STEPS = steps.filter((s) => s < 100);

function atArg(text: string): number {
  const n = Number(text);
  if (!FAULT_STEPS.includes(n)) throw new InvalidArgumentError(`one of the steps ${FAULT_STEPS.join(', ')}`);
  return n;
}

interface Flags {
  window: number;
  rate: number;
  inject?: FaultName;
  at: number;
  detect: number;
  verify: boolean;
  trafficOnly?: boolean;
  patience: number;
  reportDir?: string;
  color: boolean;
}

function program(): Command {
  return new Command('npm run demo --')
    .description(
      "The migration guide's Phase 4 on one machine: meshgate moves traffic from stand-ins of the legacy " +
        'deployment to stand-ins of the mesh deployment in gated steps, against its cluster simulator, a real ' +
        'Prometheus and live traffic.',
    )
    .addOption(
      new Option('--window <duration>', 'how long each step is watched (monitor --duration); at least 10s')
        .argParser(windowArg)
        .default(30_000, '30s'),
    )
    .option('--rate <n>', 'requests per second through the ingress gateway', positive('--rate', 2000), 120)
    .addOption(
      new Option(
        '--inject <fault>',
        'a fault that starts at --at (what each one does: demo/README.md)',
      ).choices(FAULT_NAMES),
    )
    .option('--at <weight>', `the step at which the fault starts (${FAULT_STEPS.join(', ')})`, atArg, 25)
    .option(
      '--detect <pp>',
      'the smallest 5xx increase (percentage points) the error-ratio gate must be able to detect',
      positive('--detect', 50),
      5,
    )
    .option('--no-verify', 'skip the verification suites in each shift (the canary verdict still gates)')
    .option(
      '--traffic-only',
      "only the traffic stages: no pre/post-migration verify and no separate Step 7 test (the first shift's gate still smoke-tests)",
    )
    .option(
      '--patience <n>',
      'extra monitor windows when a step is INCONCLUSIVE for want of data',
      (t) => {
        const n = Number(t);
        if (!Number.isInteger(n) || n < 0 || n > 10)
          throw new InvalidArgumentError('a whole number from 0 to 10');
        return n;
      },
      1,
    )
    .option(
      '--report-dir <dir>',
      'where meshgate and the demo write (default: reports/demo/<time>[-<fault>])',
    )
    .option('--no-color', 'plain output')
    .addHelpText(
      'after',
      '\nExit codes: 0 migrated to 100 %, 1 a gate failed (rolled back), 2 a gate was inconclusive (no move),\n' +
        '3 the demo could not run (e.g. Prometheus missing), 130/143 interrupted (SIGINT/SIGTERM).\n',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
}

async function main(argv: string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = program().parse(argv, { from: 'user' }).opts<Flags>();
  } catch (err) {
    if (err instanceof CommanderError)
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 3;
    throw err;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const reportDir = path.resolve(
    flags.reportDir ?? path.join(ROOT, 'reports/demo', `${stamp}${flags.inject ? `-${flags.inject}` : ''}`),
  );
  const controller = new RunController();
  let interrupts = 0;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM') => () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: stopping the demo and everything it started (again to force)\n`);
      controller.interrupt(sig);
    } else {
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
  };
  const sigint = onSignal('SIGINT');
  const sigterm = onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  try {
    const summary = await runDemo(
      {
        windowMs: flags.window,
        rate: flags.rate,
        inject: flags.inject,
        at: flags.at,
        minDetectableIncrease: flags.detect / 100,
        verify: flags.verify,
        trafficOnly: flags.trafficOnly === true,
        patience: flags.patience,
        reportDir,
        write: (t) => process.stdout.write(t),
        color: flags.color && process.stdout.isTTY === true && !process.env.NO_COLOR,
      },
      controller.signal,
    );
    return controller.signal.aborted ? interruptedExitCode(controller.signal) : summary.exitCode;
  } finally {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
    controller.dispose();
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything the demo started is stopped by now; should a handle linger, it must not keep the demo alive.
setTimeout(() => process.exit(code), 1_000).unref();
