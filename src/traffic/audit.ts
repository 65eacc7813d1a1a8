import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type AuditAction = 'shift' | 'complete' | 'rollback' | 'planned-rollback';
export type AuditOutcome = 'applied' | 'dry-run' | 'refused' | 'conflict' | 'unchanged' | 'interrupted';

/** One line of reports/audit.jsonl: who changed what, when, and on which evidence. */
export interface AuditRecord {
  at: string;
  by: string;
  action: AuditAction;
  outcome: AuditOutcome;
  object: string;
  from: number;
  to: number;
  verdict?: string;
  verdictFile?: string;
  reason: string;
  resourceVersion?: { before?: string; after?: string };
  scaled?: Record<string, { from: number; to: number }>;
  cluster: string;
}

/** Who is acting: an explicit MESHGATE_ACTOR, the CI job, else the OS user. */
export function actor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHGATE_ACTOR) return env.MESHGATE_ACTOR;
  if (env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (GitHub Actions ${env.GITHUB_RUN_ID ?? ''})`.trim();
  if (env.GITLAB_USER_LOGIN) return `${env.GITLAB_USER_LOGIN} (GitLab CI ${env.CI_JOB_ID ?? ''})`.trim();
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return 'unknown';
  }
}

export function appendAudit(reportDir: string, record: AuditRecord): string {
  mkdirSync(reportDir, { recursive: true });
  const file = path.join(reportDir, 'audit.jsonl');
  appendFileSync(file, JSON.stringify(record) + '\n');
  return file;
}

export const ANNOTATION_LAST_SHIFT = 'meshgate.dev/last-shift';
export const ANNOTATION_LAST_SHIFT_AT = 'meshgate.dev/last-shift-at';
export const ANNOTATION_ROLLBACK_REPLICAS = 'meshgate.dev/rollback-replicas';

/** The annotations a change leaves on the VirtualService, so kubectl shows the last move too. */
export function auditAnnotations(record: AuditRecord): Record<string, string> {
  return {
    [ANNOTATION_LAST_SHIFT]: JSON.stringify({
      at: record.at,
      by: record.by,
      action: record.action,
      from: record.from,
      to: record.to,
      verdict: record.verdict ?? null,
      verdictFile: record.verdictFile ?? null,
    }),
    [ANNOTATION_LAST_SHIFT_AT]: record.at,
  };
}
