import path from 'node:path';
import { Option, type Command } from 'commander';
import type { ProfileInput } from '../profile/index.ts';
import { DEFAULT_REPORT_DIR } from '../run/context.ts';
import type { OutputFormat } from './output.ts';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  config?: string;
  output: OutputFormat;
  reportDir: string;
  namespace?: string;
}

/** kubectl-style flags every command takes. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--kubeconfig <file>', 'kubeconfig to use (default: KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context to use (default: current-context)')
    .option(
      '--config <file>',
      'migration profile (default: ./meshgate.config.ts if present, else built-in defaults)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--report-dir <dir>', 'where reports and Allure results are written', DEFAULT_REPORT_DIR)
    .option('-n, --namespace <name>', 'mesh namespace (overrides namespaces.mesh in the profile)');
}

export function readGlobalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  return { ...o, reportDir: path.resolve(o.reportDir ?? DEFAULT_REPORT_DIR) };
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
