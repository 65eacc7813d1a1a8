import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { parseDuration } from '../../core/index.ts';
import { labelsOf, rec, recs, str } from '../common/narrow.ts';
import { Inconclusive } from '../inconclusive.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { ownerOf, serviceAccountOf } from './mesh-pods.ts';
import { workloadOf } from '../common/pods.ts';

export interface ProxyCert {
  /** `cert_chain` (the workload SVID) or `ca_cert` (the trust bundle). */
  role: 'cert_chain' | 'ca_cert';
  uris: string[];
  serial: string;
  validFrom?: string;
  expiration?: string;
}

/** What `pilot-agent request GET certs` printed for one pod, or why it could not be read. */
export interface CertsAnswer {
  pod: KubeObject;
  stdout: string;
  exitCode: number;
  stderr?: string;
}

/** Parses Envoy's `/certs` admin JSON; throws Inconclusive when it is not that. */
export function parseCerts(text: string, where: string): ProxyCert[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Inconclusive(
      `${where}: pilot-agent request GET certs did not print JSON`,
      'run it by hand: kubectl exec <pod> -c istio-proxy -- pilot-agent request GET certs',
    );
  }
  const out: ProxyCert[] = [];
  for (const ctx of recs(rec(doc).certificates)) {
    for (const role of ['cert_chain', 'ca_cert'] as const) {
      for (const c of recs(ctx[role])) {
        const expiration = str(c.expiration_time);
        const validFrom = str(c.valid_from);
        out.push({
          role,
          uris: recs(c.subject_alt_names).flatMap((s) => (str(s.uri) ? [str(s.uri) ?? ''] : [])),
          serial: str(c.serial_number) ?? '',
          ...(validFrom ? { validFrom } : {}),
          ...(expiration ? { expiration } : {}),
        });
      }
    }
  }
  return out;
}

function readAnswer(a: CertsAnswer): { pname: string; certs: ProxyCert[] } {
  const pname = objectName('Pod', a.pod.metadata.name, a.pod.metadata.namespace);
  if (a.exitCode !== 0) {
    throw new Inconclusive(
      `${pname}: pilot-agent request GET certs exited ${a.exitCode}${a.stderr ? ` (${a.stderr.trim().slice(0, 200)})` : ''}`,
      `check the proxy: kubectl -n ${a.pod.metadata.namespace ?? ''} exec ${a.pod.metadata.name} -c istio-proxy -- pilot-agent request GET certs`,
    );
  }
  return { pname, certs: parseCerts(a.stdout, pname) };
}

export function expectedSpiffeId(pod: KubeObject, trustDomain: string): string {
  return `spiffe://${trustDomain}/ns/${pod.metadata.namespace ?? ''}/sa/${serviceAccountOf(pod)}`;
}

/** Each proxy's workload certificate carries the SPIFFE ID of its own ServiceAccount in the profile's trust domain. */
export function checkProxySpiffeIds(answers: CertsAnswer[], profile: Profile): CheckResult {
  if (answers.length === 0) {
    return failed([
      {
        object: objectName('Namespace', profile.namespaces.mesh),
        message: `no running proxies in ${profile.namespaces.mesh} to read identities from`,
        hint: `kubectl -n ${profile.namespaces.mesh} get pods`,
      },
    ]);
  }
  const findings: Finding[] = [];
  const details: string[] = [];
  for (const a of answers) {
    const { pname, certs } = readAnswer(a);
    const want = expectedSpiffeId(a.pod, profile.trustDomain);
    const uris = [...new Set(certs.filter((c) => c.role === 'cert_chain').flatMap((c) => c.uris))];
    const owner = ownerOf(a.pod);
    if (uris.length === 1 && uris[0] === want) {
      details.push(`${pname}: ${want}`);
      continue;
    }
    findings.push({
      object: pname,
      message: uris.length
        ? `${pname} presents ${uris.join(', ')}, not ${want} (its ServiceAccount ${serviceAccountOf(a.pod)} in trust domain ${profile.trustDomain})`
        : `${pname} presents no workload certificate with a SPIFFE ID (expected ${want})`,
      hint: `check its SPIRE registration (spire-server entry show -selector k8s:pod-uid:${a.pod.metadata.uid ?? '<uid>'}) and the ClusterSPIFFEID template, then kubectl -n ${a.pod.metadata.namespace ?? ''} rollout restart ${owner.kind}/${owner.name}`,
      field: 'cert_chain.subject_alt_names.uri',
      expected: want,
      actual: uris.join(', ') || '(none)',
    });
  }
  return failed(findings, ...details);
}

const HOUR = 3_600_000;

function describeSpan(ms: number): string {
  if (ms >= 48 * HOUR) return `${Math.round(ms / (24 * HOUR))}d`;
  if (ms >= 2 * HOUR) return `${Math.round(ms / HOUR)}h`;
  return `${Math.round(ms / 60_000)}m`;
}

/** Whether the pod's identity comes from SPIRE (the spire template's label or its CSI workload socket). */
function spireManaged(pod: KubeObject, profile: Profile): boolean {
  if (labelsOf(pod.metadata.labels)['spiffe.io/spire-managed-identity'] === 'true') return true;
  const vol = recs(rec(pod.spec).volumes).find((v) => v.name === 'workload-socket');
  return str(rec(vol?.csi).driver) === profile.spire.csiDriver;
}

/**
 * Who should have rotated a proxy's workload certificate, as a command to look at it: the SPIRE agent
 * on the pod's node for SPIRE-issued identities, else pilot-agent in the proxy (istiod's CA).
 */
function rotatorHint(pod: KubeObject, spirePods: KubeObject[], profile: Profile): string {
  const node = str(rec(pod.spec).nodeName);
  const ns = pod.metadata.namespace ?? '';
  const owner = ownerOf(pod);
  const restart = `then kubectl -n ${ns} rollout restart ${owner.kind}/${owner.name}`;
  if (spireManaged(pod, profile)) {
    const spireNs = profile.namespaces.spire;
    const agent = spirePods.find(
      (p) => workloadOf(p)?.name === profile.spire.agentDaemonSet && str(rec(p.spec).nodeName) === node,
    );
    const where = agent
      ? `kubectl -n ${spireNs} logs ${agent.metadata.name}; kubectl -n ${spireNs} exec ${agent.metadata.name} -- /opt/spire/bin/spire-agent healthcheck`
      : `kubectl -n ${spireNs} get pods -o wide | grep ${profile.spire.agentDaemonSet} (no agent pod found on ${node ?? 'its node'})`;
    return `SPIRE rotates it: look at the SPIRE agent on ${node ?? 'its node'} (${where}), ${restart}`;
  }
  return `pilot-agent in istio-proxy rotates it with istiod's CA: kubectl -n ${ns} logs ${pod.metadata.name} -c istio-proxy, ${restart}`;
}

/**
 * Certificates a proxy holds are valid now. A workload certificate is judged by its own lifetime
 * (valid_from → expiration_time): SPIRE (1 h SVIDs by default) and Istio (24 h) rotate at half, so one
 * with more than `security.certMaxLifetimeUsed` of its lifetime used was not rotated, whatever the
 * absolute time left. CA and bundle certificates live for years and are replaced by hand: they keep
 * the absolute margin `security.certExpiryMargin`. `spirePods` (the SPIRE namespace's pods) let a
 * finding name the agent to look at.
 */
export function checkProxyCertValidity(
  answers: CertsAnswer[],
  profile: Profile,
  now: Date,
  spirePods: KubeObject[] = [],
): CheckResult {
  const margin = parseDuration(profile.security.certExpiryMargin) ?? 0;
  const maxUsed = profile.security.certMaxLifetimeUsed;
  const findings: Finding[] = [];
  const unreadable: Finding[] = [];
  const details: string[] = [];
  if (answers.length === 0) {
    return failed([
      {
        object: objectName('Namespace', profile.namespaces.mesh),
        message: `no running proxies in ${profile.namespaces.mesh} to read certificates from`,
        hint: `kubectl -n ${profile.namespaces.mesh} get pods`,
      },
    ]);
  }
  const t = now.getTime();
  for (const a of answers) {
    const { pname, certs } = readAnswer(a);
    if (certs.length === 0) {
      findings.push({
        object: pname,
        message: `${pname} holds no certificates: its proxy has no identity`,
        hint: `check the proxy log: kubectl -n ${a.pod.metadata.namespace ?? ''} logs ${a.pod.metadata.name} -c istio-proxy`,
      });
      continue;
    }
    const rotator = rotatorHint(a.pod, spirePods, profile);
    let worst = 0;
    for (const c of certs) {
      const to = c.expiration ? Date.parse(c.expiration) : Number.NaN;
      if (!Number.isFinite(to)) {
        throw new Inconclusive(
          `${pname}: certificate ${c.serial} has no readable expiration_time`,
          'compare with: pilot-agent request GET certs',
        );
      }
      const workload = c.role === 'cert_chain';
      const what = workload
        ? `workload certificate ${c.uris.join(',')}`
        : `CA certificate ${c.uris.join(',')}`;
      const hint = workload
        ? rotator
        : 'rotate the SPIRE CA (spire-server) and check the bundle distributed to the proxies';
      const base = { object: pname, hint, field: `${c.role}.expiration_time` };
      if (to <= t) {
        findings.push({
          ...base,
          message: `${pname} ${what} (serial ${c.serial}) expired at ${c.expiration ?? ''}`,
          expected: `after ${now.toISOString()}`,
          actual: c.expiration ?? '',
        });
        continue;
      }
      if (!workload) {
        if (to - t < margin) {
          findings.push({
            ...base,
            message: `${pname} ${what} (serial ${c.serial}) expires at ${c.expiration ?? ''}, within the ${profile.security.certExpiryMargin} margin`,
            expected: `after now + ${profile.security.certExpiryMargin}`,
            actual: c.expiration ?? '',
          });
        }
        continue;
      }
      const from = c.validFrom ? Date.parse(c.validFrom) : Number.NaN;
      if (!Number.isFinite(from) || from >= to) {
        unreadable.push({
          object: pname,
          message: `${pname} ${what} (serial ${c.serial}) has no readable valid_from: its lifetime, and so whether it was rotated, cannot be judged`,
          hint: `compare with: kubectl -n ${a.pod.metadata.namespace ?? ''} exec ${a.pod.metadata.name} -c istio-proxy -- pilot-agent request GET certs`,
          field: 'cert_chain.valid_from',
        });
        continue;
      }
      const lifetime = to - from;
      if (from > t) {
        findings.push({
          ...base,
          field: 'cert_chain.valid_from',
          message: `${pname} ${what} (serial ${c.serial}) is not valid before ${c.validFrom ?? ''}: peers reject it (is the node's clock ahead?)`,
          expected: `before ${now.toISOString()}`,
          actual: c.validFrom ?? '',
        });
        continue;
      }
      const used = (t - from) / lifetime;
      worst = Math.max(worst, used);
      if (used > maxUsed) {
        const pct = (x: number) => `${Math.round(100 * x)}%`;
        findings.push({
          ...base,
          message: `${pname} ${what} (serial ${c.serial}) was not rotated: issued ${c.validFrom ?? ''} for ${describeSpan(lifetime)}, ${pct(used)} of its lifetime is used (rotation is due at half, the limit is ${pct(maxUsed)}); it expires at ${c.expiration ?? ''}`,
          expected: `at most ${pct(maxUsed)} of the lifetime used`,
          actual: pct(used),
        });
      }
    }
    details.push(
      `${pname}: ${certs.length} certificates, workload certificates at most ${Math.round(100 * worst)}% through their lifetime`,
    );
  }
  // De-duplicate: Envoy lists the same certificate once per TLS context.
  const seen = new Set<string>();
  const dedupe = (list: Finding[]) =>
    list.filter((f) => (seen.has(f.message) ? false : (seen.add(f.message), true)));
  const failures = dedupe(findings);
  const blind = dedupe(unreadable);
  if (failures.length === 0 && blind.length > 0) return { status: 'inconclusive', findings: blind, details };
  return failed([...failures, ...blind], ...details);
}

/**
 * Each running mesh pod gets its identity from SPIRE: the `spire` injection template's
 * `spiffe.io/spire-managed-identity` label and a `workload-socket` CSI volume of the SPIFFE CSI driver
 * (the default template's emptyDir means istiod's CA issues the certificate instead).
 */
export function checkSpireIssued(
  pods: KubeObject[],
  csiDrivers: KubeObject[],
  profile: Profile,
): CheckResult {
  const driver = profile.spire.csiDriver;
  const findings: Finding[] = [];
  if (!csiDrivers.some((d) => d.metadata.name === driver)) {
    findings.push({
      object: objectName('CSIDriver', driver),
      message: `CSIDriver ${driver} is not installed: no pod can mount the SPIRE workload socket`,
      hint: 'install the SPIFFE CSI driver (spiffe-csi-driver Helm chart)',
    });
  }
  if (pods.length === 0) {
    findings.push({
      object: objectName('Namespace', profile.namespaces.mesh),
      message: `no running pods with a proxy in ${profile.namespaces.mesh}`,
      hint: `kubectl -n ${profile.namespaces.mesh} get pods`,
    });
  }
  for (const pod of pods) {
    const pname = objectName('Pod', pod.metadata.name, pod.metadata.namespace);
    const owner = ownerOf(pod);
    const restart = `kubectl -n ${pod.metadata.namespace ?? ''} rollout restart ${owner.kind}/${owner.name}`;
    if (labelsOf(pod.metadata.labels)['spiffe.io/spire-managed-identity'] !== 'true') {
      findings.push({
        object: pname,
        message: `${pname} lacks the label spiffe.io/spire-managed-identity=true: it was not injected with the spire template`,
        hint: `set the pod template annotation inject.istio.io/templates: sidecar,spire, then ${restart}`,
        field: 'metadata.labels["spiffe.io/spire-managed-identity"]',
        expected: 'true',
        actual: labelsOf(pod.metadata.labels)['spiffe.io/spire-managed-identity'] ?? '(unset)',
      });
    }
    const vol = recs(rec(pod.spec).volumes).find((v) => v.name === 'workload-socket');
    const csiDriver = str(rec(vol?.csi).driver);
    if (csiDriver !== driver) {
      const actual = !vol
        ? 'missing'
        : csiDriver
          ? `csi ${csiDriver}`
          : (Object.keys(vol).find((k) => k !== 'name') ?? 'unknown');
      findings.push({
        object: pname,
        message: `${pname} volume workload-socket is ${actual === 'missing' ? 'missing' : `${actual}, not the ${driver} CSI volume`}: its certificate comes from istiod's CA, not from SPIRE`,
        hint: `inject with the spire template (annotation inject.istio.io/templates: sidecar,spire; the template mounts workload-socket from csi driver ${driver}), then ${restart}`,
        field: 'spec.volumes[workload-socket]',
        expected: `csi: {driver: ${driver}}`,
        actual,
      });
    }
  }
  return failed(findings, `${pods.length} running proxies checked for the SPIRE workload socket (${driver})`);
}

/** `trustDomain` from the mesh config YAML (Istio's default when unset: cluster.local). */
export function istioTrustDomain(meshConfig: KubeObject | undefined): string | undefined {
  const text = str(rec(meshConfig?.data).mesh);
  if (text === undefined) return undefined;
  return str(rec(parseYaml(text)).trustDomain) ?? 'cluster.local';
}

export function spireTrustDomain(serverConfig: KubeObject | undefined): string | undefined {
  const text = str(rec(serverConfig?.data)['server.conf']);
  return text ? /trust_domain\s*=\s*"([^"]+)"/.exec(text)?.[1] : undefined;
}

/** Istio's trust domain (mesh config) equals SPIRE's (server.conf), and both equal the profile's. */
export function checkTrustDomain(
  meshConfig: KubeObject | undefined,
  spireConfig: KubeObject | undefined,
  profile: Profile,
  /** The revision's mesh ConfigMap (`istio-<rev>`), named in findings when it cannot be read. */
  meshConfigName = meshConfig?.metadata.name ?? profile.istio.meshConfigMap,
): CheckResult {
  const td = profile.trustDomain;
  const cmName = meshConfigName;
  const meshRef = objectName('ConfigMap', cmName, profile.namespaces.istio);
  const spireRef = objectName('ConfigMap', profile.spire.server.name, profile.namespaces.spire);
  const istio = istioTrustDomain(meshConfig);
  const spire = spireTrustDomain(spireConfig);
  const findings: Finding[] = [];
  if (istio === undefined) {
    findings.push({
      object: meshRef,
      message: `${meshRef} has no mesh key: Istio's trust domain cannot be read`,
      hint: `kubectl -n ${profile.namespaces.istio} get configmap ${cmName} -o yaml`,
    });
  } else if (istio !== td) {
    findings.push({
      object: meshRef,
      message: `Istio's trust domain is ${istio}, the profile (and SPIRE) expect ${td}: peers reject each other's certificates and principals never match`,
      hint: `helm upgrade istiod istio/istiod -n ${profile.namespaces.istio} --reuse-values --set meshConfig.trustDomain=${td}`,
      field: 'data.mesh.trustDomain',
      expected: td,
      actual: istio,
    });
  }
  if (spire !== undefined && spire !== td) {
    findings.push({
      object: spireRef,
      message: `SPIRE's trust domain is ${spire}, Istio's is ${istio ?? '?'} and the profile's ${td}: SVIDs would carry the wrong trust domain`,
      hint: `set trust_domain = "${td}" in server.conf (SPIRE Helm value global.spire.trustDomain); changing it re-issues every identity`,
      field: 'data["server.conf"].trust_domain',
      expected: td,
      actual: spire,
    });
  }
  return failed(
    findings,
    `Istio ${istio ?? '?'}, SPIRE ${spire ?? `? (${spireRef} not readable; compared with the profile)`}, profile ${td}`,
  );
}
