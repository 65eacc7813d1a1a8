import { readFile } from 'node:fs/promises';
import { describe } from 'vitest';
import { Inconclusive } from '../../src/checks/inconclusive.ts';
import {
  checkAttestation,
  parseAttestations,
  type AttestationRecord,
} from '../../src/checks/prereq/index.ts';
import { defaultProfile } from '../../src/profile/index.ts';
import { profileRelative } from '../../src/run/context.ts';
import { gate } from '../support/gate.ts';
import { declareGates } from '../support/gate-list.ts';
import { suiteContext } from '../support/context.ts';
import { PREREQ_GATES } from './prereq-gates.ts';

declareGates('prereq', PREREQ_GATES);

// The profile's items are known only once the run context is read; vitest collects tests
// synchronously, so the items come from the context file when present, else the defaults.
const { profile: collected } = await suiteContext().catch(() => ({ profile: defaultProfile }));

describe('Pre-migration checklist (attested by people)', () => {
  let records: Promise<{ records: AttestationRecord[]; file: string }> | undefined;
  const load = async () => {
    const { run, profile } = await suiteContext();
    const file = profileRelative(run, profile.prereq.attestationsFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return { records: [], file };
    }
    const parsed = parseAttestations(text);
    if (parsed.problems.length) {
      throw new Inconclusive(`${file} cannot be read: ${parsed.problems.join('; ')}`, `fix ${file}`);
    }
    return { records: parsed.records, file };
  };
  for (const item of collected.prereq.attestations) {
    gate('prereq', `prereq.attestation.${item.id}`, item.title, async () => {
      records ??= load();
      const { records: recs, file } = await records;
      return checkAttestation(item, recs, file);
    });
  }
});
