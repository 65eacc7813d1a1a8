import type { KubeObject } from '../../cluster/types.ts';
import type { Profile } from '../../profile/index.ts';
import { rec, recs, str } from '../common/narrow.ts';
import { imageTag, labels } from './k8s.ts';

/** Label (namespaces, control-plane objects, gateway pods) and annotation (injected pods) naming a revision. */
export const REV_LABEL = 'istio.io/rev';
/** Label of a revision tag's MutatingWebhookConfiguration (`istioctl tag set <tag> --revision <rev>`). */
export const TAG_LABEL = 'istio.io/tag';
/** The revision of an install without `--set revision`: its objects carry `istio.io/rev: default`. */
export const DEFAULT_REVISION = 'default';
const TAG_PREFIX = 'istio-revision-tag-';

/** `istiod` for the default revision, `istiod-<rev>` for a revisioned install. */
export function revisionedName(base: string, revision: string): string {
  return revision === DEFAULT_REVISION || revision === '' ? base : `${base}-${revision}`;
}

/** One installed istiod: its revision and the version its image says. */
export interface IstiodRevision {
  revision: string;
  deployment: KubeObject;
  image: string;
  /** The image tag ("1.20.1"); undefined for a digest-only image. */
  version: string | undefined;
}

/** A revision tag: a MutatingWebhookConfiguration `istio-revision-tag-<tag>` injecting for `revision`. */
export interface RevisionTag {
  tag: string;
  revision: string;
  webhook: KubeObject;
}

/**
 * The control plane the mesh namespace is injected by, resolved from the namespace's labels through
 * revision tags, and the names of that revision's objects (Helm's `revision` value suffixes them).
 */
export interface ControlPlane {
  revision: string;
  /** How the revision was chosen, for details and messages ("istio.io/rev=stable → tag stable"). */
  via: string;
  /** The tag the namespace (or the profile) names, when it names one. */
  tag?: string;
  istiod: IstiodRevision | undefined;
  names: {
    istiod: string;
    service: string;
    injector: string;
    validator: string;
    meshConfig: string;
    injectorConfig: string;
  };
  installed: IstiodRevision[];
  tags: RevisionTag[];
  /** A label value (namespace's or profile's) that names neither an installed revision nor a tag. */
  unresolved?: { source: string; value: string };
}

function containerImage(workload: KubeObject): string {
  return str(recs(rec(rec(rec(workload.spec).template).spec).containers)[0]?.image) ?? '';
}

/** The istiod Deployments of the Istio namespace, by revision (`istio.io/rev` label, else the name suffix). */
export function istiodRevisions(deployments: KubeObject[], istioNamespace: string): IstiodRevision[] {
  return deployments
    .filter((d) => d.metadata.namespace === istioNamespace)
    .filter((d) => d.metadata.name === 'istiod' || d.metadata.name.startsWith('istiod-'))
    .filter(
      (d) => labels(d).app === 'istiod' || labels(d)[REV_LABEL] !== undefined || d.metadata.name === 'istiod',
    )
    .map((d) => {
      const image = containerImage(d);
      const fromName =
        d.metadata.name === 'istiod' ? DEFAULT_REVISION : d.metadata.name.slice('istiod-'.length);
      return { revision: labels(d)[REV_LABEL] ?? fromName, deployment: d, image, version: imageTag(image) };
    })
    .sort((a, b) => a.revision.localeCompare(b.revision));
}

/** Revision tags: `istio-revision-tag-<tag>` webhooks, their revision from `istio.io/rev` or the istiod Service they call. */
export function revisionTags(mutating: KubeObject[]): RevisionTag[] {
  const out: RevisionTag[] = [];
  for (const w of mutating) {
    const tag =
      labels(w)[TAG_LABEL] ??
      (w.metadata.name.startsWith(TAG_PREFIX) ? w.metadata.name.slice(TAG_PREFIX.length) : undefined);
    if (!tag) continue;
    const service = recs(w.webhooks)
      .map((h) => str(rec(rec(h.clientConfig).service).name))
      .find((s) => s !== undefined);
    const fromService =
      service === 'istiod' ? DEFAULT_REVISION : service?.startsWith('istiod-') ? service.slice(7) : undefined;
    const revision = labels(w)[REV_LABEL] ?? fromService;
    if (revision) out.push({ tag, revision, webhook: w });
  }
  return out.sort((a, b) => a.tag.localeCompare(b.tag));
}

/**
 * What `istio.io/rev=<value>` injects with: an installed revision of that name, else the revision a tag
 * of that name points at. The default revision answers to `default` unless a `default` tag exists
 * (`istioctl tag set default` moves `default` to another revision).
 */
export function resolveRevision(
  value: string,
  installed: IstiodRevision[],
  tags: RevisionTag[],
): { revision: string; tag?: string } | undefined {
  const tag = tags.find((t) => t.tag === value);
  if (value === DEFAULT_REVISION && tag) return { revision: tag.revision, tag: value };
  if (installed.some((r) => r.revision === value)) return { revision: value };
  if (tag) return { revision: tag.revision, tag: value };
  return undefined;
}

/** The revision `istio-injection=enabled` namespaces and unlabelled gateway pods get: the `default` tag's, else the default install. */
export function defaultRevision(installed: IstiodRevision[], tags: RevisionTag[]): string | undefined {
  return resolveRevision(DEFAULT_REVISION, installed, tags)?.revision;
}

/**
 * Resolves the control plane to check: the profile's `istio.revision` (a revision or tag) when set,
 * else what the mesh namespace's labels select (`istio-injection=enabled`: the default revision;
 * `istio.io/rev=<x>`: revision or tag x), else the only istiod installed.
 */
export function controlPlane(
  meshNamespace: KubeObject | undefined,
  deployments: KubeObject[],
  mutating: KubeObject[],
  profile: Profile,
): ControlPlane {
  const installed = istiodRevisions(deployments, profile.namespaces.istio);
  const tags = revisionTags(mutating);
  const nsLabels = meshNamespace ? labels(meshNamespace) : {};
  let revision: string | undefined;
  let via = '';
  let tag: string | undefined;
  let unresolved: ControlPlane['unresolved'];
  const fromValue = (value: string, source: string): void => {
    const r = resolveRevision(value, installed, tags);
    if (r) {
      revision = r.revision;
      tag = r.tag;
      via = r.tag && r.tag !== r.revision ? `${source} → tag ${r.tag} → revision ${r.revision}` : source;
    } else {
      unresolved = { source, value };
    }
  };
  const wanted = profile.istio.revision;
  const injection = nsLabels['istio-injection'];
  const rev = nsLabels[REV_LABEL];
  if (wanted) fromValue(wanted, `profile istio.revision=${wanted}`);
  else if (injection === 'enabled')
    fromValue(DEFAULT_REVISION, `${profile.namespaces.mesh} istio-injection=enabled`);
  else if (rev !== undefined) fromValue(rev, `${profile.namespaces.mesh} ${REV_LABEL}=${rev}`);
  if (revision === undefined) {
    if (unresolved) {
      // Checked as named, so the findings say that this revision is not installed.
      revision = unresolved.value;
      via = `${unresolved.source}, which no installed revision or tag answers to`;
    } else {
      // Nothing names a revision: the default one, else the only one there is.
      const dflt = defaultRevision(installed, tags);
      const only = installed.length === 1 ? installed[0]?.revision : undefined;
      revision = dflt ?? only ?? DEFAULT_REVISION;
      via = dflt !== undefined || only === undefined ? 'the default revision' : 'the only istiod installed';
    }
  }
  const r = revision;
  return {
    revision: r,
    via,
    ...(tag !== undefined ? { tag } : {}),
    istiod: installed.find((i) => i.revision === r),
    names: {
      istiod: revisionedName('istiod', r),
      service: revisionedName('istiod', r),
      injector: revisionedName('istio-sidecar-injector', r),
      validator: `${revisionedName('istio-validator', r)}-${profile.namespaces.istio}`,
      meshConfig: revisionedName(profile.istio.meshConfigMap, r),
      injectorConfig: revisionedName('istio-sidecar-injector', r),
    },
    installed,
    tags,
    ...(unresolved ? { unresolved } : {}),
  };
}

/** The revision that injected a pod: the `istio.io/rev` annotation, else `revision` in `sidecar.istio.io/status`. */
export function podRevision(pod: KubeObject): string | undefined {
  const a = pod.metadata.annotations ?? {};
  if (a[REV_LABEL]) return a[REV_LABEL];
  const status = a['sidecar.istio.io/status'];
  if (!status) return undefined;
  try {
    return str(rec(JSON.parse(status) as unknown).revision) || undefined;
  } catch {
    return undefined;
  }
}

/** "1-20-1 (1.20.1), default (1.19.5)" for details. */
export function describeInstalled(installed: IstiodRevision[]): string {
  return installed.map((i) => `${i.revision} (${i.version ?? (i.image || '?')})`).join(', ') || 'none';
}
