import type { Profile } from '../../profile/index.ts';
import { failed, type CheckResult, type Finding } from '../types.ts';
import { compareMinor, formatVersion, parseVersion } from '../version.ts';

export type ToolName = 'kubectl' | 'helm' | 'istioctl';

/** What running `<tool> version` on this machine showed. */
export interface ToolProbe {
  name: ToolName;
  found: boolean;
  /** The version the tool printed, when it ran. */
  version?: string;
  /** Why it could not be run or read. */
  error?: string;
}

/** Reads a version out of each tool's own output format. */
export function parseToolVersion(name: ToolName, stdout: string): string | undefined {
  try {
    if (name === 'kubectl')
      return (JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion;
    if (name === 'istioctl') {
      const v = JSON.parse(stdout) as { clientVersion?: { version?: string } };
      return v.clientVersion?.version;
    }
  } catch {
    // fall through to the plain-text forms below
  }
  const m = /v?\d+\.\d+\.\d+[^\s"]*/.exec(stdout);
  return m?.[0];
}

export function checkTools(probes: ToolProbe[], profile: Profile): CheckResult {
  const findings: Finding[] = [];
  const details: string[] = [];
  const istio = parseVersion(profile.istio.version);
  for (const [name, want] of Object.entries(profile.prereq.tools) as [
    ToolName,
    { required: boolean; install: string },
  ][]) {
    const probe = probes.find((p) => p.name === name);
    if (!probe?.found) {
      const line = `${name} is not on PATH${probe?.error ? ` (${probe.error})` : ''}`;
      if (want.required) {
        findings.push({
          object: `tool/${name}`,
          message: line,
          hint: `install ${name}: ${want.install}`,
          expected: 'on PATH',
          actual: 'missing',
        });
      } else details.push(`${line}; not required by the profile`);
      continue;
    }
    details.push(`${name} ${probe.version ?? '(version unreadable)'}`);
    if (name === 'istioctl' && istio) {
      const seen = parseVersion(probe.version);
      if (!seen || compareMinor(seen, istio) !== 0) {
        findings.push({
          object: 'tool/istioctl',
          message: `istioctl ${probe.version ?? '(unknown version)'} does not match the profile's Istio ${profile.istio.version}: istioctl must match the control plane's minor version`,
          hint: `install istioctl ${formatVersion({ major: istio.major, minor: istio.minor })}.x: ${want.install.replace('<version>', profile.istio.version)}`,
          field: 'clientVersion.version',
          expected: `${istio.major}.${istio.minor}.x`,
          actual: probe.version ?? 'unknown',
        });
      }
    }
  }
  return failed(findings, ...details);
}
