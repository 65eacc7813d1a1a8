/**
 * Envoy cluster stats from either source, in one shape: cluster name → stat → value, with stat names
 * in the Prometheus spelling (`circuit_breakers_default_cx_open`). The admin text form
 * (`cluster.<name>.circuit_breakers.default.cx_open: 0`) is converted to it.
 */
export type ClusterStats = Map<string, Map<string, number>>;

function put(out: ClusterStats, cluster: string, stat: string, value: number): void {
  let m = out.get(cluster);
  if (!m) out.set(cluster, (m = new Map()));
  m.set(stat, value);
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== undefined) out[m[1]] = (m[2] ?? '').replace(/\\(.)/g, '$1');
  }
  return out;
}

/** `envoy_cluster_<stat>{cluster_name="..."} <value>` lines of a Prometheus exposition. */
export function parsePrometheusClusterStats(text: string): ClusterStats {
  const out: ClusterStats = new Map();
  for (const line of text.split('\n')) {
    const m = /^envoy_cluster_([a-z0-9_]+)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const cluster = parseLabels(m[2]).cluster_name;
    const value = Number(m[3]);
    if (cluster && Number.isFinite(value)) put(out, cluster, m[1], value);
  }
  return out;
}

// The cluster name holds dots (FQDNs): split before the first stat family meshgate reads.
const ADMIN_LINE =
  /^cluster\.(.+?)\.(circuit_breakers\.[a-z_.]+|outlier_detection\.[a-z_.0-9]+|upstream_[a-z_]+|membership_[a-z_]+|update_[a-z_]+):\s*(\d+)$/;

/** `pilot-agent request GET stats` (Envoy admin text). Histograms and other families are skipped. */
export function parseAdminClusterStats(text: string): ClusterStats {
  const out: ClusterStats = new Map();
  for (const line of text.split('\n')) {
    const m = ADMIN_LINE.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    put(out, m[1], m[2].replace(/\./g, '_'), Number(m[3]));
  }
  return out;
}

export function outboundClusters(stats: ClusterStats): string[] {
  return [...stats.keys()].filter((c) => c.startsWith('outbound|'));
}

/** `outbound|8080||zamaz-api.zamaz-mesh.svc.cluster.local` → its parts. */
export function parseClusterName(
  name: string,
): { direction: string; port: number; subset: string; host: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction = '', port = '', subset = '', host = ''] = parts;
  return { direction, port: Number(port), subset, host };
}

/** `pilot-agent request GET clusters`: `outbound|8080||host::default_priority::max_connections::100`. */
export function parseClusterLimits(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const m =
      /^(.+?)::(default_priority|high_priority)::(max_connections|max_pending_requests|max_requests|max_retries)::(\d+)$/.exec(
        line.trim(),
      );
    if (!m?.[1]) continue;
    let c = out.get(m[1]);
    if (!c) out.set(m[1], (c = new Map()));
    c.set(`${m[2] ?? ''}.${m[3] ?? ''}`, Number(m[4]));
  }
  return out;
}
