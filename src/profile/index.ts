export { defaultProfile } from './defaults.ts';
export {
  DEFAULT_CONFIG_FILE,
  ProfileError,
  defineConfig,
  loadProfile,
  mergeDeep,
  validateProfile,
} from './load.ts';
export type { LoadedProfile } from './load.ts';
export type { Profile, ProfileInput, Workload } from './schema.ts';
