import { MissingCredential, WindowError, parseEnd, resolveWindow } from '../metrics/canary/index.ts';
import { loadProfile, type Profile } from '../profile/index.ts';
import { ExitCode, type ExitCodeValue } from '../report/index.ts';
import { CanaryUsageError, loadRunnerFor } from './canary-gate.ts';
import { profileOverrides, type GlobalOptions } from './global-options.ts';
import type { Io } from './output.ts';

/** Flags every command that judges a canary window takes (canary, shift, complete, monitor). */
export interface AnalysisOptions {
  window?: string;
  end?: string;
  prometheus?: string;
  load: string;
  scenario?: string[];
}

/** Loads the profile with --prometheus applied and validates the analysis flags before any I/O. */
export async function analysisProfile(
  global: GlobalOptions,
  opts: AnalysisOptions,
): Promise<{ profile: Profile; file: string | undefined; end: Date | undefined }> {
  const overrides = profileOverrides(global);
  if (opts.prometheus) overrides.prometheus = { url: opts.prometheus };
  const { profile, file } = await loadProfile({ configPath: global.config, overrides });
  const end = opts.end !== undefined ? parseEnd(opts.end) : undefined;
  if (opts.window !== undefined)
    resolveWindow({ end: new Date(), window: opts.window, fallback: profile.canary.window });
  await loadRunnerFor(opts.load, profile);
  return { profile, file, end };
}

/** Maps the analysis layer's usage errors to exit 3. */
export async function usageErrorsToExit3(io: Io, body: () => Promise<ExitCodeValue>): Promise<ExitCodeValue> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof CanaryUsageError || err instanceof WindowError || err instanceof MissingCredential) {
      io.err(`error: ${err.message}\n`);
      return ExitCode.Usage;
    }
    throw err;
  }
}
