// What a profile file imports (`import { defineConfig } from 'meshgate'`): types and one identity
// function, nothing that loads at run time.
export { defineConfig } from './profile/define-config.ts';
export type { Profile, ProfileInput } from './profile/schema.ts';
