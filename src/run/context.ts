import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadProfile, type Profile } from '../profile/index.ts';

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
}

export const RUN_CONTEXT_ENV = 'MESHGATE_RUN_CONTEXT';
export const DEFAULT_REPORT_DIR = 'reports';

/** Reads the run context the CLI wrote, or builds one from the environment when vitest runs a suite directly. */
export async function readRunContext(env: NodeJS.ProcessEnv = process.env): Promise<RunContext> {
  const file = env[RUN_CONTEXT_ENV];
  if (file) return JSON.parse(readFileSync(file, 'utf8')) as RunContext;
  const { profile, file: profileFile } = await loadProfile({ configPath: env.MESHGATE_CONFIG });
  return {
    profile,
    profileFile,
    kubeconfig: env.MESHGATE_KUBECONFIG,
    context: env.MESHGATE_CONTEXT,
    reportDir: path.resolve(env.MESHGATE_REPORT_DIR ?? DEFAULT_REPORT_DIR),
    probe: env.MESHGATE_PROBE === '1',
  };
}

/** Files named in the profile are relative to the profile file (or the working directory). */
export function profileRelative(ctx: RunContext, file: string): string {
  return path.resolve(ctx.profileFile ? path.dirname(ctx.profileFile) : process.cwd(), file);
}
