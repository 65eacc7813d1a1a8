import { stringify } from 'yaml';
import type { Finding } from '../checks/types.ts';

/**
 * Evidence attached to a failed or inconclusive check in the Allure report: what the check saw, in a
 * form a reviewer can read without the cluster. Pure: the suites fetch, these render. Everything that
 * leaves here has gone through `redact`, so no Secret data or token-like value reaches a report.
 */
export interface Attachment {
  name: string;
  contentType: 'text/plain' | 'application/yaml' | 'application/json' | 'text/markdown';
  body: string;
}

export const REDACTED = '<redacted>';

/** Keys whose string values are credentials wherever they appear (env names included). */
const SECRET_KEY =
  /(token|passw(or)?d|secret|credential|api[-_]?key|private[-_]?key|authorization|cookie|bearer)/i;
/** Keys that name a credential rather than hold it (`secretName`, `tokenPath`, `bearerTokenEnv`). */
const REFERENCE_KEY = /(name|ref|path|file|env|kind)$/i;
/** Values that are credentials whatever their key: JWTs, PEM private keys, bearer headers. */
const SECRET_VALUE: RegExp[] = [
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
];
/** Noise that can also carry a whole previous object (last-applied) or server bookkeeping. */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** Replaces token-like substrings of free text (stats lines, messages, query answers). */
export function redactText(text: string): string {
  let out = text;
  for (const re of SECRET_VALUE) out = out.replace(re, REDACTED);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A deep copy with credentials removed: a Secret keeps only its metadata and key names; values under
 * credential-like keys (and `{name: X_TOKEN, value: …}` env entries) become `<redacted>`; token-like
 * strings anywhere are replaced; managedFields and last-applied annotations are dropped.
 */
export function redact<T>(value: T): T {
  const walk = (v: unknown, key: string | undefined, secretKind: boolean): unknown => {
    if (typeof v === 'string')
      return key !== undefined && SECRET_KEY.test(key) && !REFERENCE_KEY.test(key) ? REDACTED : redactText(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, key, secretKind));
    if (!isRecord(v)) return v;
    const isSecret = v.kind === 'Secret' || secretKind;
    const out: Record<string, unknown> = {};
    // An env entry or header pair names its credential in `name`, holds it in `value`.
    const namedSecret = typeof v.name === 'string' && SECRET_KEY.test(v.name) && 'value' in v;
    for (const [k, child] of Object.entries(v)) {
      if (k === 'managedFields') continue;
      if (isSecret && (k === 'data' || k === 'stringData') && isRecord(child)) {
        out[k] = Object.fromEntries(Object.keys(child).map((name) => [name, REDACTED]));
      } else if (namedSecret && k === 'value') {
        out[k] = REDACTED;
      } else if (k === 'annotations' && isRecord(child)) {
        out[k] = Object.fromEntries(
          Object.entries(child)
            .filter(([a]) => !DROPPED_ANNOTATIONS.includes(a))
            .map(([a, val]) => [a, walk(val, a, false)]),
        );
      } else {
        out[k] = walk(child, k, false);
      }
    }
    return out;
  };
  return walk(value, undefined, false) as T;
}

interface ObjectLike {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/** `Pod/zamaz-mesh/zamaz-api-1` → `Pod-zamaz-mesh-zamaz-api-1.yaml`. */
function fileName(ref: string, ext: string): string {
  return `${ref.replace(/[^A-Za-z0-9._-]+/g, '-')}.${ext}`;
}

/** One YAML attachment per object, redacted. */
export function objectEvidence(objects: readonly ObjectLike[]): Attachment[] {
  return objects.map((o) => {
    const ref = [o.kind ?? 'Object', o.metadata?.namespace, o.metadata?.name ?? 'unnamed']
      .filter(Boolean)
      .join('/');
    return { name: fileName(ref, 'yaml'), contentType: 'application/yaml', body: stringify(redact(o)) };
  });
}

/**
 * The `kind/namespace/name` (or `kind/name`) references findings name, for the suites to fetch as
 * evidence. Pseudo-objects (`permission/…`, `canary/…`, `cluster/version`) are left out: they are not
 * API objects.
 */
export function referencedObjects(
  findings: readonly Finding[],
): { kind: string; namespace?: string; name: string }[] {
  const seen = new Set<string>();
  const out: { kind: string; namespace?: string; name: string }[] = [];
  for (const f of findings) {
    const parts = f.object.split('/');
    const kind = parts[0] ?? '';
    if (!/^[A-Z][A-Za-z]+$/.test(kind) || parts.length < 2 || parts.length > 3 || seen.has(f.object))
      continue;
    seen.add(f.object);
    out.push(
      parts.length === 3
        ? { kind, namespace: parts[1] ?? '', name: parts[2] ?? '' }
        : { kind, name: parts[1] ?? '' },
    );
  }
  return out;
}

/**
 * The Envoy stats lines a check judged, for one pod: only the lines matching `pattern` (circuit
 * breakers, outlier ejections, overflow), so the attachment is what the reviewer needs.
 */
export function envoyStatsEvidence(pod: string, stats: string, pattern: RegExp): Attachment {
  const lines = stats.split('\n').filter((l) => pattern.test(l));
  return {
    name: fileName(`envoy-stats-${pod}`, 'txt'),
    contentType: 'text/plain',
    body: redactText(lines.length ? lines.join('\n') : `(no line of ${pod}'s stats matches ${pattern})`),
  };
}

/** SPIRE registration entries as the server listed them (`entry show -output json`). */
export function spireEntriesEvidence(entries: unknown): Attachment {
  return { name: 'spire-entries.yaml', contentType: 'application/yaml', body: stringify(redact(entries)) };
}

/** A PromQL query as sent, with its raw answer or error (the shape of the canary's decision trace). */
export interface QueryTrace {
  purpose: string;
  promql: string;
  query?: 'instant' | 'range';
  time?: string;
  start?: string;
  end?: string;
  stepSeconds?: number;
  result?: unknown;
  error?: { kind: string; message: string };
}

/** Each query with when it was asked and what Prometheus answered, in the order asked. */
export function promqlEvidence(queries: readonly QueryTrace[], name = 'promql.txt'): Attachment {
  const blocks = queries.map((q) => {
    const when =
      q.query === 'range'
        ? `range ${q.start ?? '?'} → ${q.end ?? '?'} step ${q.stepSeconds ?? '?'}s`
        : `instant at ${q.time ?? '?'}`;
    const answer = q.error
      ? `error ${q.error.kind}: ${q.error.message}`
      : JSON.stringify(redact(q.result ?? null), null, 2);
    return `# ${q.purpose} (${when})\n${q.promql}\n--- answer\n${answer}`;
  });
  return {
    name,
    contentType: 'text/plain',
    body: redactText(blocks.join('\n\n') || '(no query was sent)'),
  };
}

/** The verdict's decision trace: verdict, reason, decisive metrics and each metric's numbers. */
export function decisionTraceEvidence(trace: unknown, name = 'decision-trace.json'): Attachment {
  return { name, contentType: 'application/json', body: JSON.stringify(redact(trace), null, 2) };
}

export interface RouteWeights {
  route: string;
  legacy: number;
  mesh: number;
}

/** The VirtualService's weights before and after a write (or the planned after of a dry run). */
export function weightsEvidence(
  object: string,
  before: readonly RouteWeights[],
  after: readonly RouteWeights[] | undefined,
): Attachment {
  const row = (r: RouteWeights | undefined) => (r ? `legacy ${r.legacy} % / mesh ${r.mesh} %` : '-');
  const routes = [...new Set([...before, ...(after ?? [])].map((r) => r.route))];
  const lines = routes.map(
    (route) =>
      `${route}: ${row(before.find((r) => r.route === route))} → ${after ? row(after.find((r) => r.route === route)) : 'unchanged'}`,
  );
  return { name: 'weights.txt', contentType: 'text/plain', body: `${object}\n${lines.join('\n')}` };
}

/** The audit line of a traffic write, as appended to audit.jsonl. */
export function auditEvidence(records: readonly object[]): Attachment {
  return {
    name: 'audit.jsonl',
    contentType: 'application/json',
    body: records.map((r) => JSON.stringify(redact(r))).join('\n'),
  };
}

/** Findings as Markdown for the report's description: what, where, expected, fix. */
export function findingsMarkdown(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const lines = [`**${f.object}**: ${redactText(f.message)}`];
      if (f.expected !== undefined || f.actual !== undefined)
        lines.push(
          `expected \`${f.expected ?? '?'}\`${f.field ? ` at \`${f.field}\`` : ''}, found \`${f.actual ?? '?'}\``,
        );
      if (f.hint) lines.push(`**Fix:** ${redactText(f.hint)}`);
      return lines.join('  \n');
    })
    .join('\n\n');
}
