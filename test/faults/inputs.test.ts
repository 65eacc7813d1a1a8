// Bad input, the way a new user or a copied CI line gives it: every case exits 3 with one line that
// names the flag, variable or file to fix, no stack trace, and with -o json one error document.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLineError, runMain, scenarioDir, startCluster, TMP, type Cluster } from './support.ts';

const profile = (body: string): string => {
  const file = path.join(TMP, `profile-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `export default ${body};\n`);
  return file;
};
const defaults = profile('{}');
const json = (stdout: string) =>
  JSON.parse(stdout) as { verdict: string; exitCode: number; error: { message: string; source: string } };

/** Exit 3 with one line naming `source`; returns the line. */
async function usage(argv: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await runMain(['--config', defaults, ...argv], { env });
  expect(r.code, r.stderr).toBe(3);
  const line = oneLineError(r.stderr);
  expect(line).toMatch(/^error: /);
  return line;
}

describe('bad flags exit 3 with one line naming the flag', () => {
  it('verify with an unknown suite lists the suites', async () => {
    expect(await usage(['verify', 'nosuchsuite'])).toBe(
      'error: unknown suite "nosuchsuite": the suites are prereq, mesh, security, canary (default: prereq, mesh, security)',
    );
  });

  it('--end in the future, or not a time', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await usage(['canary', '--step', '25', '--load', 'none', '--end', future])).toMatch(
      /^error: --end .* is in the future \(now .*\): there is no data to judge yet/,
    );
    expect(await usage(['canary', '--step', '25', '--end', 'yesterday'])).toContain(
      '--end "yesterday" is neither RFC 3339',
    );
  });

  it('--window longer than 31 days, than one range query holds, zero or negative', async () => {
    const base = ['canary', '--step', '25', '--load', 'none'];
    expect(await usage([...base, '--window', '100000d'])).toContain('--window 100000d is longer than 31d');
    // 11,000 points at the default 1m interval is 7d15h20m.
    expect(await usage([...base, '--window', '8d'])).toBe(
      'error: --window 8d needs more than 11,000 points at the 1m interval (canary.interval), more than Prometheus answers in one range query: use at most 7d15h20m',
    );
    expect(await usage([...base, '--window', '0s'])).toBe('error: --window "0s" must be longer than 0');
    expect(await usage([...base, '--window=-5m'])).toBe('error: --window "-5m" must be longer than 0');
    expect(await usage(['verify', 'canary', '--window', '40d'])).toContain('--window 40d is longer than 31d');
  });

  it('--timeout, --duration and --interval must be positive durations', async () => {
    expect(await usage(['rollback', '--timeout', '0s'])).toBe('error: --timeout "0s" must be longer than 0');
    expect(await usage(['verify', '--timeout', 'soon'])).toBe(
      'error: --timeout "soon" is not a duration such as 30s, 10m or 1h30m',
    );
    expect(await usage(['monitor', '--interval', '0s'])).toBe('error: --interval "0s" must be longer than 0');
    expect(await usage(['monitor', '--duration', '1m', '--interval', '5m'])).toBe(
      'error: --interval 5m is longer than --duration 1m',
    );
  });

  it('URL flags must be http or https, and a bad one is blamed on its flag, not the profile', async () => {
    const base = ['canary', '--step', '25', '--load', 'none'];
    expect(await usage([...base, '--prometheus', 'ftp://prometheus:9090'])).toBe(
      'error: --prometheus must be an http:// or https:// URL, not ftp://',
    );
    expect(await usage([...base, '--prometheus', 'not-a-url'])).toBe(
      'error: --prometheus is not an absolute URL (expected e.g. http://prometheus:9090)',
    );
    expect(await usage(base, { MESHGATE_PROMETHEUS_URL: 'file:///etc/passwd' })).toBe(
      'error: MESHGATE_PROMETHEUS_URL must be an http:// or https:// URL, not file://',
    );
    expect(await usage(['verify', 'canary', '--prometheus', 'ftp://p'])).toContain('--prometheus must be');
  });

  it('a bad --step, --load or port', async () => {
    expect(await usage(['canary', '--step', '30'])).toContain('--step 30 is not a step of the profile');
    expect(await usage(['canary', '--step', '25', '--load', 'jmeter'])).toContain(
      '--load jmeter: unknown load runner',
    );
    expect(await usage(['serve-webhook', '--port', '99999'])).toBe(
      'error: --port "99999" must be a whole number from 0 to 65535',
    );
  });

  it('unknown options and missing arguments (commander) exit 3', async () => {
    const unknown = await runMain(['--config', defaults, 'verify', '--bogus']);
    expect(unknown.code).toBe(3);
    expect(oneLineError(unknown.stderr)).toBe("error: unknown option '--bogus'");
    const missing = await runMain(['--config', defaults, 'canary', '--stepp', '25']);
    expect(missing.code).toBe(3);
    expect(oneLineError(missing.stderr)).toBe("error: required option '--step <n>' not specified");
  });
});

describe('bad profiles, kubeconfigs and scenarios exit 3 naming the file', () => {
  it('a profile value the schema refuses names the file and the field, on one line', async () => {
    const bad = profile("{ traffic: { steps: 'ten' } }");
    const r = await runMain(['--config', bad, 'rollback']);
    expect(r.code).toBe(3);
    expect(oneLineError(r.stderr)).toMatch(
      new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: traffic\\.steps: `),
    );
  });

  it('a --config or --kubeconfig that does not exist', async () => {
    const r = await runMain(['--config', '/nonexistent/meshgate.config.ts', 'verify']);
    expect(r.code).toBe(3);
    expect(oneLineError(r.stderr)).toBe(
      'error: /nonexistent/meshgate.config.ts: the file does not exist (given by --config)',
    );
    expect(await usage(['rollback', '--kubeconfig', '/nonexistent/kubeconfig'])).toBe(
      'error: kubeconfig /nonexistent/kubeconfig (from --kubeconfig) does not exist',
    );
  });

  it('scenario problems: missing path, YAML error with file and line, object without name, unknown kind', async () => {
    expect(await usage(['rollback', '--scenario', '/nonexistent/scenario'])).toBe(
      'error: --scenario /nonexistent/scenario: scenario /nonexistent/scenario does not exist',
    );
    const yaml = scenarioDir({ 'objects.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [a\n' });
    const yamlLine = await usage(['rollback', '--scenario', yaml]);
    expect(yamlLine).toContain(`--scenario ${yaml}: `);
    expect(yamlLine).toContain('objects.yaml');
    expect(yamlLine).toMatch(/line \d+/);
    const noName = scenarioDir({ 'objects.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {}\n' });
    expect(await usage(['rollback', '--scenario', noName])).toMatch(
      /objects\.yaml.*Namespace without metadata\.name/,
    );
    const unknown = scenarioDir({
      'objects.yaml': 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n',
    });
    expect(await usage(['rollback', '--scenario', unknown])).toMatch(/Gizmo/);
  });
});

describe('-o json: even a usage error is one JSON document on stdout', () => {
  it('prints {verdict: ERROR, error: {message, source}} for a gate error and a parse error', async () => {
    const r = await runMain(['--config', defaults, '-o', 'json', 'canary', '--step', '25', '--window', '0s']);
    expect(r.code).toBe(3);
    expect(json(r.stdout)).toEqual({
      schema: 'meshgate.dev/error/v1',
      verdict: 'ERROR',
      exitCode: 3,
      error: { message: '--window "0s" must be longer than 0', source: '--window' },
    });
    const parse = await runMain(['--config', defaults, 'verify', '--output', 'json', '--bogus']);
    expect(parse.code).toBe(3);
    expect(json(parse.stdout)).toMatchObject({
      verdict: 'ERROR',
      error: { message: "unknown option '--bogus'", source: '--bogus' },
    });
    const suite = await runMain(['--config', defaults, '-o', 'json', 'verify', 'nosuchsuite']);
    expect(json(suite.stdout).error.source).toBe('suites');
  });
});

describe('traffic commands refuse what they would do wrong (exit 3, weights unchanged)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.sim.stop();
  });

  it('shift N from above N is refused naming both weights; --down moves down with no gate, audited', async () => {
    await c.setWeight(50);
    const refused = await runMain(['--config', defaults, 'shift', '25', ...c.flags]);
    expect(refused.code).toBe(3);
    expect(oneLineError(refused.stderr)).toBe(
      'error: the mesh receives 50 %, so shift 25 would move it down: moving down is `meshgate rollback --planned` (one step down) or `meshgate shift 25 --down`',
    );
    expect(await c.weight()).toBe(50);
    expect(c.audit().at(-1)).toMatchObject({ outcome: 'refused', from: 50, to: 25 });

    const down = await runMain(['--config', defaults, 'shift', '25', '--down', '-o', 'json', ...c.flags]);
    expect(down.code, down.stderr).toBe(0);
    expect(await c.weight()).toBe(25);
    const doc = JSON.parse(down.stdout) as { verdict: string; outcome: string; reason: string };
    expect(doc).toMatchObject({ outcome: 'applied', reason: 'no gate: moving down from 50 % to 25 %' });
    expect(c.audit().at(-1)).toMatchObject({ action: 'shift', outcome: 'applied', from: 50, to: 25 });
    expect(c.audit().at(-1)?.verdict).toBeUndefined();
  });

  it('rollback accepts and ignores the canary flags', async () => {
    await c.setWeight(25);
    const r = await runMain([
      '--config',
      defaults,
      'rollback',
      '--planned',
      '--prometheus',
      'http://127.0.0.1:9',
      '--window',
      '10m',
      '--end',
      '2026-11-29T10:30:00Z',
      '--load',
      'builtin',
      '--step',
      '25',
      ...c.flags,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'planned-rollback applied: VirtualService/zamaz-mesh/zamaz mesh weight 25 % → 10 %',
    );
    expect(await c.weight()).toBe(10);
  });
});
