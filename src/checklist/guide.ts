/**
 * Reads the checklist items out of the migration guide's Markdown, so a test can hold the coverage map
 * (coverage.ts) to the guide: every item the guide lists must be in the map, and nothing else.
 *
 * What counts as an item, by section of the guide:
 * - Prerequisites › Cluster Requirements: each bullet.
 * - Prerequisites › Pre-Migration Checklist: each `- [ ]` box.
 * - Migration Steps › each `#### Step N`: each bullet under it ("This will:", "This checks:"); a step
 *   with no bullets (Steps 7–9) is one item itself.
 * - Security Considerations › each `###` part: each bullet (`**Default Deny**: …`).
 * - Post-Migration Tasks: each sub-bullet of each numbered task.
 * - Appendix › Migration Checklist › each `####` phase: each `- [ ]` box.
 */

export type ChecklistGroup = 'pre-migration' | 'implementation' | 'security' | 'post-migration' | 'appendix';

export interface GuideItem {
  /** Stable id: `<feature slug>/<text slug>`, e.g. `step-1/create-istio-system-namespace`. */
  id: string;
  group: ChecklistGroup;
  /** The guide's phase (Allure epic), e.g. "Phase 1: Infrastructure Setup". */
  epic: string;
  /** The guide's step or part (Allure feature), e.g. "Step 1: Install Istio Control Plane". */
  feature: string;
  /** The item as the guide words it, Markdown emphasis and backticks removed. */
  text: string;
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/%/g, '-percent')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** `**Default Deny**: All …` → `Default Deny: All …`; `` `istio-system` `` → `istio-system`. */
function plain(text: string): string {
  return text
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .trim();
}

const heading = /^(#{2,4})\s+(.*)$/;
const box = /^\s*- \[[ xX]\]\s+(.*)$/;
const bullet = /^- (?!\[)(.*)$/;
const subBullet = /^\s{2,}- (.*)$/;
const numbered = /^\d+\.\s+(.*)$/;

export function parseGuide(markdown: string): GuideItem[] {
  const items: GuideItem[] = [];
  let h2 = '';
  let h3 = '';
  let phase = '';
  let step: { epic: string; feature: string; count: number } | undefined;
  let task = '';
  let inCode = false;

  const add = (group: ChecklistGroup, epic: string, feature: string, text: string): void => {
    const clean = plain(text);
    items.push({ id: `${slug(feature)}/${slug(clean)}`, group, epic, feature, text: clean });
  };
  const closeStep = (): void => {
    if (step && step.count === 0) add('implementation', step.epic, step.feature, step.feature);
    step = undefined;
  };

  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) {
      inCode = !inCode;
      continue;
    }
    if (inCode) continue;
    const h = heading.exec(line);
    if (h) {
      const level = (h[1] ?? '').length;
      const title = plain(h[2] ?? '');
      closeStep();
      if (level === 2) {
        h2 = title;
        h3 = '';
      } else if (level === 3) {
        h3 = title;
        if (h2 === 'Migration Steps') phase = title;
      } else if (level === 4 && h2 === 'Migration Steps' && /^Step \d+/.test(title)) {
        step = { epic: phase, feature: title, count: 0 };
      } else if (level === 4 && h2 === 'Appendix' && h3 === 'Migration Checklist') {
        task = title;
      }
      continue;
    }
    if (h2 === 'Prerequisites' && h3 === 'Cluster Requirements') {
      const b = bullet.exec(line);
      if (b) add('pre-migration', 'Prerequisites', h3, b[1] ?? '');
    } else if (h2 === 'Prerequisites' && h3 === 'Pre-Migration Checklist') {
      const b = box.exec(line);
      if (b) add('pre-migration', 'Prerequisites', h3, b[1] ?? '');
    } else if (h2 === 'Migration Steps' && step) {
      const b = bullet.exec(line);
      if (b) {
        step.count++;
        add('implementation', step.epic, step.feature, b[1] ?? '');
      }
    } else if (h2 === 'Security Considerations' && h3) {
      const b = bullet.exec(line);
      if (b) add('security', h2, h3, b[1] ?? '');
    } else if (h2 === 'Post-Migration Tasks') {
      const n = numbered.exec(line);
      if (n) task = plain(n[1] ?? '');
      const s = subBullet.exec(line);
      if (s && task) add('post-migration', h2, task, s[1] ?? '');
    } else if (h2 === 'Appendix' && h3 === 'Migration Checklist' && task) {
      const b = box.exec(line);
      if (b) add('appendix', `${h3}`, task, b[1] ?? '');
    }
  }
  closeStep();
  return items;
}
