import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultProfile,
  loadProfile,
  mergeDeep,
  ProfileError,
  validateProfile,
} from '../../src/profile/index.ts';

function configFile(body: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'meshgate-profile-'));
  const file = path.join(dir, 'meshgate.config.ts');
  writeFileSync(file, body);
  return file;
}

describe('profile', () => {
  it('defaults describe the reference deployment and the guide', () => {
    const p = validateProfile({}, 'defaults');
    expect(p.namespaces).toEqual({
      istio: 'istio-system',
      spire: 'spire-system',
      mesh: 'zamaz-mesh',
      legacy: 'zamaz',
      monitoring: 'monitoring',
    });
    expect(p.traffic.steps).toEqual([10, 25, 50, 75, 100]);
    expect(p.circuitBreaker).toEqual({
      consecutiveGatewayErrors: 5,
      consecutive5xxErrors: 5,
      interval: '30s',
      baseEjectionTime: '30s',
      maxEjectionPercent: 50,
    });
    expect(p.connectionPool.http1MaxPendingRequests).toBe(1000);
    expect(p.sidecar.limits).toEqual({ cpu: '200m', memory: '256Mi' });
    expect(p.trustDomain).toBe('zamaz.local');
  });

  it('merges objects key by key and replaces arrays', () => {
    expect(mergeDeep({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({
      a: { b: 1, c: 3 },
      l: [9],
    });
  });

  it('loads a TypeScript config file and applies overrides after it', async () => {
    const file = configFile(
      `import { defineConfig } from ${JSON.stringify(path.resolve('src/index.ts'))};\n` +
        `export default defineConfig({ namespaces: { legacy: 'shop' }, traffic: { steps: [5, 50, 100] } });\n`,
    );
    const { profile, file: source } = await loadProfile({
      configPath: file,
      overrides: { namespaces: { mesh: 'shop-mesh' } },
    });
    expect(source).toBe(file);
    expect(profile.namespaces.legacy).toBe('shop');
    expect(profile.namespaces.mesh).toBe('shop-mesh');
    expect(profile.namespaces.istio).toBe(defaultProfile.namespaces.istio);
    expect(profile.traffic.steps).toEqual([5, 50, 100]);
  });

  it('names each bad field and the allowed values', async () => {
    const file = configFile(
      `export default { traffic: { steps: [10, 'x'] }, istio: { ingresGateway: {} }, spire: { server: { kind: 'Pod' } } };\n`,
    );
    const err = await loadProfile({ configPath: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProfileError);
    const msg = (err as ProfileError).message;
    expect(msg).toContain('traffic.steps.1: Invalid input: expected number');
    expect(msg).toContain('istio: unknown field(s) "ingresGateway"');
    expect(msg).toContain(
      'spire.server.kind: not an allowed value; allowed values: "StatefulSet", "Deployment"',
    );
  });

  it('rejects steps that do not end at 100 or do not increase', () => {
    expect(() => validateProfile({ traffic: { steps: [10, 50] } }, 'x')).toThrow(/the last step must be 100/);
    expect(() => validateProfile({ traffic: { steps: [50, 10, 100] } }, 'x')).toThrow(/steps must increase/);
  });

  it('fails on an explicit --config that does not exist', async () => {
    await expect(loadProfile({ configPath: '/nonexistent/meshgate.config.ts' })).rejects.toThrow(
      /meshgate.config.ts is not a valid meshgate profile:\n {2}- the file does not exist/,
    );
  });

  it('falls back to defaults when no config file is present', async () => {
    const { file, profile } = await loadProfile({
      cwd: mkdtempSync(path.join(os.tmpdir(), 'meshgate-empty-')),
    });
    expect(file).toBeUndefined();
    expect(profile).toEqual(defaultProfile);
  });
});
