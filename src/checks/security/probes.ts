import type { KubeObject } from '../../cluster/types.ts';
import type { Profile, Workload } from '../../profile/index.ts';
import { Inconclusive } from '../inconclusive.ts';
import { failed, objectName, skipped, type CheckResult, type Finding } from '../types.ts';

export const PROBE_NOT_RUN = 'not run: pass --probe (it creates and deletes a throwaway pod)';
export const PROBE_POD_NAME = 'meshgate-probe';

export function probeNotRun(): CheckResult {
  return skipped(PROBE_NOT_RUN);
}

/** The throwaway pod: restricted security context, no sidecar, no API token, a short life. */
export function probePod(profile: Profile): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: PROBE_POD_NAME,
      namespace: profile.security.probe.namespace,
      labels: {
        app: PROBE_POD_NAME,
        'app.kubernetes.io/managed-by': 'meshgate',
        'sidecar.istio.io/inject': 'false',
      },
    },
    spec: {
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      // The pod deletes itself if meshgate dies before deleting it.
      activeDeadlineSeconds: profile.security.probe.timeoutSeconds * 5,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'probe',
          image: profile.security.probe.image,
          command: ['sleep', String(profile.security.probe.timeoutSeconds * 5)],
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            readOnlyRootFilesystem: true,
          },
        },
      ],
    },
  };
}

export function serviceUrl(w: Workload, profile: Profile, path: string): string {
  return `http://${w.service}.${profile.namespaces.mesh}.svc.cluster.local:${w.servicePort}${path}`;
}

/** curl printing the status code on the last line, so a body and a status can both be read. */
export function curlArgv(url: string, timeoutSeconds = 5): string[] {
  return ['curl', '-sS', '--max-time', String(timeoutSeconds), '-w', '\\n%{http_code}', url];
}

export interface ProbeAnswer {
  url: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

function statusOf(a: ProbeAnswer): { code: string; body: string } {
  const lines = a.stdout.replace(/\n$/, '').split('\n');
  return { code: lines.pop() ?? '', body: lines.join('\n') };
}

/**
 * From outside the mesh, a plaintext request to every mesh Service must not get an HTTP answer:
 * a STRICT sidecar resets it (curl exit 56), a NetworkPolicy drops it (exit 28).
 */
export function checkPlaintextRefused(answers: ProbeAnswer[], profile: Profile): CheckResult {
  const from = `${profile.security.probe.namespace}/${PROBE_POD_NAME}`;
  const findings: Finding[] = [];
  const details: string[] = [];
  for (const a of answers) {
    if (a.exitCode === 127)
      throw new Inconclusive(
        `the probe pod has no curl (${a.stderr.trim()})`,
        'set security.probe.image to an image with curl',
      );
    const { code } = statusOf(a);
    if (a.exitCode === 0 && code !== '000') {
      findings.push({
        object: objectName('Namespace', profile.namespaces.mesh),
        message: `a plaintext request from ${from} (outside the mesh) to ${a.url} was answered with HTTP ${code}: the mesh accepts plaintext`,
        hint: `make mTLS STRICT (see security.mtls.strict) and the default-deny NetworkPolicy effective (check that the CNI enforces NetworkPolicy)`,
        expected: 'connection refused, reset or timed out',
        actual: `HTTP ${code}`,
      });
      continue;
    }
    const why =
      a.exitCode === 28
        ? 'timed out (dropped, e.g. by NetworkPolicy)'
        : a.exitCode === 56 || a.exitCode === 52
          ? 'reset (mTLS required)'
          : `failed (curl exit ${a.exitCode})`;
    details.push(`${a.url} from ${from}: ${why}`);
  }
  return failed(findings, ...details);
}

/** Inside the mesh, a path no AuthorizationPolicy allows gets 403 "RBAC: access denied" from the sidecar. */
export function checkDeniedPath(answers: ProbeAnswer[], from: string, profile: Profile): CheckResult {
  const findings: Finding[] = [];
  const details: string[] = [];
  for (const a of answers) {
    if (a.exitCode === 127) {
      throw new Inconclusive(
        `${from} has no curl to send the denied request (${a.stderr.trim()})`,
        'set security.probe.fromWorkload to a mesh workload whose container has curl',
      );
    }
    const { code, body } = statusOf(a);
    if (code === '403' && body.includes('RBAC: access denied')) {
      details.push(`${a.url} from ${from}: 403 RBAC: access denied`);
      continue;
    }
    findings.push({
      object: objectName('Namespace', profile.namespaces.mesh),
      message: `a request from ${from} to ${a.url}, a path no AuthorizationPolicy allows, got ${a.exitCode === 0 ? `HTTP ${code}${body ? ` "${body.slice(0, 80)}"` : ''}` : `curl exit ${a.exitCode}`} instead of 403 RBAC: access denied`,
      hint: 'check the deny-all AuthorizationPolicy and that no ALLOW rule covers this path (istioctl x authz check <pod>)',
      expected: '403 RBAC: access denied',
      actual: a.exitCode === 0 ? code : `exit ${a.exitCode}`,
    });
  }
  return failed(findings, ...details);
}
