// Prometheus client options from the profile and the environment. The bearer token comes from the
// environment variable the profile names and goes only into the client, never into a report.

import type { Profile } from '../../profile/index.ts';
import type { PrometheusClientOptions } from '../client.ts';
import { parseSpanMs } from './window.ts';

/** The profile names a token variable that is not set: a configuration error (exit 3). */
export class MissingCredential extends Error {
  override readonly name = 'MissingCredential';
}

export function prometheusOptions(
  profile: Profile,
  env: NodeJS.ProcessEnv = process.env,
): PrometheusClientOptions {
  const p = profile.canary.prometheus;
  let bearerToken: string | undefined;
  if (p?.bearerTokenEnv !== undefined) {
    bearerToken = env[p.bearerTokenEnv];
    if (bearerToken === undefined || bearerToken === '') {
      throw new MissingCredential(
        `canary.prometheus.bearerTokenEnv names ${p.bearerTokenEnv}, which is not set or empty: export the token in it, or remove the field`,
      );
    }
  }
  return {
    url: profile.prometheus.url,
    ...(bearerToken !== undefined ? { bearerToken } : {}),
    ...(p?.headers !== undefined ? { headers: p.headers } : {}),
    ...(p?.timeout !== undefined ? { timeoutMs: parseSpanMs(p.timeout, 'canary.prometheus.timeout') } : {}),
  };
}
