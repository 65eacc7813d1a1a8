import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ClusterClient, ClusterError, loadKubeConfig } from '../../cluster/index.ts';
import { ExitCode, type ExitCodeValue } from '../../report/index.ts';
import { currentSplit, SplitError } from '../../traffic/index.ts';
import { analysisProfile, usageErrorsToExit3, type AnalysisOptions } from '../analysis-options.ts';
import { evaluateCanary } from '../canary-gate.ts';
import type { GlobalOptions } from '../global-options.ts';
import type { Io } from '../output.ts';
import { withScenario } from '../scenario.ts';

export interface WebhookOptions extends AnalysisOptions {
  port?: string;
  host?: string;
}

/** HTTP status per verdict: Flagger treats any non-2xx answer as a failed check. */
export const WEBHOOK_STATUS = { PASS: 200, FAIL: 412, INCONCLUSIVE: 503 } as const;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 1_000_000) throw new Error('body too large');
  }
  return text;
}

/**
 * `meshgate serve-webhook`: answers Flagger-style webhook calls (POST with {name, namespace, phase,
 * metadata}) with the canary verdict for the current step: 200 on PASS, 412 on FAIL, 503 when
 * inconclusive, each with the verdict document's summary in the body.
 */
export function serveWebhook(
  global: GlobalOptions,
  opts: WebhookOptions,
  io: Io,
  signal: AbortSignal,
): Promise<ExitCodeValue> {
  return usageErrorsToExit3(io, async () => {
    // --end replays a past window (for tests and post-mortems); live use leaves it unset.
    const { profile, file, end } = await analysisProfile(global, opts);
    return withScenario(opts.scenario, global, io, async (kubeconfig, context) => {
      const kc = loadKubeConfig({ kubeconfig, context });
      const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { ok: true });
        if (req.method !== 'POST') return send(res, 405, { error: 'POST the webhook payload' });
        let payload: Record<string, unknown> = {};
        try {
          const text = await readBody(req);
          payload = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch (err) {
          return send(res, 400, { error: `the body is not JSON: ${(err as Error).message}` });
        }
        const cluster = new ClusterClient(kc);
        try {
          const current = await currentSplit(cluster, profile);
          const steps = profile.traffic.steps;
          const weight = current.split.meshWeight;
          const step = weight === 0 ? (steps[0] ?? 0) : (steps[steps.indexOf(weight) + 1] ?? weight);
          const gate = await evaluateCanary(
            { profile, profileFile: file, cluster, reportDir: global.reportDir, io },
            { step, vs: current.vs, window: opts.window, end, load: 'none' },
          );
          const d = gate.doc;
          io.err(
            `webhook ${String(payload.phase ?? '')} ${String(payload.name ?? '')}: ${d.verdict} — ${d.reason}\n`,
          );
          return send(res, WEBHOOK_STATUS[d.verdict], {
            verdict: d.verdict,
            step: d.step,
            currentWeight: d.currentWeight,
            window: d.window,
            reason: d.reason,
            metrics: d.metrics.map((m) => ({ name: m.name, verdict: m.verdict, reason: m.reason })),
            verdictFile: gate.file,
          });
        } catch (err) {
          if (err instanceof ClusterError || err instanceof SplitError) {
            return send(res, 503, { verdict: 'INCONCLUSIVE', reason: err.message });
          }
          return send(res, 500, {
            verdict: 'INCONCLUSIVE',
            reason: `meshgate error: ${(err as Error).message}`,
          });
        }
      };
      const server = createServer((req, res) => void handle(req, res));
      const port = opts.port !== undefined ? Number(opts.port) : 0;
      const host = opts.host ?? '127.0.0.1';
      await new Promise<void>((resolve) => server.listen(port, host, resolve));
      const addr = server.address();
      const url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
      io.out(
        `serving canary verdicts for Flagger webhooks at ${url} (200 PASS, 412 FAIL, 503 INCONCLUSIVE)\n`,
      );
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return ExitCode.Pass;
    });
  });
}
