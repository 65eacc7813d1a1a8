// Which checks each suite has, as data, for the CLI's direct engine; the suites' vitest files declare
// the same groups (declareGates), so both engines run the same checks in the same order.

import type { Profile } from '../../src/profile/index.ts';
import type { SuiteName } from '../../src/report/types.ts';
import type { GateGroup } from './gate-spec.ts';

/** Each suite's vitest file (relative to the package root): names its tests in Allure (fullName). */
export const SUITE_FILES: Record<SuiteName, string> = {
  prereq: 'suites/prereq/prereq.test.ts',
  mesh: 'suites/mesh/mesh.test.ts',
  security: 'suites/security/security.test.ts',
  canary: 'suites/canary/canary.test.ts',
};

/** A suite's groups of checks in declaration order (loaded on demand: a run imports what it runs). */
export async function suiteGates(suite: SuiteName, profile: Profile): Promise<GateGroup[]> {
  switch (suite) {
    case 'prereq': {
      const { PREREQ_GATES, attestationGates } = await import('../prereq/prereq-gates.ts');
      return [...PREREQ_GATES, attestationGates(profile)];
    }
    case 'mesh':
      return (await import('../mesh/mesh-gates.ts')).MESH_GATES;
    case 'security':
      return (await import('../security/security-gates.ts')).SECURITY_GATES;
    case 'canary':
      return (await import('../canary/canary-gates.ts')).CANARY_GATES;
  }
}
