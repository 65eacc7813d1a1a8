// The guide's checklists as data: every item, what verifies it, and its state in a run.
export { CHECKLIST, checksOf, coverageGaps } from './coverage.ts';
export type { ChecklistItem, Verification } from './coverage.ts';
export { parseGuide, slug } from './guide.ts';
export type { ChecklistGroup, GuideItem } from './guide.ts';
export { checklistStates, itemStatus } from './state.ts';
export type { ItemState, ItemStatus, RunFacts } from './state.ts';
