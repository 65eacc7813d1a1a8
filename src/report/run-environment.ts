import { createHash } from 'node:crypto';

/**
 * What a report says about where a run happened, for the reviewer who was not there. The gate fills
 * it (it has the cluster and the profile); renderers only print it. No credentials: the Prometheus
 * URL loses user-info and credential-like query parameters on the way in.
 */
export interface RunEnvironment {
  meshgateVersion: string;
  /** The profile file used, or `defaults`. */
  profileFile: string;
  /** Short digest of the effective profile, so two runs can be seen to use the same one. */
  profileDigest?: string | undefined;
  cluster: { server: string; context?: string | undefined };
  kubernetesVersion?: string | undefined;
  istioVersion?: string | undefined;
  prometheusUrl?: string | undefined;
}

/**
 * A short digest of the effective profile (defaults + file + flags), so a reviewer can tell two runs
 * used the same thresholds and names: the first 12 hex digits of SHA-256 over its canonical JSON.
 */
export function profileDigest(profile: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(canonical(profile)))
    .digest('hex')
    .slice(0, 12)}`;
}

const CREDENTIAL_PARAM = /(token|key|secret|passw|auth|signature|sig)$/i;

/** `https://user:pw@prom:9090/x?token=a&q=1` → `https://prom:9090/x?token=<redacted>&q=1`. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw.replace(/\/\/[^/@]*@/, '//');
  }
  url.username = '';
  url.password = '';
  for (const key of [...url.searchParams.keys()]) {
    if (CREDENTIAL_PARAM.test(key)) url.searchParams.set(key, '<redacted>');
  }
  const text = url.toString().replace(/%3Credacted%3E/g, '<redacted>');
  // `https://host:6443/` reads better as the kubeconfig wrote it.
  return url.pathname === '/' && !url.search && !raw.endsWith('/') ? text.replace(/\/$/, '') : text;
}

/** Label/value pairs in a fixed order (summary table, Allure environment widget). */
export function environmentEntries(env: RunEnvironment): [string, string][] {
  const out: [string, string][] = [
    ['meshgate', env.meshgateVersion],
    ['profile', `${env.profileFile}${env.profileDigest ? ` (${env.profileDigest})` : ''}`],
    ['cluster context', env.cluster.context ?? '-'],
    ['cluster server', redactUrl(env.cluster.server)],
    ['Kubernetes', env.kubernetesVersion ?? 'unknown'],
    ['Istio', env.istioVersion ?? 'unknown'],
  ];
  if (env.prometheusUrl) out.push(['Prometheus', redactUrl(env.prometheusUrl)]);
  return out;
}
