import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FaultLogEntry } from './fault-injector.ts';
import { startServer } from './http-server.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { ObjectStore } from './object-store.ts';
import { RequestLog, type RequestCounts } from './request-log.ts';
import { loadScenario } from './scenario-loader.ts';
import { SimState, type AccessRecord } from './sim-state.ts';
import { generateTlsMaterial } from './tls-material.ts';

/** How to start the cluster simulator. */
export interface SimulatorOptions {
  /** A scenario directory, or several applied as layers in order (later ones win). */
  scenario: string | string[];
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; 127.0.0.1 by default. */
  host?: string;
  /** Where to write the kubeconfig; by default a file in a fresh temporary directory. */
  kubeconfigOut?: string;
  /**
   * Called with the authorization decision of every request (who, verb, resource, namespace,
   * allowed), so a test can see which RBAC rules a run needed. Access reviews are not reported.
   */
  onAccess?: (record: AccessRecord) => void;
  /**
   * Append every request the simulator answers to this file, one JSON object a line (verb, resource,
   * subresource, namespace, name, status, ms). Counts are kept either way: `requestCounts()` and
   * `GET /debug/requests`.
   */
  requestLog?: string;
  /**
   * Serve plain HTTP without authentication, as `kubectl proxy` does: the kubeconfig's server is
   * `http://…` and carries no credentials. Default false (HTTPS with a bearer token).
   */
  plainHttp?: boolean;
}

/** A running simulator. Call `stop()` when done: it closes every connection, watches included. */
export interface StartedSimulator {
  /** `https://127.0.0.1:<port>` (`http://` with `plainHttp`) */
  url: string;
  /** A kubeconfig whose current context `meshgate-sim` reaches this simulator with a bearer token. */
  kubeconfigPath: string;
  /** The scenario loader's warnings, e.g. an object whose kind nothing serves (docs/scenarios.md). */
  warnings: readonly string[];
  /** Requests answered since start, by verb, resource and subresource (what `GET /debug/requests` returns). */
  requestCounts(): RequestCounts;
  /** Requests a ClusterProfile fault rule matched (fired or not), with arrival times, oldest first. */
  faultLog(): readonly FaultLogEntry[];
  stop(): Promise<void>;
}

/**
 * Starts an HTTPS server that speaks the Kubernetes REST API and serves the scenario: discovery,
 * CRUD, patch, watch, scale/status, access reviews, pod proxy and exec. See docs/scenarios.md.
 */
export async function startSimulator(opts: SimulatorOptions): Promise<StartedSimulator> {
  const scenario = await loadScenario(opts.scenario);
  const state = new SimState(
    // The loaded objects are this simulator's alone: the store takes them without copying.
    new ObjectStore(scenario.objects, { adopt: true }),
    scenario.profile,
    scenario.podEndpoints,
    scenario.podExecs,
  );
  state.onAccess = opts.onAccess;
  const tls = opts.plainHttp === true ? undefined : await generateTlsMaterial();
  const token = randomBytes(32).toString('base64url');
  const requestLog = new RequestLog(opts.requestLog);
  const server = await startServer({
    state,
    tls,
    token,
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    requestLog,
  }).catch(async (error: unknown) => {
    await requestLog.close();
    throw error;
  });
  let kubeconfigPath: string;
  try {
    kubeconfigPath = await writeKubeconfig(
      tls === undefined ? { server: server.url } : { server: server.url, caCert: tls.caCert, token },
      opts.kubeconfigOut,
    );
  } catch (error) {
    await server.close();
    await requestLog.close();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: server.url,
    kubeconfigPath,
    warnings: scenario.warnings,
    requestCounts: () => requestLog.snapshot(),
    faultLog: () => server.faultLog(),
    stop: () => {
      stopped ??= (async () => {
        await server.close();
        await requestLog.close();
        // Only the temporary directory this call created is removed; a requested path is left alone.
        if (opts.kubeconfigOut === undefined) {
          await rm(dirname(kubeconfigPath), { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
}
