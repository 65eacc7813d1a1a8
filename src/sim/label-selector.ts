import { badRequest } from './api-errors.ts';

export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type LabelSelector = LabelRequirement[];

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

function checkKey(key: string, text: string): string {
  if (!KEY.test(key)) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${text}"`);
  }
  return key;
}

function checkValue(value: string, text: string): string {
  if (!VALUE.test(value)) {
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in "${text}"`);
  }
  return value;
}

/** Splits on commas that are not inside a `(a,b)` value set. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

/**
 * Parses the `labelSelector` query parameter: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
 * `k`, `!k`, `k>1`, `k<1`, comma-separated (all must hold). Errors are 400s like the API server's.
 */
export function parseLabelSelector(text: string): LabelSelector {
  return splitTerms(text).map((term): LabelRequirement => {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (set !== null) {
      const values = (set[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .map((v) => checkValue(v, text));
      return { key: checkKey(set[1] ?? '', text), op: set[2] === 'in' ? 'in' : 'notin', values };
    }
    const cmp = /^([^!=<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(term);
    if (cmp !== null) {
      const key = checkKey(cmp[1] ?? '', text);
      const value = cmp[3] ?? '';
      if (cmp[2] === '>' || cmp[2] === '<') {
        const n = Number(value);
        if (!Number.isInteger(n)) {
          throw badRequest(
            `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        return { key, op: cmp[2] === '>' ? 'gt' : 'lt', value: n };
      }
      checkValue(value, text);
      return { key, op: cmp[2] === '!=' ? 'notin' : 'in', values: [value] };
    }
    if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim(), text), op: 'notexists' };
    return { key: checkKey(term, text), op: 'exists' };
  });
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string>): boolean {
  return selector.every((req) => {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && req.values.includes(value ?? '');
      case 'notin':
        return !has || !req.values.includes(value ?? '');
      case 'gt':
      case 'lt': {
        const n = Number(value);
        if (!has || !Number.isInteger(n)) return false;
        return req.op === 'gt' ? n > req.value : n < req.value;
      }
    }
    return false;
  });
}

/**
 * Converts a metav1.LabelSelector object (`matchLabels` + `matchExpressions`) to requirements. An
 * empty selector matches everything; a null/absent one is the caller's business.
 */
export function labelSelectorFromObject(value: unknown): LabelSelector {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const selector = value as { matchLabels?: unknown; matchExpressions?: unknown };
  const out: LabelSelector = [];
  if (typeof selector.matchLabels === 'object' && selector.matchLabels !== null) {
    for (const [key, v] of Object.entries(selector.matchLabels))
      out.push({ key, op: 'in', values: [String(v)] });
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const expr of selector.matchExpressions as unknown[]) {
      if (typeof expr !== 'object' || expr === null) continue;
      const { key, operator, values } = expr as { key?: unknown; operator?: unknown; values?: unknown };
      if (typeof key !== 'string') continue;
      const list = Array.isArray(values) ? values.map(String) : [];
      if (operator === 'In') out.push({ key, op: 'in', values: list });
      else if (operator === 'NotIn') out.push({ key, op: 'notin', values: list });
      else if (operator === 'Exists') out.push({ key, op: 'exists' });
      else if (operator === 'DoesNotExist') out.push({ key, op: 'notexists' });
    }
  }
  return out;
}

/** Renders requirements back to the query-string form (`a=b,c in (d,e),!f`). */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector
    .map((req) => {
      switch (req.op) {
        case 'exists':
          return req.key;
        case 'notexists':
          return `!${req.key}`;
        case 'in':
          return req.values.length === 1
            ? `${req.key}=${req.values[0] ?? ''}`
            : `${req.key} in (${req.values.join(',')})`;
        case 'notin':
          return req.values.length === 1
            ? `${req.key}!=${req.values[0] ?? ''}`
            : `${req.key} notin (${req.values.join(',')})`;
        case 'gt':
          return `${req.key}>${req.value}`;
        case 'lt':
          return `${req.key}<${req.value}`;
      }
      return '';
    })
    .join(',');
}
