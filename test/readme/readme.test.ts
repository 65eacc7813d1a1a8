// The README's text agrees with the code: its first command runs the demo, it lists every fault the
// demo knows with the exit code the demo ends with, and its canary example shows the default
// profile's services and metrics. That the demo really prints the example (its verdict lines; the
// numbers differ from run to run) is checked against a real run in test/demo/demo.test.ts, which
// runs the README's first command once for both.
import { describe, expect, it } from 'vitest';
import { FAULTS, FAULT_NAMES } from '../../demo/faults.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { README, VERDICT_ROW, canaryExample, firstCommands } from './readme-blocks.ts';

describe('README', () => {
  it('starts with the demo', () => {
    expect(firstCommands.split('\n')[0]).toMatch(/^npm ci && npm run demo +#/);
  });

  it('lists every fault the demo knows, with the exit code the demo ends with', () => {
    for (const name of FAULT_NAMES) {
      const line = README.split('\n').find((l) => l.startsWith(`npm run demo -- --inject ${name} `));
      expect(line, `README: npm run demo -- --inject ${name}`).toBeDefined();
      expect(line).toContain(`exit ${FAULTS[name].exitCode}`);
    }
  });

  it("shows, in the canary example, the default profile's services and metrics", () => {
    const metrics = canaryExample.map((l) => VERDICT_ROW.exec(l)?.[2]).filter((m) => m !== undefined);
    const services = [...new Set(defaultProfile.app.workloads.map((w) => w.service))];
    expect(metrics).toEqual(
      services.flatMap((s) => [
        `error-ratio/${s} *`,
        `latency-p99/${s}`,
        `mtls/${s} *`,
        `circuit-breaker-overflow/${s}`,
      ]),
    );
  });
});
