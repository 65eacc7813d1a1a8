import type { WebhookDocument } from '../../gate/webhook.ts';
import type { ExitCodeValue } from '../../report/types.ts';
import { targetOf } from '../global-options.ts';
import { runGateCommand, type CommandEnv } from '../run-command.ts';
import type { AnalysisOptions } from './canary.ts';

export interface WebhookOptions extends AnalysisOptions {
  port?: string;
  host?: string;
}

/**
 * `meshgate serve-webhook`: Flagger webhook answers (200 PASS, 412 FAIL, 503 INCONCLUSIVE) until
 * SIGINT/SIGTERM, which stop it cleanly (exit 0). --timeout is the budget of each call.
 */
export function serveWebhook(opts: WebhookOptions, ce: CommandEnv): Promise<ExitCodeValue> {
  return runGateCommand<WebhookDocument>(
    ce,
    'serve-webhook',
    async (run, gate) =>
      gate.serveWebhook(run, {
        ...targetOf(ce.global, opts.scenario),
        ...opts,
        callTimeoutMs:
          ce.global.timeout !== undefined ? gate.durationFlag(ce.global.timeout, '--timeout') : undefined,
        // Said once the flags are valid (a usage error stays one line), before the cluster is reached.
        onStarting: (address) => ce.io.err(`serve-webhook: starting on ${address}: reaching the cluster\n`),
        // With -o json stdout holds only the final document, so the address goes to stderr.
        onListening: (url) =>
          (ce.global.output === 'json' ? ce.io.err : ce.io.out)(
            `serving canary verdicts for Flagger webhooks at ${url} (200 PASS, 412 FAIL, 503 INCONCLUSIVE); POST the webhook payload there, GET ${url}/healthz; stop with Ctrl-C or SIGTERM\n`,
          ),
      }),
    () => undefined,
    // One process answers many calls: each call's verdict document is its record
    // (<report-dir>/verdicts/), not a run directory of its own (docs/reports.md).
    { runTimeout: false, recordRun: false },
  );
}
