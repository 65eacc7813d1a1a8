export { defaultProfile } from './defaults.ts';
export { defineConfig } from './define-config.ts';
export { DEFAULT_CONFIG_FILE, ProfileError, loadProfile, mergeDeep, validateProfile } from './load.ts';
export type { LoadedProfile } from './load.ts';
export type { Profile, ProfileInput, Workload } from './schema.ts';
export type { CanaryProfile } from './canary-schema.ts';
