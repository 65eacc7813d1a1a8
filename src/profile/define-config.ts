import type { ProfileInput } from './schema.ts';

/**
 * Typed identity: gives editors completion and checks in meshgate.config.ts. Kept free of runtime
 * imports, because a profile file loads it in its own module graph.
 */
export function defineConfig(input: ProfileInput): ProfileInput {
  return input;
}
