// The direct engine's Allure results are kept until the run ends and then written in one go (no
// fsync per file, no blocked event loop while checks run); a directory that cannot be written is an
// error the engine reports, not a crash.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AllureResults } from '../../src/gate/allure-results.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('AllureResults', () => {
  it('writes nothing while checks run, then every result and attachment at flush', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'meshgate-allure-')), 'allure-results');
    const results = new AllureResults(dir, ROOT);
    const t = results.test('suites/mesh/mesh.test.ts', ['Sidecars'], 'mesh.sidecar: sidecars are injected');
    t.label('severity', 'critical');
    t.attachment('findings.yaml', '- object: Pod/zamaz-mesh/a\n', 'application/yaml');
    t.finish('failed', { message: 'Pod/zamaz-mesh/a: no istio-proxy container' });
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
    await results.flush();
    const files = readdirSync(dir);
    const resultFile = files.find((f) => f.endsWith('-result.json')) ?? '';
    const result = JSON.parse(readFileSync(path.join(dir, resultFile), 'utf8')) as {
      name: string;
      status: string;
      labels: { name: string; value: string }[];
      steps: { attachments: { source: string }[] }[];
    };
    expect(result).toMatchObject({ name: 'mesh.sidecar: sidecars are injected', status: 'failed' });
    expect(result.labels).toContainEqual({ name: 'severity', value: 'critical' });
    const source = result.steps[0]?.attachments[0]?.source ?? '';
    expect(readFileSync(path.join(dir, source), 'utf8')).toBe('- object: Pod/zamaz-mesh/a\n');
    expect(files).toHaveLength(2);
  });

  it('rejects at flush when the directory cannot be made', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'meshgate-allure-')), 'not-a-dir');
    writeFileSync(file, '');
    const results = new AllureResults(path.join(file, 'allure-results'), ROOT);
    results.test('suites/mesh/mesh.test.ts', ['Sidecars'], 'mesh.sidecar: x').finish('passed');
    await expect(results.flush()).rejects.toThrow(/ENOTDIR/);
  });
});
