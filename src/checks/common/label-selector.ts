import { labelsOf, rec, recs, str, strs } from './narrow.ts';

/**
 * A Kubernetes LabelSelector (`matchLabels` + `matchExpressions`), as NetworkPolicy, Deployment and
 * Istio `selector.matchLabels` use it. An empty selector matches everything; `undefined` is the
 * caller's to interpret (Istio: no selector = whole namespace; NetworkPolicy peers: absent field).
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function readSelector(value: unknown): LabelSelector {
  const v = rec(value);
  return {
    matchLabels: labelsOf(v.matchLabels),
    matchExpressions: recs(v.matchExpressions).map((e) => ({
      key: str(e.key) ?? '',
      operator: str(e.operator) ?? '',
      values: strs(e.values),
    })),
  };
}

export function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

export function matchesSelector(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        // An operator the API would have rejected: match nothing rather than everything.
        return false;
    }
  }
  return true;
}

/** `app=zamaz-api,tier in (web)` for messages. */
export function formatSelector(sel: LabelSelector): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '(all)';
}
