import { badRequest } from './api-errors.ts';
import { getPath, type JsonValue } from './json.ts';
import type { KubeObject } from './kube-object.ts';

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Parses `fieldSelector`: `a=b`, `a==b`, `a!=b`, comma-separated. Backslash escapes as in apimachinery. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  return text
    .split(/(?<!\\),/)
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((term) => {
      const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
      if (m === null) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
      return { field: m[1] ?? '', value: (m[3] ?? '').replace(/\\(.)/g, '$1'), negate: m[2] === '!=' };
    });
}

function asFieldString(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Event's `source` field label is the component name, not the object. */
function fieldValue(object: KubeObject, field: string): string {
  if (object.kind === 'Event' && field === 'source') {
    return asFieldString(getPath(object, ['source', 'component']));
  }
  if (object.kind === 'Node' && field === 'spec.unschedulable') {
    return asFieldString(getPath(object, ['spec', 'unschedulable']) ?? false);
  }
  if (object.kind === 'Pod' && field === 'spec.hostNetwork') {
    return asFieldString(getPath(object, ['spec', 'hostNetwork']) ?? false);
  }
  return asFieldString(getPath(object, field.split('.')));
}

/**
 * Rejects labels the kind does not support (400 "field label not supported", as a real server does),
 * so a client using a field selector the API server would refuse fails here too.
 */
export function checkFieldLabels(
  requirements: readonly FieldRequirement[],
  supported: readonly string[],
): void {
  for (const req of requirements) {
    if (req.field === 'metadata.name' || req.field === 'metadata.namespace') continue;
    if (!supported.includes(req.field)) throw badRequest(`field label not supported: ${req.field}`);
  }
}

export function matchesFields(requirements: readonly FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((req) => (fieldValue(object, req.field) === req.value) !== req.negate);
}
