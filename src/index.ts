export { defineConfig } from './profile/index.ts';
export type { Profile, ProfileInput } from './profile/index.ts';
