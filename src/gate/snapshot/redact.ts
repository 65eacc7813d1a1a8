import type { KubeObject } from '../../cluster/types.ts';

export const REDACTED = '<redacted by meshgate>';

const SECRETISH = /token|password|passwd|secret|credential|api[-_]?key|private[-_]?key/i;

/**
 * Removes what must never leave the cluster in a snapshot: values of env vars and ConfigMap keys
 * whose names look like credentials, and server-side bookkeeping nobody needs to replay. Secrets are
 * never recorded at all (their kind is not read).
 */
export function scrub(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj) as KubeObject & { data?: Record<string, string>; binaryData?: unknown };
  delete (copy.metadata as { managedFields?: unknown }).managedFields;
  const ann = copy.metadata.annotations;
  if (ann) delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  if (copy.kind === 'ConfigMap' && copy.data) {
    for (const k of Object.keys(copy.data)) if (SECRETISH.test(k)) copy.data[k] = REDACTED;
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const rec = node as Record<string, unknown>;
    if (typeof rec.name === 'string' && typeof rec.value === 'string' && SECRETISH.test(rec.name)) {
      rec.value = REDACTED;
    }
    Object.values(rec).forEach(visit);
  };
  visit(copy.spec);
  return copy;
}

// Token-like values in what exec and the pod proxy print: JWTs (ServiceAccount and SPIFFE JWT-SVIDs),
// PEM private keys, bearer/basic credentials, and JSON fields named like credentials. Certificates,
// SPIFFE IDs, Envoy stats and SPIRE entries are not secrets and are kept as printed.
const TOKENS: [RegExp, string][] = [
  [/eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
  [/\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1$2${REDACTED}`],
  [
    /("(?:[A-Za-z_-]*token|password|passwd|secret|api[_-]?key|private[_-]?key)"\s*:\s*")[^"]*(")/gi,
    `$1${REDACTED}$2`,
  ],
];

/** The text with token-like values replaced. */
export function redactText(text: string): string {
  return TOKENS.reduce((t, [re, by]) => t.replace(re, by), text);
}
