// `meshgate serve-webhook`: answers Flagger-style webhook calls (POST {name, namespace, phase,
// metadata}) with the canary verdict for the current step: 200 PASS, 412 FAIL, 503 INCONCLUSIVE.
// It serves until the run's signal stops it; each call is judged by the same canary gate.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ClusterError } from '../cluster/index.ts';
import { describeError, UsageError } from './errors.ts';
import {
  analysisPlan,
  integerFlag,
  loadGateProfile,
  type AnalysisInputs,
  type TargetInputs,
} from './inputs.ts';
import { evaluateCanary } from './canary.ts';
import { withCluster } from './cluster.ts';
import { loadRunnerFor } from './load.ts';
import { GateRun, type GateRunResult } from './run.ts';
import { currentSplit, SplitError } from '../traffic/index.ts';
import { defaultTimeouts } from './timeouts.ts';

export interface WebhookRequest extends TargetInputs, AnalysisInputs {
  port?: string | undefined;
  host?: string | undefined;
  /** --timeout: the budget of each call (default: the canary's). The server itself runs until stopped. */
  callTimeoutMs?: number | undefined;
  /** Called once the server listens (the CLI prints the URL). */
  onListening?: ((url: string) => void) | undefined;
  /** Called once the flags and the profile are valid, before the cluster is reached and the port bound. */
  onStarting?: ((address: string) => void) | undefined;
}

/** HTTP status per verdict: Flagger treats any non-2xx answer as a failed check. */
export const WEBHOOK_STATUS = { PASS: 200, FAIL: 412, INCONCLUSIVE: 503 } as const;

export interface WebhookDocument {
  schema: 'meshgate.dev/webhook-server/v1';
  url: string;
  calls: number;
}

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

export async function serveWebhook(
  run: GateRun,
  req: WebhookRequest,
): Promise<GateRunResult<WebhookDocument>> {
  // --end replays a past window (for tests and post-mortems); live use leaves it unset.
  const { profile, file } = await loadGateProfile(req, req, run.env);
  const analysis = analysisPlan(req, profile, 'none');
  await loadRunnerFor(analysis.load, profile, run.env);
  const port = req.port !== undefined ? integerFlag(req.port, '--port', 0, 65535) : 0;
  const host = req.host ?? '127.0.0.1';
  req.onStarting?.(`${host}:${port === 0 ? '(a free port)' : port}`);
  return withCluster(run, req, async (session) => {
    let calls = 0;
    const handle = async (httpReq: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (httpReq.method === 'GET' && httpReq.url === '/healthz') return send(res, 200, { ok: true });
      if (httpReq.method !== 'POST') return send(res, 405, { error: 'POST the webhook payload' });
      let payload: Record<string, unknown> = {};
      try {
        const text = await readBody(httpReq);
        payload = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch (err) {
        return send(res, 400, { error: `the body is not JSON: ${describeError(err)}` });
      }
      calls++;
      // Each call is its own run (own deadline), stopped with the server.
      const call = new GateRun({
        command: 'serve-webhook',
        reportDir: run.reportDir,
        signal: run.signal,
        timeoutMs: req.callTimeoutMs ?? defaultTimeouts.canary(profile, analysis.load),
        progress: run.progress,
        env: run.env,
      });
      try {
        const current = await call.step('the VirtualService', () => currentSplit(session.client, profile));
        const steps = profile.traffic.steps;
        const weight = current.split.meshWeight;
        const step = weight === 0 ? (steps[0] ?? 0) : (steps[steps.indexOf(weight) + 1] ?? weight);
        const gate = await evaluateCanary(
          call,
          { profile, profileFile: file, cluster: session.client },
          { step, vs: current.vs, window: analysis.window, end: analysis.end, load: analysis.load },
        );
        const d = gate.doc;
        run.progress.line(
          `webhook ${String(payload.phase ?? '')} ${String(payload.name ?? '')}: ${d.verdict} — ${d.reason}`,
        );
        return send(res, WEBHOOK_STATUS[gate.verdict], {
          verdict: gate.verdict,
          step: d.step,
          currentWeight: d.currentWeight,
          window: d.window,
          reason: d.reason,
          metrics: d.metrics.map((m) => ({ name: m.name, verdict: m.verdict, reason: m.reason })),
          verdictFile: gate.file,
        });
      } catch (err) {
        if (err instanceof ClusterError || err instanceof SplitError || err instanceof UsageError) {
          return send(res, 503, { verdict: 'INCONCLUSIVE', reason: err.message });
        }
        return send(res, call.interruption ? 503 : 500, {
          verdict: 'INCONCLUSIVE',
          reason: call.interruption ? call.interruption.message : `meshgate error: ${describeError(err)}`,
        });
      } finally {
        call.dispose();
      }
    };
    const server = createServer((r, s) => void handle(r, s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new UsageError('--port', `cannot listen on ${host}:${port}: ${describeError(err)}`)),
      );
      server.listen(port, host, resolve);
    });
    const addr = server.address();
    const url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
    req.onListening?.(url);
    // Served until the run is stopped (SIGINT/SIGTERM): that is how a server ends, not a failure.
    await new Promise<void>((resolve) => {
      if (run.signal.aborted) resolve();
      run.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = run.finish<WebhookDocument>({
      verdict: 'PASS',
      document: { schema: 'meshgate.dev/webhook-server/v1', url, calls },
      profile: file ?? 'defaults',
      cluster: session.identity,
    });
    // A signal is how a server is stopped: a clean stop, not an interrupted gate.
    return { ...result, exitCode: 0, interrupted: undefined };
  });
}
