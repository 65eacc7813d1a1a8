import { Resources, type ClusterClient, type ResourceRef } from '../../src/cluster/index.ts';
import type { Finding } from '../../src/checks/types.ts';
import {
  findingsMarkdown,
  objectEvidence,
  redactText,
  referencedObjects,
  type Attachment,
} from '../../src/report/index.ts';
import type { CheckRecorder } from './check-core.ts';

/**
 * What a check saw, collected while it runs and attached to the report only when it fails or is
 * inconclusive (a passing check's evidence is noise). A check body receives one as its second
 * argument: `gate('mesh', id, title, async (ctx, evidence) => { …; evidence.add(envoyStatsEvidence(…)) })`.
 */
export class Evidence {
  private readonly items: Attachment[] = [];
  private readonly kept: Attachment[] = [];

  add(...attachments: (Attachment | readonly Attachment[])[]): void {
    for (const a of attachments) this.items.push(...(Array.isArray(a) ? a : [a as Attachment]));
  }

  /** Attached whatever the outcome: what the verdict rests on (the canary's decision trace). */
  keep(...attachments: Attachment[]): void {
    this.kept.push(...attachments);
  }

  get attachments(): readonly Attachment[] {
    return this.items;
  }

  get always(): readonly Attachment[] {
    return this.kept;
  }
}

/** At most this many objects per check: a namespace of 200 failing pods needs a few examples, not 200. */
const MAX_OBJECTS = 10;

function refOf(kind: string): ResourceRef | undefined {
  return Object.values(Resources).find((r) => r.kind === kind);
}

/**
 * The objects the findings name, as the cluster has them now (only on the failure path). Secrets are
 * never fetched; an object that cannot be read is said so, not skipped.
 */
export async function objectsOf(cluster: ClusterClient, findings: readonly Finding[]): Promise<Attachment[]> {
  const refs = referencedObjects(findings).filter((r) => r.kind !== 'Secret');
  const notes: string[] = [];
  const objects = [];
  for (const r of refs.slice(0, MAX_OBJECTS)) {
    const ref = refOf(r.kind);
    if (!ref) continue;
    try {
      // A list by name, not a get: the checks' RBAC grants `list` (docs/rbac.md), and evidence must
      // not need more than the check did.
      const [obj] = await cluster.list(ref, {
        ...(ref.namespaced ? { namespace: r.namespace } : {}),
        fieldSelector: `metadata.name=${r.name}`,
      });
      if (obj) objects.push({ ...obj, kind: obj.kind ?? r.kind });
      else notes.push(`${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}: not found`);
    } catch (err) {
      notes.push(`${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${(err as Error).message}`);
    }
  }
  if (refs.length > MAX_OBJECTS) notes.push(`${refs.length - MAX_OBJECTS} more objects not attached`);
  const out = objectEvidence(objects);
  if (notes.length)
    out.push({
      name: 'objects-not-attached.txt',
      contentType: 'text/plain',
      body: redactText(notes.join('\n')),
    });
  return out;
}

/**
 * The failure path of a check in the report: its findings as the description (what, where, expected,
 * fix), the objects they name as YAML and whatever the check collected. Never throws: evidence must
 * not change a verdict.
 */
export async function attachEvidence(
  recorder: CheckRecorder,
  cluster: ClusterClient | undefined,
  findings: readonly Finding[],
  evidence: Evidence,
): Promise<void> {
  try {
    if (findings.length) await recorder.description(findingsMarkdown(findings));
    const attachments = [...evidence.attachments, ...(cluster ? await objectsOf(cluster, findings) : [])];
    for (const a of attachments) await recorder.attachment(a.name, a.body, a.contentType);
  } catch {
    // best effort: the verdict and findings are already recorded
  }
}
