// What the proxies and SPIRE answer through the pod proxy and exec: Envoy stats, clusters, certificates, health (PodEndpoints and PodExecs under sim/).
import { uid, h } from '../lib.mjs';
import { ISTIO_TAG } from '../k8s.mjs';
import { registry, service } from '../workloads.mjs';
import { TRUST_DOMAIN } from '../istio.mjs';
import { edsCluster, otherCluster, envoyViews, histogramLines } from '../envoy.mjs';
import { T, emit, fq, ISTIO_NS, SPIRE_NS, LEG, MESH, MON } from '../model.mjs';
import { gw } from './control-plane.mjs';
import { APP, mesh } from './app.mjs';
import { entryShow, agentList } from './spire-registration.mjs';

// ---------------------------------------------------------------- proxies: stats, clusters, certs
const svcPods = (svc) => registry.pods.filter((p) => p.metadata.namespace === svc.metadata.namespace && svc.spec.selector && Object.entries(svc.spec.selector).every(([k, v]) => p.metadata.labels[k] === v));
function targetPortOf(pod, tp) {
  if (typeof tp === 'number') return tp;
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === tp) return p.containerPort;
  return undefined;
}
const DR_HOSTS = new Set([fq('zamaz-api', MESH), fq('zamaz-frontend', MESH)]);
/** Outbound clusters every proxy receives (no Sidecar resource: the whole mesh), with per-proxy traffic. */
function outboundClusters(traffic) {
  const out = [];
  for (const svc of registry.services) {
    if (svc.spec.clusterIP === 'None') continue;
    const host = fq(svc.metadata.name, svc.metadata.namespace);
    for (const port of svc.spec.ports) {
      if (port.protocol === 'UDP') continue;
      const name = `outbound|${port.port}||${host}`;
      const t = traffic[name] ?? {};
      const pods = svcPods(svc);
      const hosts = svc.metadata.name === 'kubernetes' ? [{ addr: '10.0.0.10:6443' }] : pods.map((p) => ({ addr: `${p.status.podIP}:${targetPortOf(p, port.targetPort)}` }));
      // Spread per-host counters evenly.
      const total = Object.values(t.codes ?? {}).reduce((a, b) => a + b, 0);
      const errors = Object.entries(t.codes ?? {}).filter(([c]) => c >= '500').reduce((a, [, n]) => a + n, 0);
      hosts.forEach((hst, i) => {
        const share = (n) => Math.floor(n / hosts.length) + (i < n % hosts.length ? 1 : 0);
        hst.rq_success = share(total - errors);
        hst.rq_error = share(errors);
        hst.cx_total = share(t.cx_total ?? 0);
        hst.cx_active = share(t.cx_active ?? 0);
      });
      const dr = DR_HOSTS.has(host);
      out.push(edsCluster(name, { cb: dr ? { cx: 100, pending: 1000 } : {}, outlier: dr, hosts, traffic: { http: port.name?.startsWith('http') || [80, 8080, 3000].includes(port.port), ...t } }));
    }
  }
  return out;
}
function proxyClusters(kind, inboundPorts, traffic) {
  const list = outboundClusters(traffic);
  for (const p of inboundPorts) list.push(otherCluster(`inbound|${p}||`, 'original_dst'));
  list.push(otherCluster('BlackHoleCluster', 'cds'));
  list.push(otherCluster('PassthroughCluster', 'original_dst'));
  if (kind === 'sidecar') list.push(otherCluster('InboundPassthroughCluster', 'original_dst'));
  list.push(otherCluster('agent', 'static', { hosts: [{ addr: '127.0.0.1:15020', cx_total: 2, rq_success: 1840 }] }));
  list.push(otherCluster('prometheus_stats', 'static', { hosts: [{ addr: '127.0.0.1:15000', cx_total: 1, rq_success: 3610 }] }));
  list.push(otherCluster('sds-grpc', 'static', { hosts: [{ addr: './var/run/secrets/workload-spiffe-uds/socket', cx_active: 1, cx_total: 1, rq_success: 0 }], traffic: { cx_active: 1, cx_total: 1 } }));
  list.push(otherCluster('xds-grpc', 'static', { hosts: [{ addr: './etc/istio/proxy/XDS', cx_active: 1, cx_total: 3, rq_success: 0 }], traffic: { cx_active: 1, cx_total: 3, rq_active: 1, codes: {} } }));
  return list;
}
const daysLeft = (iso) => Math.floor((Date.parse(iso) - Date.parse(T.now)) / 86400000);
const certDays = Math.min(daysLeft(T.certTo), daysLeft(T.caTo));
const MESH_LABELS = (src, dst) => {
  const l = {
    reporter: src.reporter,
    source_workload: src.workload,
    source_canonical_service: src.workload,
    source_canonical_revision: 'latest',
    source_workload_namespace: src.ns,
    source_principal: `spiffe://${TRUST_DOMAIN}/ns/${src.ns}/sa/${src.sa}`,
    source_app: src.workload,
    source_version: 'unknown',
    source_cluster: 'Kubernetes',
    destination_workload: dst.workload,
    destination_workload_namespace: dst.ns,
    destination_principal: dst.sidecar ? `spiffe://${TRUST_DOMAIN}/ns/${dst.ns}/sa/${dst.sa}` : 'unknown',
    destination_app: dst.sidecar ? dst.workload : 'unknown',
    destination_version: 'unknown',
    destination_service: fq(dst.service, dst.ns),
    destination_canonical_service: dst.workload,
    destination_canonical_revision: 'latest',
    destination_service_name: dst.service,
    destination_service_namespace: dst.ns,
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
  };
  return l;
};
const lbl = (o) => Object.entries(o).map(([k, v]) => `${k}="${v}"`).join(',');
function requestSeries(src, dst, codes, security) {
  const base = MESH_LABELS(src, dst);
  return Object.entries(codes).map(([code, n]) => `istio_requests_total{${lbl({ ...base, response_code: code, grpc_response_status: '', response_flags: '-', connection_security_policy: security })}} ${n}`);
}
const GW = { reporter: 'source', workload: 'istio-ingressgateway', ns: ISTIO_NS, sa: 'istio-ingressgateway' };
const dstApi = (ns) => ({ workload: 'zamaz-api', ns, sa: 'zamaz-api', service: 'zamaz-api', sidecar: ns === MESH });
const dstWeb = (ns) => ({ workload: 'zamaz-frontend', ns, sa: 'zamaz-frontend', service: 'zamaz-frontend', sidecar: ns === MESH });
const CDF_API = [0, 0.002, 0.21, 0.58, 0.86, 0.955, 0.988, 0.997, 0.9993, 0.9999, 1];
const CDF_WEB = [0, 0.01, 0.48, 0.81, 0.95, 0.985, 0.996, 0.999, 0.9998, 1];

// Traffic model. Gateway pods: cumulative since 2026-11-17 for legacy, since the 10 % step for mesh.
const traffic = {
  gateway: {
    codes: {
      [`outbound|8080||${fq('zamaz-api', LEG)}`]: { 200: 1843211, 201: 40210, 404: 3120, 500: 412, 503: 38 },
      [`outbound|8080||${fq('zamaz-api', MESH)}`]: { 200: 20488, 201: 455, 404: 35, 500: 4 },
      [`outbound|80||${fq('zamaz-frontend', LEG)}`]: { 200: 922104, 304: 120332, 404: 1502 },
      [`outbound|80||${fq('zamaz-frontend', MESH)}`]: { 200: 10240, 304: 1339, 404: 17 },
    },
    cx: {
      [`outbound|8080||${fq('zamaz-api', LEG)}`]: [14, 48210],
      [`outbound|8080||${fq('zamaz-api', MESH)}`]: [4, 2099],
      [`outbound|80||${fq('zamaz-frontend', LEG)}`]: [9, 104410],
      [`outbound|80||${fq('zamaz-frontend', MESH)}`]: [2, 1161],
    },
  },
};
function gatewayProxy() {
  const t = {};
  for (const [name, codes] of Object.entries(traffic.gateway.codes)) {
    const [active, total] = traffic.gateway.cx[name];
    t[name] = { codes, cx_active: active, cx_total: total, rq_active: Math.min(active, 3) };
  }
  const istio = [];
  const lines = [
    ...requestSeries(GW, dstApi(LEG), traffic.gateway.codes[`outbound|8080||${fq('zamaz-api', LEG)}`], 'unknown'),
    ...requestSeries(GW, dstApi(MESH), traffic.gateway.codes[`outbound|8080||${fq('zamaz-api', MESH)}`], 'unknown'),
    ...requestSeries(GW, dstWeb(LEG), traffic.gateway.codes[`outbound|80||${fq('zamaz-frontend', LEG)}`], 'unknown'),
    ...requestSeries(GW, dstWeb(MESH), traffic.gateway.codes[`outbound|80||${fq('zamaz-frontend', MESH)}`], 'unknown'),
  ];
  istio.push({ name: 'istio_requests_total', type: 'counter', lines });
  const hist = [];
  for (const [dst, key, cdf, meanMs] of [
    [dstApi(LEG), `outbound|8080||${fq('zamaz-api', LEG)}`, CDF_API, 18.4],
    [dstApi(MESH), `outbound|8080||${fq('zamaz-api', MESH)}`, CDF_API, 19.1],
    [dstWeb(LEG), `outbound|80||${fq('zamaz-frontend', LEG)}`, CDF_WEB, 7.2],
    [dstWeb(MESH), `outbound|80||${fq('zamaz-frontend', MESH)}`, CDF_WEB, 7.6],
  ]) {
    const codes = traffic.gateway.codes[key];
    const n = codes[200];
    const l = lbl({ ...MESH_LABELS(GW, dst), response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'unknown' });
    hist.push(...histogramLines('istio_request_duration_milliseconds', l, n, cdf, Math.round(n * meanMs)));
  }
  istio.push({ name: 'istio_request_duration_milliseconds', type: 'histogram', lines: hist });
  const clusters = proxyClusters('gateway', [], t);
  return envoyViews({ clusters, istio, server: { xdsUpdates: 96, listeners: 3, lastUpdateMs: Date.parse(T.step10), certDays, memoryAllocated: 18874368, memoryHeap: 33554432, connections: 212, uptime: Math.floor((Date.parse(T.now) - Date.parse(T.gateway)) / 1000) } });
}
function meshProxy(app) {
  const t = {};
  const istio = [];
  const inboundFromGw = { ...GW, reporter: 'destination' };
  const FE = { reporter: 'destination', workload: 'zamaz-frontend', ns: MESH, sa: 'zamaz-frontend' };
  let lines = [];
  const hist = [];
  const tcp = [];
  if (app === APP.api) {
    const fromGw = { 200: 10244, 201: 228, 404: 18, 500: 2 };
    const fromFe = { 200: 3021 };
    lines = [...requestSeries(inboundFromGw, dstApi(MESH), fromGw, 'mutual_tls'), ...requestSeries(FE, dstApi(MESH), fromFe, 'mutual_tls')];
    const l = lbl({ ...MESH_LABELS(inboundFromGw, dstApi(MESH)), response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'mutual_tls' });
    hist.push(...histogramLines('istio_request_duration_milliseconds', l, fromGw[200], CDF_API, Math.round(fromGw[200] * 17.8)));
    for (const [svc, port, active, total, sent, recv] of [
      ['zamaz-postgres', 5432, 10, 14, 48213344, 390112288],
      ['zamaz-redis', 6379, 4, 6, 8121904, 20449312],
      ['zamaz-nats', 4222, 1, 1, 1290112, 884224],
    ]) {
      t[`outbound|${port}||${fq(svc, LEG)}`] = { cx_active: active, cx_total: total, rx_bytes: recv, tx_bytes: sent };
      const base = {
        reporter: 'source',
        source_workload: 'zamaz-api',
        source_canonical_service: 'zamaz-api',
        source_canonical_revision: 'latest',
        source_workload_namespace: MESH,
        source_principal: `spiffe://${TRUST_DOMAIN}/ns/${MESH}/sa/zamaz-api`,
        source_app: 'zamaz-api',
        source_version: 'unknown',
        source_cluster: 'Kubernetes',
        destination_workload: svc,
        destination_workload_namespace: LEG,
        destination_principal: 'unknown',
        destination_app: 'unknown',
        destination_version: 'unknown',
        destination_service: fq(svc, LEG),
        destination_canonical_service: svc,
        destination_canonical_revision: 'latest',
        destination_service_name: svc,
        destination_service_namespace: LEG,
        destination_cluster: 'Kubernetes',
        request_protocol: 'tcp',
        response_flags: '-',
        connection_security_policy: 'unknown',
      };
      tcp.push(['istio_tcp_connections_opened_total', `istio_tcp_connections_opened_total{${lbl(base)}} ${total}`]);
      tcp.push(['istio_tcp_connections_closed_total', `istio_tcp_connections_closed_total{${lbl(base)}} ${total - active}`]);
      tcp.push(['istio_tcp_received_bytes_total', `istio_tcp_received_bytes_total{${lbl(base)}} ${recv}`]);
      tcp.push(['istio_tcp_sent_bytes_total', `istio_tcp_sent_bytes_total{${lbl(base)}} ${sent}`]);
    }
  } else {
    const fromGw = { 200: 5120, 304: 669, 404: 8 };
    lines = requestSeries(inboundFromGw, dstWeb(MESH), fromGw, 'mutual_tls');
    const toApi = { 200: 3021 };
    t[`outbound|8080||${fq('zamaz-api', MESH)}`] = { codes: toApi, cx_active: 2, cx_total: 310, rq_active: 0 };
    lines.push(...requestSeries({ reporter: 'source', workload: 'zamaz-frontend', ns: MESH, sa: 'zamaz-frontend' }, dstApi(MESH), toApi, 'unknown'));
    const l = lbl({ ...MESH_LABELS(inboundFromGw, dstWeb(MESH)), response_code: '200', grpc_response_status: '', response_flags: '-', connection_security_policy: 'mutual_tls' });
    hist.push(...histogramLines('istio_request_duration_milliseconds', l, fromGw[200], CDF_WEB, Math.round(fromGw[200] * 6.9)));
  }
  istio.push({ name: 'istio_requests_total', type: 'counter', lines });
  istio.push({ name: 'istio_request_duration_milliseconds', type: 'histogram', lines: hist });
  const tcpNames = [...new Set(tcp.map(([n]) => n))].sort();
  for (const n of tcpNames) istio.push({ name: n, type: 'counter', lines: tcp.filter(([x]) => x === n).map(([, l]) => l) });
  const clusters = proxyClusters('sidecar', [app.port], t);
  return envoyViews({ clusters, istio, server: { xdsUpdates: 61, listeners: 38, lastUpdateMs: Date.parse(T.step10), certDays, memoryAllocated: 14680064, memoryHeap: 25165824, connections: 41, uptime: Math.floor((Date.parse(T.now) - Date.parse(T.meshApp)) / 1000) } });
}
function agentMetrics(uptimeSeconds) {
  return `# HELP istio_agent_go_goroutines Number of goroutines that currently exist.
# TYPE istio_agent_go_goroutines gauge
istio_agent_go_goroutines 64
# HELP istio_agent_process_virtual_memory_bytes Virtual memory size in bytes.
# TYPE istio_agent_process_virtual_memory_bytes gauge
istio_agent_process_virtual_memory_bytes 7.6484608e+08
# HELP istio_agent_scrapes_total The total number of scrapes.
# TYPE istio_agent_scrapes_total counter
istio_agent_scrapes_total ${Math.floor(uptimeSeconds / 15)}
# HELP istio_agent_startup_duration_seconds The time from the process starting to being marked ready.
# TYPE istio_agent_startup_duration_seconds gauge
istio_agent_startup_duration_seconds 1.412
# HELP istio_agent_xds_proxy_requests The total number of Xds Proxy Requests
# TYPE istio_agent_xds_proxy_requests counter
istio_agent_xds_proxy_requests 243
# HELP istio_build Istio component build info
# TYPE istio_build gauge
istio_build{component="proxy",tag="${ISTIO_TAG}"} 1
`;
}
function certsJson(pod, serialKey) {
  const sa = pod.spec.serviceAccountName;
  const ns = pod.metadata.namespace;
  const ca = {
    path: '<inline>',
    serial_number: h(`spire-ca-serial`, 32),
    subject_alt_names: [{ uri: `spiffe://${TRUST_DOMAIN}` }],
    days_until_expiration: String(daysLeft(T.caTo)),
    valid_from: T.caFrom,
    expiration_time: T.caTo,
  };
  const leaf = {
    path: '<inline>',
    serial_number: h(`svid-serial/${serialKey}`, 32),
    subject_alt_names: [{ uri: `spiffe://${TRUST_DOMAIN}/ns/${ns}/sa/${sa}` }],
    days_until_expiration: String(daysLeft(T.certTo)),
    valid_from: T.certFrom,
    expiration_time: T.certTo,
  };
  const body = { certificates: [{ ca_cert: [ca], cert_chain: [leaf] }, { ca_cert: [ca], cert_chain: [leaf] }] };
  // Envoy's admin JSON: one-space indent, '<' and '>' escaped.
  return JSON.stringify(body, null, 1).replace(/</g, '\\u003c').replace(/>/g, '\\u003e') + '\n';
}

// ---------------------------------------------------------------- sim entries
const sim = { endpoints: new Map(), execs: new Map() };
function pe(ns, name, spec) {
  if (!sim.endpoints.has(ns)) sim.endpoints.set(ns, []);
  sim.endpoints.get(ns).push({ apiVersion: 'sim.meshgate.dev/v1alpha1', kind: 'PodEndpoint', metadata: { name, namespace: ns, creationTimestamp: T.now, uid: uid(`pe/${ns}/${name}`) }, spec });
}
function px(ns, name, spec) {
  if (!sim.execs.has(ns)) sim.execs.set(ns, []);
  sim.execs.get(ns).push({ apiVersion: 'sim.meshgate.dev/v1alpha1', kind: 'PodExec', metadata: { name, namespace: ns, creationTimestamp: T.now, uid: uid(`px/${ns}/${name}`) }, spec });
}
const PROM_CT = 'text/plain; version=0.0.4; charset=utf-8';
for (const [app, key] of [[APP.api, 'api'], [APP.web, 'web']]) {
  const sel = { app: app.name };
  const views = meshProxy(app);
  const uptime = Math.floor((Date.parse(T.now) - Date.parse(T.meshApp)) / 1000);
  const appBody = app === APP.api ? '{"status":"ok"}' : 'ok';
  const appCt = app === APP.api ? 'application/json' : 'text/plain; charset=utf-8';
  pe(MESH, `${app.name}-app-readyz`, { selector: sel, port: 15020, path: `/app-health/${app.container}/readyz`, status: 200, body: appBody, contentType: appCt });
  pe(MESH, `${app.name}-app-livez`, { selector: sel, port: 15020, path: `/app-health/${app.container}/livez`, status: 200, body: appBody, contentType: appCt });
  pe(MESH, `${app.name}-agent-ready`, { selector: sel, port: 15020, path: '/healthz/ready', status: 200, body: '' });
  pe(MESH, `${app.name}-envoy-ready`, { selector: sel, port: 15021, path: '/healthz/ready', status: 200, body: '' });
  pe(MESH, `${app.name}-merged-stats`, { selector: sel, port: 15020, path: '/stats/prometheus', status: 200, body: views.prometheus + agentMetrics(uptime), contentType: PROM_CT });
  pe(MESH, `${app.name}-envoy-stats`, { selector: sel, port: 15090, path: '/stats/prometheus', status: 200, body: views.prometheus, contentType: PROM_CT });
  for (const pod of mesh[key].pods) {
    px(MESH, `${pod.metadata.name}-certs`, { pod: pod.metadata.name, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'certs'], stdout: certsJson(pod, pod.metadata.uid) });
  }
  px(MESH, `${app.name}-clusters`, { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'clusters'], stdout: views.clusters });
  px(MESH, `${app.name}-stats`, { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'stats'], match: 'prefix', stdout: views.stats });
}
{
  const sel = { app: 'istio-ingressgateway' };
  const views = gatewayProxy();
  const uptime = Math.floor((Date.parse(T.now) - Date.parse(T.gateway)) / 1000);
  pe(ISTIO_NS, 'istio-ingressgateway-envoy-ready', { selector: sel, port: 15021, path: '/healthz/ready', status: 200, body: '' });
  pe(ISTIO_NS, 'istio-ingressgateway-agent-ready', { selector: sel, port: 15020, path: '/healthz/ready', status: 200, body: '' });
  pe(ISTIO_NS, 'istio-ingressgateway-merged-stats', { selector: sel, port: 15020, path: '/stats/prometheus', status: 200, body: views.prometheus + agentMetrics(uptime), contentType: PROM_CT });
  pe(ISTIO_NS, 'istio-ingressgateway-envoy-stats', { selector: sel, port: 15090, path: '/stats/prometheus', status: 200, body: views.prometheus, contentType: PROM_CT });
  for (const pod of gw.pods) px(ISTIO_NS, `${pod.metadata.name}-certs`, { pod: pod.metadata.name, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'certs'], stdout: certsJson(pod, pod.metadata.uid) });
  px(ISTIO_NS, 'istio-ingressgateway-clusters', { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'clusters'], stdout: views.clusters });
  px(ISTIO_NS, 'istio-ingressgateway-stats', { selector: sel, container: 'istio-proxy', command: ['pilot-agent', 'request', 'GET', 'stats'], match: 'prefix', stdout: views.stats });
  pe(ISTIO_NS, 'istiod-ready', { selector: { app: 'istiod' }, port: 8080, path: '/ready', status: 200, body: '' });
}
{
  const SRV = '/opt/spire/bin/spire-server';
  const AG = '/opt/spire/bin/spire-agent';
  const sock = ['-socketPath', '/tmp/spire-server/private/api.sock'];
  const srv = { pod: 'spire-server-0', container: 'spire-server' };
  px(SPIRE_NS, 'spire-server-healthcheck', { ...srv, command: [SRV, 'healthcheck'], stdout: 'Server is healthy.\n' });
  px(SPIRE_NS, 'spire-server-healthcheck-socket', { ...srv, command: [SRV, 'healthcheck', ...sock], stdout: 'Server is healthy.\n' });
  px(SPIRE_NS, 'spire-server-entry-show', { ...srv, command: [SRV, 'entry', 'show', '-output', 'json'], stdout: entryShow });
  px(SPIRE_NS, 'spire-server-entry-show-socket', { ...srv, command: [SRV, 'entry', 'show', '-output', 'json', ...sock], stdout: entryShow });
  px(SPIRE_NS, 'spire-server-agent-list', { ...srv, command: [SRV, 'agent', 'list', '-output', 'json'], stdout: agentList });
  px(SPIRE_NS, 'spire-agent-healthcheck', { selector: { app: 'spire-agent' }, container: 'spire-agent', command: [AG, 'healthcheck'], stdout: 'Agent is healthy.\n' });
  px(SPIRE_NS, 'spire-agent-healthcheck-socket', { selector: { app: 'spire-agent' }, container: 'spire-agent', command: [AG, 'healthcheck', '-socketPath', '/run/secrets/workload-spiffe-uds/socket'], stdout: 'Agent is healthy.\n' });
}
{
  pe(LEG, 'zamaz-api-health', { selector: { app: 'zamaz-api' }, port: 8080, path: '/health', status: 200, body: '{"status":"ok"}', contentType: 'application/json' });
  pe(LEG, 'zamaz-frontend-health', { selector: { app: 'zamaz-frontend' }, port: 3000, path: '/healthz', status: 200, body: 'ok', contentType: 'text/plain; charset=utf-8' });
  pe(LEG, 'envoy-admin-ready', { selector: { app: 'envoy' }, port: 9901, path: '/ready', status: 200, body: 'LIVE\n', contentType: 'text/plain; charset=UTF-8' });
  pe(MON, 'prometheus-ready', { selector: { app: 'prometheus-server' }, port: 9090, path: '/-/ready', status: 200, body: 'Prometheus Server is Ready.\n', contentType: 'text/plain; charset=utf-8' });
  pe(MON, 'prometheus-healthy', { selector: { app: 'prometheus-server' }, port: 9090, path: '/-/healthy', status: 200, body: 'Prometheus Server is Healthy.\n', contentType: 'text/plain; charset=utf-8' });
}
for (const [ns, objs] of sim.endpoints) emit(`sim/${ns}-endpoints.yaml`, objs);
for (const [ns, objs] of sim.execs) emit(`sim/${ns}-exec.yaml`, objs);
