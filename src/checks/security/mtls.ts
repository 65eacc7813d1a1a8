import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { failed, objectName, type CheckResult, type Finding } from '../types.ts';
import { hasProxy, plural, runningPods } from './mesh-pods.ts';
import { readPeerAuthn, resolvePodMtls, type ModeSource } from './peer-authentication.ts';

const MEANING: Record<string, string> = {
  PERMISSIVE: 'accepts plaintext as well as mTLS',
  DISABLE: 'has mTLS disabled (plaintext only)',
};

function origin(src: ModeSource): string {
  if (!src.policy) return 'no PeerAuthentication applies, and Istio defaults to PERMISSIVE';
  const scope = { mesh: 'mesh-wide', namespace: 'namespace-wide', workload: 'workload', port: 'port-level' }[
    src.scope ?? 'mesh'
  ];
  return `set by ${src.policy} (${scope})`;
}

function fix(src: ModeSource, profile: Profile, mesh: string, port?: number): string {
  if (!src.policy) {
    return `kubectl apply -f - <<< '{"apiVersion":"security.istio.io/v1beta1","kind":"PeerAuthentication","metadata":{"name":"default","namespace":"${profile.istio.rootNamespace}"},"spec":{"mtls":{"mode":"STRICT"}}}'`;
  }
  const [, ns, name] = src.policy.split('/');
  const patch =
    src.scope === 'port' && port !== undefined
      ? `{"spec":{"portLevelMtls":{"${port}":{"mode":"STRICT"}}}}`
      : '{"spec":{"mtls":{"mode":"STRICT"}}}';
  return `kubectl -n ${ns ?? mesh} patch peerauthentication ${name ?? ''} --type merge -p '${patch}'`;
}

/**
 * STRICT mTLS for every running pod and application port of the mesh namespace, resolved the way
 * istiod resolves PeerAuthentication (see peer-authentication.ts). A pod without a sidecar accepts
 * plaintext whatever the policies say, so it is a finding too.
 */
export function checkStrictMtls(
  pods: KubeObject[],
  peerAuthentications: KubeObject[],
  profile: Profile,
): CheckResult {
  const mesh = profile.namespaces.mesh;
  const root = profile.istio.rootNamespace;
  const policies = peerAuthentications.map(readPeerAuthn);
  const running = runningPods(pods, mesh);
  if (running.length === 0) {
    return failed([
      {
        object: objectName('Namespace', mesh),
        message: `no running pods in ${mesh}: there is nothing whose mTLS mode could be verified`,
        hint: `deploy the mesh workloads: kubectl -n ${mesh} get deploy`,
      },
    ]);
  }
  const findings: Finding[] = [];
  const details: string[] = [];
  const notes = new Set<string>();
  for (const pod of running) {
    const pname = objectName('Pod', pod.metadata.name, mesh);
    if (!hasProxy(pod)) {
      findings.push({
        object: pname,
        message: `${pname} has no istio-proxy sidecar: it accepts plaintext whatever PeerAuthentication says`,
        hint: `kubectl -n ${mesh} delete pod ${pod.metadata.name} (after checking the namespace has istio-injection=enabled)`,
      });
      continue;
    }
    const r = resolvePodMtls(pod, policies, root);
    r.ignored.forEach((n) => notes.add(n));
    const suffix = r.ignored.length ? ` (${r.ignored.join('; ')})` : '';
    const bad = r.ports.filter((p) => p.source.mode !== 'STRICT');
    for (const { port, source } of bad) {
      findings.push({
        object: pname,
        message: `${pname} port ${port} is ${source.mode}: it ${MEANING[source.mode] ?? ''}; ${origin(source)}${suffix}`,
        hint: fix(source, profile, mesh, port),
        field: source.scope === 'port' ? `spec.portLevelMtls.${port}.mode` : 'spec.mtls.mode',
        expected: 'STRICT',
        actual: source.mode,
      });
    }
    if (r.otherPorts.mode !== 'STRICT' && bad.length === 0) {
      findings.push({
        object: pname,
        message: `${pname} is ${r.otherPorts.mode}: it ${MEANING[r.otherPorts.mode] ?? ''}; ${origin(r.otherPorts)}${suffix}`,
        hint: fix(r.otherPorts, profile, mesh),
        field: 'spec.mtls.mode',
        expected: 'STRICT',
        actual: r.otherPorts.mode,
      });
    }
    const ports = r.ports.map((p) => `${p.port} ${p.source.mode}`).join(', ');
    details.push(
      `${pname}: ${r.otherPorts.mode} (${origin(r.otherPorts)})${ports ? `; ports ${ports}` : ''}`,
    );
  }
  details.unshift(
    `${plural(running.length, 'running pod')} in ${mesh}, ${plural(policies.length, 'PeerAuthentication')} in ${root} and ${mesh}`,
  );
  details.push(...notes);
  return failed(findings, ...details);
}
