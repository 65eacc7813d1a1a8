// What `--help` shows beyond commander's flags: examples a person can copy, and the exit codes the
// command can end with (the contract of README "Exit codes"), so nobody has to open the README to
// write a CI step.

import type { Command } from 'commander';
import { ExitCode } from '../report/types.ts';

/** The exit-code contract, one line per code (README "Exit codes (every command)"). */
export const EXIT_CODE_LINES: readonly [code: number, meaning: string][] = [
  [ExitCode.Pass, 'gate open: every check passed (skipped items are listed, not counted)'],
  [ExitCode.Fail, 'gate closed: a check failed, or the canary verdict is FAIL'],
  [
    ExitCode.Inconclusive,
    'inconclusive: something could not be verified (forbidden, unreachable, no data, --timeout)',
  ],
  [
    ExitCode.Usage,
    'usage or configuration error: bad flag, invalid profile, missing kubeconfig, bad scenario',
  ],
  [ExitCode.Interrupted, 'stopped by SIGINT (Ctrl-C): what finished is reported, nothing written after it'],
  [ExitCode.Terminated, 'stopped by SIGTERM (timeout, CI cancellation): as 130'],
];

/** Commands that do not gate anything say what their codes mean for them. */
const OWN_EXIT_CODES: Record<string, readonly [number, string][]> = {
  report: [
    [ExitCode.Pass, 'report.html built'],
    [ExitCode.Inconclusive, 'no such run, or Allure could not build the report'],
    [ExitCode.Usage, 'usage error (a bad --history)'],
  ],
  sim: [
    [ExitCode.Pass, 'stopped by SIGINT/SIGTERM (a server: a signal is how it stops)'],
    [ExitCode.Usage, 'usage error, or a scenario that does not load'],
  ],
  'serve-webhook': [
    [ExitCode.Pass, 'stopped by SIGINT/SIGTERM (a server: a signal is how it stops)'],
    [ExitCode.Usage, 'usage or configuration error'],
  ],
  completion: [
    [ExitCode.Pass, 'the script was printed'],
    [ExitCode.Usage, 'a shell other than bash or zsh'],
  ],
  print: [
    [ExitCode.Pass, 'the profile was printed'],
    [ExitCode.Usage, 'the profile does not load'],
  ],
  rbac: [
    [ExitCode.Pass, 'the manifests were printed'],
    [ExitCode.Usage, 'a bad --roles or --service-account, or the profile does not load'],
  ],
  snapshot: [
    [ExitCode.Pass, 'the scenario was written'],
    [ExitCode.Inconclusive, 'the cluster could not be read'],
    [ExitCode.Usage, 'usage or configuration error'],
  ],
};

/** Examples per command path (`config rbac` is `config rbac`). */
export const EXAMPLES: Record<string, readonly string[]> = {
  meshgate: [
    'meshgate verify                                  # prereq, mesh and security suites',
    'meshgate canary --step 25 --report               # judge the window of step 25, build report.html',
    'meshgate shift 25                                # gated move of the mesh weight to 25 %',
    'meshgate rollback                                # emergency: all traffic to legacy',
    'meshgate completion bash > /etc/bash_completion.d/meshgate',
  ],
  verify: [
    'meshgate verify',
    'meshgate verify mesh security --context prod-eu',
    'meshgate verify prereq -o json > gate.json       # one JSON document on stdout',
    'meshgate verify --scenario scenarios/broken/mesh-pod-without-sidecar --report',
  ],
  canary: [
    'meshgate canary --step 25',
    'meshgate canary --step 50 --prometheus http://prometheus.monitoring:9090 --window 10m',
    'meshgate canary --step 25 --apply --rollback-on-fail',
  ],
  shift: [
    'meshgate shift 10                                # first step: suites + canary gate, then the patch',
    'meshgate shift 25 --dry-run                      # print the patch, write nothing',
    'meshgate shift 10 --down                         # move down, no gate (audited)',
  ],
  complete: ['meshgate complete', 'meshgate complete --dry-run'],
  monitor: ['meshgate monitor', 'meshgate monitor --duration 30m --interval 1m'],
  rollback: ['meshgate rollback', 'meshgate rollback --planned          # one step down instead'],
  test: [
    'meshgate test',
    'kubectl -n zamaz-mesh port-forward svc/zamaz-api 8080:8080 &   # from outside the cluster',
    'meshgate test --config meshgate.config.ts    # with load.targetUrl / load.smokeTargets pointing at it',
  ],
  'serve-webhook': [
    'meshgate serve-webhook --host 0.0.0.0 --port 8080',
    'meshgate serve-webhook --prometheus http://prometheus.monitoring:9090 --timeout 2m',
  ],
  report: [
    'meshgate report                                  # the latest run',
    'meshgate report 20261202T003446.123Z-verify --history 5',
  ],
  'config print': ['meshgate config print', 'meshgate config print --config meshgate.config.ts -n my-mesh'],
  'config rbac': [
    'meshgate config rbac > rbac.yaml',
    'meshgate config rbac --roles probe,load',
    'meshgate config rbac --roles canary --service-account zamaz-mesh/meshgate-canary',
  ],
  config: ['meshgate config print', 'meshgate config rbac > rbac.yaml'],
  sim: ['meshgate sim --scenario scenarios/healthy --kubeconfig-out /tmp/sim.kubeconfig'],
  snapshot: ['meshgate snapshot --out scenarios/my-cluster --context prod-eu'],
  completion: [
    'meshgate completion bash > ~/.local/share/bash-completion/completions/meshgate',
    'meshgate completion zsh > "${fpath[1]}/_meshgate"',
    'source <(meshgate completion bash)',
  ],
};

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.length ? names.join(' ') : cmd.name();
}

export function helpText(cmd: Command): string {
  const key = commandPath(cmd);
  const examples = EXAMPLES[key] ?? [];
  const codes = OWN_EXIT_CODES[cmd.name()] && cmd.parent ? OWN_EXIT_CODES[cmd.name()] : EXIT_CODE_LINES;
  const lines: string[] = [];
  if (examples.length) lines.push('', 'Examples:', ...examples.map((e) => `  $ ${e}`));
  lines.push(
    '',
    'Exit codes:',
    ...(codes ?? []).map(([code, meaning]) => `  ${String(code).padEnd(4)} ${meaning}`),
  );
  return `${lines.join('\n')}\n`;
}

/** Adds examples and the exit-code table to the help of the program and every (sub)command. */
export function addHelpTexts(program: Command): void {
  const visit = (cmd: Command): void => {
    cmd.addHelpText('after', () => helpText(cmd));
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
}
