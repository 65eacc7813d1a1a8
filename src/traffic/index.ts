export {
  ANNOTATION_LAST_SHIFT,
  ANNOTATION_LAST_SHIFT_AT,
  ANNOTATION_ROLLBACK_REPLICAS,
  actor,
  appendAudit,
  auditAnnotations,
} from './audit.ts';
export type { AuditAction, AuditOutcome, AuditRecord } from './audit.ts';
export { ladder, planShift, stepDown } from './plan.ts';
export type { ShiftPlan } from './plan.ts';
export { emergencyRollback, recordedReplicas, restoreReplicas } from './rollback.ts';
export type { RollbackOutcome } from './rollback.ts';
export { namespaceOf, readSplit, withMeshWeight } from './split.ts';
export { previousStep, readTrafficStep } from './step.ts';
export type { RouteWeight, TrafficStep } from './step.ts';
export type { RouteSplit, Split } from './split.ts';
export { SplitError, applyMeshWeight, currentSplit, weightPatch } from './weights.ts';
export type { CurrentSplit } from './weights.ts';
