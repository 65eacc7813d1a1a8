import { defaultProfile } from '../../src/profile/index.ts';
import { declareGates } from '../support/gate-list.ts';
import { suiteContext } from '../support/context.ts';
import { PREREQ_GATES, attestationGates } from './prereq-gates.ts';

// The profile's attested items are known only once the run context is read; vitest collects tests
// synchronously, so the items come from the context file when present, else the defaults.
const { profile } = await suiteContext().catch(() => ({ profile: defaultProfile }));

declareGates('prereq', [...PREREQ_GATES, attestationGates(profile)]);
