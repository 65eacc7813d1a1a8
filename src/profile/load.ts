import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type { z } from 'zod';
import { defaultProfile } from './defaults.ts';
import { profileSchema, type Profile, type ProfileInput } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'meshgate.config.ts';

/** A profile that cannot be used: the CLI maps it to exit code 3. */
export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not a valid meshgate profile:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadedProfile {
  profile: Profile;
  /** The file the profile came from, or undefined when only defaults apply. */
  file: string | undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars from `over` replace those in `base`. */
export function mergeDeep(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeDeep(base[k], v);
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  switch (issue.code) {
    case 'invalid_value':
      return `${field}: not an allowed value; allowed values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `${field}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against the documented profile`;
    default:
      return `${field}: ${issue.message}`;
  }
}

/** Validates a merged profile; the errors name each field and what it accepts. */
export function validateProfile(input: unknown, source: string): Profile {
  const parsed = profileSchema.safeParse(mergeDeep(defaultProfile, input));
  if (!parsed.success) throw new ProfileError(source, parsed.error.issues.map(describeIssue));
  return parsed.data;
}

/**
 * Loads the profile: defaults, then the config file (an explicit --config must exist; otherwise
 * meshgate.config.ts in `cwd` if present), then `overrides` (from flags and environment).
 */
export async function loadProfile(opts: {
  configPath?: string | undefined;
  cwd?: string;
  overrides?: ProfileInput;
}): Promise<LoadedProfile> {
  const cwd = opts.cwd ?? process.cwd();
  let file: string | undefined;
  if (opts.configPath) {
    file = path.resolve(cwd, opts.configPath);
    if (!existsSync(file)) throw new ProfileError(file, [`the file does not exist (given by --config)`]);
  } else if (existsSync(path.join(cwd, DEFAULT_CONFIG_FILE))) {
    file = path.join(cwd, DEFAULT_CONFIG_FILE);
  }
  let fromFile: unknown = {};
  if (file) {
    let mod: { default?: unknown };
    try {
      // tsx compiles the TypeScript profile whatever the surrounding package's module type is.
      mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
    } catch (err) {
      throw new ProfileError(file, [`could not be loaded: ${(err as Error).message}`]);
    }
    // A .ts file outside an ESM package is compiled as CommonJS: its default export arrives wrapped.
    const inner = isPlainObject(mod.default) && '__esModule' in mod.default ? mod.default.default : undefined;
    if (inner !== undefined) mod = { default: inner };
    if (!isPlainObject(mod.default)) {
      throw new ProfileError(file, ['it must `export default defineConfig({ ... })`']);
    }
    fromFile = mod.default;
  }
  const merged = mergeDeep(fromFile, opts.overrides ?? {});
  return { profile: validateProfile(merged, file ?? 'the default profile'), file };
}
