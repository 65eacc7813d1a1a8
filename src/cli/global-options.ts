import path from 'node:path';
import { Option, type Command } from 'commander';
import type { ProfileInput } from '../profile/index.ts';
import { DEFAULT_REPORT_DIR } from '../run/constants.ts';
import type { OutputFormat } from './output.ts';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  config?: string;
  output: OutputFormat;
  reportDir: string;
  namespace?: string;
  /** --timeout: the whole run's budget (each command documents its default). */
  timeout?: string;
  /** --quiet: no progress on stderr. */
  quiet?: boolean;
  /** --debug: stack traces with errors. */
  debug?: boolean;
  /** --engine: what runs the suites' checks (the CLI itself, or vitest). */
  engine?: 'direct' | 'vitest';
}

/** kubectl-style flags every command takes, plus the run's budget and how much it says. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--kubeconfig <file>', 'kubeconfig to use (default: KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context to use (default: current-context)')
    .option(
      '--config <file>',
      'migration profile (default: ./meshgate.config.ts if present, else built-in defaults)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(
      '--report-dir <dir>',
      'where run directories (runs/, latest), reports and the audit log are written',
      DEFAULT_REPORT_DIR,
    )
    .option('-n, --namespace <name>', 'mesh namespace (overrides namespaces.mesh in the profile)')
    .option(
      '--timeout <duration>',
      'give up after this long, e.g. 10m; what had not finished is INCONCLUSIVE (defaults: README)',
    )
    .option('-q, --quiet', 'no progress on stderr (results and errors still print)')
    .option('--debug', 'print stack traces with errors')
    .addOption(
      new Option(
        '--engine <engine>',
        "what runs the suites' checks: direct (in the CLI's process) or vitest (a vitest worker)",
      )
        .choices(['direct', 'vitest'])
        .default('direct'),
    );
}

export function readGlobalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  return { ...o, reportDir: path.resolve(o.reportDir ?? DEFAULT_REPORT_DIR) };
}

/** What every gate command is pointed at, from the global flags. */
export function targetOf(o: GlobalOptions, scenario?: string[]) {
  return {
    kubeconfig: o.kubeconfig,
    context: o.context,
    config: o.config,
    namespace: o.namespace,
    reportDir: o.reportDir,
    scenario,
  };
}

/** Flags and environment that override profile fields (flags win over environment). */
export function profileOverrides(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): ProfileInput {
  const overrides: ProfileInput = {};
  const ns = o.namespace ?? env.MESHGATE_NAMESPACE;
  if (ns) overrides.namespaces = { mesh: ns };
  const prom = env.MESHGATE_PROMETHEUS_URL;
  if (prom) overrides.prometheus = { url: prom };
  return overrides;
}
