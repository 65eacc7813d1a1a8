import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadProfile, type Profile } from '../profile/index.ts';
import type { SuiteName } from '../report/types.ts';
import { DEFAULT_REPORT_DIR, RUN_CONTEXT_ENV } from './constants.ts';

export { DEFAULT_REPORT_DIR, RUN_CONTEXT_ENV };

/**
 * What the CLI hands to a suite run (through a JSON file named by MESHGATE_RUN_CONTEXT), so suites
 * see the same profile and cluster the command resolved. Holds paths, never credentials.
 */
export interface RunContext {
  profile: Profile;
  profileFile?: string | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  reportDir: string;
  /** Opt-in active probes (security suite). */
  probe: boolean;
  /**
   * Read every pod for what belongs to the workload (Envoy cluster limits) or is sampled (app health,
   * the others judged by their Ready condition), instead of one pod per ReplicaSet (`--all-pods`).
   */
  allPods?: boolean | undefined;
  /** Canary suite: which window to judge (absent fields: now, and the canary command's defaults). */
  canary?: CanaryRunOptions | undefined;
  /** The suites of this run, so the worker can read what they need up front. */
  suites?: SuiteName[] | undefined;
  /** Epoch ms at which the run is out of time (--timeout); retries never wait past it. */
  deadlineAt?: number | undefined;
}

/** What the canary suite needs beyond the profile; the Prometheus URL is `profile.prometheus.url`. */
export interface CanaryRunOptions {
  /** End of the window, RFC 3339 or Unix seconds; default now. */
  end?: string | undefined;
  /** Window length such as `10m`; default since the last weight change, else `canary.window`. */
  window?: string | undefined;
}

/** Reads the run context the CLI wrote, or builds one from the environment when vitest runs a suite directly. */
export async function readRunContext(env: NodeJS.ProcessEnv = process.env): Promise<RunContext> {
  const file = env[RUN_CONTEXT_ENV];
  if (file) return JSON.parse(readFileSync(file, 'utf8')) as RunContext;
  const prometheus = env.MESHGATE_PROMETHEUS_URL;
  const { profile, file: profileFile } = await loadProfile({
    configPath: env.MESHGATE_CONFIG,
    ...(prometheus ? { overrides: { prometheus: { url: prometheus } } } : {}),
  });
  return {
    profile,
    profileFile,
    kubeconfig: env.MESHGATE_KUBECONFIG,
    context: env.MESHGATE_CONTEXT,
    reportDir: path.resolve(env.MESHGATE_REPORT_DIR ?? DEFAULT_REPORT_DIR),
    probe: env.MESHGATE_PROBE === '1',
    allPods: env.MESHGATE_ALL_PODS === '1',
    canary: { end: env.MESHGATE_CANARY_END, window: env.MESHGATE_CANARY_WINDOW },
  };
}

/** Files named in the profile are relative to the profile file (or the working directory). */
export function profileRelative(ctx: RunContext, file: string): string {
  return path.resolve(ctx.profileFile ? path.dirname(ctx.profileFile) : process.cwd(), file);
}
