// Envoy admin views (/clusters, /stats, /stats/prometheus) for one proxy, from one traffic model,
// so the three views and the merged 15020 output always agree.
const U32 = 4294967295;

export function edsCluster(name, { cb, outlier = false, hosts = [], traffic = {} } = {}) {
  return { name, type: 'eds', cb: { cx: U32, pending: U32, rq: U32, retries: U32, ...cb }, outlier, hosts, traffic, exported: name.startsWith('outbound|') };
}
export function otherCluster(name, type, { hosts = [], traffic = {}, exported = false } = {}) {
  return { name, type, cb: { cx: U32, pending: U32, rq: U32, retries: U32 }, outlier: false, hosts, traffic, exported: exported || name === 'xds-grpc' };
}

function clusterStats(c) {
  const t = { cx_active: 0, cx_total: 0, rq_active: 0, codes: {}, cx_connect_fail: 0, retry: 0, ...c.traffic };
  const codes = t.codes;
  const total = Object.values(codes).reduce((a, b) => a + b, 0);
  const byClass = {};
  for (const [code, n] of Object.entries(codes)) byClass[code[0]] = (byClass[code[0]] ?? 0) + n;
  const g = {}; // gauges
  const k = {}; // counters
  for (const [prio, lim] of [['default', c.cb], ['high', null]]) {
    for (const s of ['cx_open', 'cx_pool_open', 'rq_open', 'rq_pending_open', 'rq_retry_open']) g[`circuit_breakers.${prio}.${s}`] = 0;
    if (lim) {
      g[`circuit_breakers.${prio}.remaining_cx`] = lim.cx - t.cx_active;
      g[`circuit_breakers.${prio}.remaining_pending`] = lim.pending;
      g[`circuit_breakers.${prio}.remaining_retries`] = lim.retries;
      g[`circuit_breakers.${prio}.remaining_rq`] = lim.rq - t.rq_active;
    }
  }
  const healthy = c.hosts.length;
  Object.assign(g, {
    membership_healthy: healthy,
    membership_total: healthy,
    upstream_cx_active: t.cx_active,
    upstream_rq_active: t.rq_active,
    upstream_rq_pending_active: 0,
  });
  Object.assign(k, {
    membership_change: healthy ? 1 : 0,
    update_success: t.update_attempt ?? 12,
    upstream_cx_connect_fail: t.cx_connect_fail,
    upstream_cx_connect_timeout: 0,
    upstream_cx_destroy: Math.max(0, t.cx_total - t.cx_active),
    upstream_cx_max_requests: t.http ? Math.floor(total / 10) : 0,
    upstream_cx_none_healthy: 0,
    upstream_cx_overflow: 0,
    upstream_cx_pool_overflow: 0,
    upstream_cx_rx_bytes_total: t.rx_bytes ?? total * 1843,
    upstream_cx_total: t.cx_total,
    upstream_cx_tx_bytes_total: t.tx_bytes ?? total * 612,
    upstream_rq_completed: total,
    upstream_rq_pending_overflow: 0,
    upstream_rq_pending_total: t.http ? t.cx_total : 0,
    upstream_rq_per_try_timeout: 0,
    upstream_rq_retry: t.retry,
    upstream_rq_retry_overflow: 0,
    upstream_rq_retry_success: t.retry,
    upstream_rq_timeout: 0,
    upstream_rq_total: total,
  });
  for (const [cls, n] of Object.entries(byClass)) k[`upstream_rq_${cls}xx`] = n;
  for (const [code, n] of Object.entries(codes)) k[`upstream_rq_${code}`] = n;
  if (c.outlier) {
    g['outlier_detection.ejections_active'] = 0;
    for (const s of [
      'ejections_consecutive_5xx',
      'ejections_detected_consecutive_5xx',
      'ejections_detected_consecutive_gateway_failure',
      'ejections_detected_consecutive_local_origin_failure',
      'ejections_detected_failure_percentage',
      'ejections_detected_local_origin_failure_percentage',
      'ejections_detected_local_origin_success_rate',
      'ejections_detected_success_rate',
      'ejections_enforced_consecutive_5xx',
      'ejections_enforced_consecutive_gateway_failure',
      'ejections_enforced_consecutive_local_origin_failure',
      'ejections_enforced_failure_percentage',
      'ejections_enforced_local_origin_failure_percentage',
      'ejections_enforced_local_origin_success_rate',
      'ejections_enforced_success_rate',
      'ejections_enforced_total',
      'ejections_overflow',
      'ejections_success_rate',
      'ejections_total',
    ])
      k[`outlier_detection.${s}`] = 0;
  }
  return { gauges: g, counters: k };
}

function promName(stat) {
  return stat.replace(/[.\-]/g, '_');
}

/** Istio's bootstrap stats_tags (use_all_default_tags: false): response code / class become labels. */
function promCluster(cluster, stat) {
  let m = /^upstream_rq_(\d{3})$/.exec(stat);
  if (m) return { name: 'envoy_cluster_upstream_rq', labels: `response_code="${m[1]}",cluster_name="${cluster}"` };
  m = /^upstream_rq_(\dxx)$/.exec(stat);
  if (m) return { name: 'envoy_cluster_upstream_rq', labels: `response_code_class="${m[1]}",cluster_name="${cluster}"` };
  return { name: `envoy_cluster_${promName(stat)}`, labels: `cluster_name="${cluster}"` };
}

export function envoyViews({ clusters, server, istio = [] }) {
  // ---- /clusters
  const cl = [];
  for (const c of clusters) {
    const n = c.name;
    cl.push(`${n}::observability_name::${n}`);
    if (c.outlier) {
      cl.push(`${n}::outlier::success_rate_average::-1`);
      cl.push(`${n}::outlier::success_rate_ejection_threshold::-1`);
      cl.push(`${n}::outlier::local_origin_success_rate_average::-1`);
      cl.push(`${n}::outlier::local_origin_success_rate_ejection_threshold::-1`);
    }
    cl.push(`${n}::default_priority::max_connections::${c.cb.cx}`);
    cl.push(`${n}::default_priority::max_pending_requests::${c.cb.pending}`);
    cl.push(`${n}::default_priority::max_requests::${c.cb.rq}`);
    cl.push(`${n}::default_priority::max_retries::${c.cb.retries}`);
    cl.push(`${n}::high_priority::max_connections::1024`);
    cl.push(`${n}::high_priority::max_pending_requests::1024`);
    cl.push(`${n}::high_priority::max_requests::1024`);
    cl.push(`${n}::high_priority::max_retries::3`);
    cl.push(`${n}::added_via_api::${c.type === 'static' ? 'false' : 'true'}`);
    if (c.type === 'eds') cl.push(`${n}::eds_service_name::${n}`);
    for (const hst of c.hosts) {
      const p = `${n}::${hst.addr}`;
      cl.push(`${p}::cx_active::${hst.cx_active ?? 0}`);
      cl.push(`${p}::cx_connect_fail::0`);
      cl.push(`${p}::cx_total::${hst.cx_total ?? 0}`);
      cl.push(`${p}::rq_active::0`);
      cl.push(`${p}::rq_error::${hst.rq_error ?? 0}`);
      cl.push(`${p}::rq_success::${hst.rq_success ?? 0}`);
      cl.push(`${p}::rq_timeout::0`);
      cl.push(`${p}::rq_total::${(hst.rq_success ?? 0) + (hst.rq_error ?? 0)}`);
      cl.push(`${p}::hostname::${hst.hostname ?? ''}`);
      cl.push(`${p}::health_flags::healthy`);
      cl.push(`${p}::weight::1`);
      cl.push(`${p}::region::`);
      cl.push(`${p}::zone::`);
      cl.push(`${p}::sub_zone::`);
      cl.push(`${p}::canary::false`);
      cl.push(`${p}::priority::0`);
      cl.push(`${p}::success_rate::-1`);
      cl.push(`${p}::local_origin_success_rate::-1`);
    }
  }

  // ---- stats
  const textLines = [];
  const promCounters = new Map(); // name -> lines
  const promGauges = new Map();
  const add = (map, name, line) => {
    if (!map.has(name)) map.set(name, []);
    map.get(name).push(line);
  };
  for (const c of clusters.filter((x) => x.exported)) {
    const { gauges, counters } = clusterStats(c);
    for (const [s, v] of Object.entries(counters)) {
      textLines.push([`cluster.${c.name}.${s}`, v]);
      const p = promCluster(c.name, s);
      add(promCounters, p.name, `${p.name}{${p.labels}} ${v}`);
    }
    for (const [s, v] of Object.entries(gauges)) {
      textLines.push([`cluster.${c.name}.${s}`, v]);
      const p = promCluster(c.name, s);
      add(promGauges, p.name, `${p.name}{${p.labels}} ${v}`);
    }
  }
  const cm = {
    counters: {
      'cluster_manager.cds.init_fetch_timeout': 0,
      'cluster_manager.cds.update_attempt': server.xdsUpdates + 2,
      'cluster_manager.cds.update_failure': 0,
      'cluster_manager.cds.update_rejected': 0,
      'cluster_manager.cds.update_success': server.xdsUpdates,
      'cluster_manager.cluster_added': clusters.length,
      'cluster_manager.cluster_modified': 4,
      'cluster_manager.cluster_removed': 0,
      'cluster_manager.cluster_updated': server.xdsUpdates * 3,
      'listener_manager.lds.init_fetch_timeout': 0,
      'listener_manager.lds.update_attempt': server.xdsUpdates + 2,
      'listener_manager.lds.update_failure': 0,
      'listener_manager.lds.update_rejected': 0,
      'listener_manager.lds.update_success': server.xdsUpdates,
      'listener_manager.listener_added': server.listeners,
      'listener_manager.listener_create_failure': 0,
      'listener_manager.listener_create_success': server.listeners * 2,
      'listener_manager.listener_modified': 0,
      'listener_manager.listener_removed': 0,
      'server.debug_assertion_failures': 0,
      'server.dynamic_unknown_fields': 0,
      'server.envoy_bug_failures': 0,
      'server.main_thread.watchdog_mega_miss': 0,
      'server.main_thread.watchdog_miss': 0,
      'server.static_unknown_fields': 0,
      'server.worker_0.watchdog_mega_miss': 0,
      'server.worker_0.watchdog_miss': 0,
      'server.worker_1.watchdog_mega_miss': 0,
      'server.worker_1.watchdog_miss': 0,
    },
    gauges: {
      'cluster_manager.active_clusters': clusters.length,
      'cluster_manager.cds.update_time': server.lastUpdateMs,
      'cluster_manager.cds.version': 6271409382733,
      'cluster_manager.warming_clusters': 0,
      'listener_manager.lds.update_time': server.lastUpdateMs,
      'listener_manager.lds.version': 6271409382733,
      'listener_manager.total_filter_chains_draining': 0,
      'listener_manager.total_listeners_active': server.listeners,
      'listener_manager.total_listeners_draining': 0,
      'listener_manager.total_listeners_warming': 0,
      'listener_manager.workers_started': 1,
      'server.compilation_settings.fips_mode': 0,
      'server.concurrency': 2,
      'server.days_until_first_cert_expiring': server.certDays,
      'server.hot_restart_epoch': 0,
      'server.live': 1,
      'server.memory_allocated': server.memoryAllocated,
      'server.memory_heap_size': server.memoryHeap,
      'server.memory_physical_size': server.memoryHeap + 4194304,
      'server.parent_connections': 0,
      'server.seconds_until_first_ocsp_response_expiring': 0,
      'server.state': 0,
      'server.stats_recent_lookups': 0,
      'server.total_connections': server.connections,
      'server.uptime': server.uptime,
      'server.version': 12402962,
    },
  };
  for (const [s, v] of Object.entries(cm.counters)) {
    textLines.push([s, v]);
    add(promCounters, `envoy_${promName(s)}`, `envoy_${promName(s)}{} ${v}`);
  }
  for (const [s, v] of Object.entries(cm.gauges)) {
    textLines.push([s, v]);
    add(promGauges, `envoy_${promName(s)}`, `envoy_${promName(s)}{} ${v}`);
  }
  textLines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const stats = textLines.map(([s, v]) => `${s}: ${v}`).join('\n') + '\n';

  const section = (map, type) =>
    [...map.keys()]
      .sort()
      .map((name) => `# TYPE ${name} ${type}\n${map.get(name).join('\n')}`)
      .join('\n');
  // Envoy prints untagged series with empty braces: envoy_server_live{} 1
  const fix = (s) => s;
  const istioText = istio.map((m) => `# TYPE ${m.name} ${m.type}\n${m.lines.join('\n')}`).join('\n');
  const envoyProm = fix(`${section(promCounters, 'counter')}\n${istioText}\n${section(promGauges, 'gauge')}\n`);
  return { clusters: cl.join('\n') + '\n', stats, prometheus: envoyProm };
}

const BUCKETS = ['0.5', '1', '5', '10', '25', '50', '100', '250', '500', '1000', '2500', '5000', '10000', '30000', '60000', '300000', '600000', '1800000', '3600000', '+Inf'];
/** Cumulative histogram lines for a latency profile: fractions of requests at or below each bucket bound. */
export function histogramLines(name, labels, count, cdf, sumMs) {
  const lines = BUCKETS.map((le, i) => `${name}_bucket{${labels},le="${le}"} ${le === '+Inf' ? count : Math.round(count * (cdf[i] ?? 1))}`);
  lines.push(`${name}_sum{${labels}} ${sumMs}`);
  lines.push(`${name}_count{${labels}} ${count}`);
  return lines;
}
