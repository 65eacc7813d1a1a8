/** The part of ObjectMeta meshgate reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
}

/**
 * An object as the API returns it. Checks narrow the rest with their own readers; nothing
 * beyond metadata is trusted without validation.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  platform?: string;
}

export interface AccessAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface AccessDecision {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
}

/** One rule of a SelfSubjectRulesReview's answer (the RBAC PolicyRule shape, resources only). */
export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  /** `pods`, `pods/exec`, `pods/*`, `*` */
  resources: string[];
  /** A rule naming objects grants nothing to a list. */
  resourceNames?: string[];
}

/** What the identity running meshgate may do in one namespace (SelfSubjectRulesReview). */
export interface RulesReview {
  namespace: string;
  resourceRules: ResourceRule[];
  /** The authorizer could not list every rule (a webhook authorizer, an evaluation error). */
  incomplete: boolean;
  evaluationError?: string | undefined;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ProxyResult {
  status: number;
  body: string;
}
