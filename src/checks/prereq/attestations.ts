import { parse } from 'yaml';
import type { Profile } from '../../profile/index.ts';
import { failed, passed, skipped, type CheckResult } from '../types.ts';

export type AttestationState = 'done' | 'pending' | 'failed';

export interface AttestationRecord {
  id: string;
  status: AttestationState;
  by?: string;
  at?: string;
  note?: string;
}

/**
 * Parses the attestation file (`attestations: [{id, status: done|pending|failed, by, at, note}]`).
 * Returns the problems instead of throwing: a malformed file is the user's to fix.
 */
export function parseAttestations(text: string): { records: AttestationRecord[]; problems: string[] } {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { records: [], problems: [`not valid YAML: ${(err as Error).message}`] };
  }
  const list = (doc as { attestations?: unknown } | null)?.attestations;
  if (!Array.isArray(list)) return { records: [], problems: ['expected a top-level `attestations:` list'] };
  const records: AttestationRecord[] = [];
  list.forEach((raw: unknown, i) => {
    const r = raw as Partial<Record<keyof AttestationRecord, unknown>>;
    if (typeof r?.id !== 'string') return problems.push(`attestations[${i}].id is missing`);
    if (r.status !== 'done' && r.status !== 'pending' && r.status !== 'failed') {
      return problems.push(`attestations[${i}] (${r.id}).status must be done, pending or failed`);
    }
    records.push({
      id: r.id,
      status: r.status,
      ...(typeof r.by === 'string' ? { by: r.by } : {}),
      ...(r.at !== undefined ? { at: r.at instanceof Date ? r.at.toISOString() : String(r.at) } : {}),
      ...(typeof r.note === 'string' ? { note: r.note } : {}),
    });
  });
  return { records, problems };
}

type Item = Profile['prereq']['attestations'][number];

/**
 * One item only a person can attest. Never silently passed: done needs who and when; a pending item
 * closes the gate only when the profile marks it required.
 */
export function checkAttestation(item: Item, records: AttestationRecord[], file: string): CheckResult {
  const rec = records.find((r) => r.id === item.id);
  const object = `attestation/${item.id}`;
  const record = `add to ${file}: {id: ${item.id}, status: done, by: <who>, at: <RFC 3339 time>}`;
  if (rec?.status === 'done') {
    if (!rec.by || !rec.at) {
      return failed([
        {
          object,
          message: `"${item.title}" is marked done without ${!rec.by ? 'who attested it' : 'when'}`,
          hint: `fill in by and at for ${item.id} in ${file}`,
          field: !rec.by ? 'by' : 'at',
        },
      ]);
    }
    return passed(`"${item.title}" attested by ${rec.by} at ${rec.at}${rec.note ? ` (${rec.note})` : ''}`);
  }
  if (rec?.status === 'failed') {
    return failed([
      {
        object,
        message: `"${item.title}" was attested as failed by ${rec.by ?? 'someone'}${rec.at ? ` at ${rec.at}` : ''}${rec.note ? `: ${rec.note}` : ''}`,
        hint: `resolve it, then set status: done in ${file}`,
      },
    ]);
  }
  const why = rec ? 'pending' : `pending (not recorded in ${file})`;
  if (item.required) {
    return failed([
      {
        object,
        message: `"${item.title}" is ${why}; the profile requires it before the migration`,
        hint: record,
        expected: 'done',
        actual: 'pending',
      },
    ]);
  }
  return skipped(`"${item.title}" is ${why} (optional in the profile)`);
}
