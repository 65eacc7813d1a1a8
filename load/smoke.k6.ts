// Smoke run before any user traffic moves: the health and main paths of the app, each checked for an
// accepted status. One VU, a few iterations; the `checks` threshold makes any failed check exit 99.
import { check } from 'k6';
import http from 'k6/http';
import type { Options } from 'k6/options';
import {
  PROFILE_ENV,
  RUN_ID_ENV,
  STEP_ENV,
  SUMMARY_ENV,
  parseScriptProfile,
  smokeOptions,
  smokeRequests,
  statusAccepted,
  type RunTags,
} from './lib/script-profile.ts';
import { summaryOutputs, type SummaryData } from './lib/summary.ts';

const profile = parseScriptProfile(__ENV[PROFILE_ENV]);
const tags: RunTags = { step: __ENV[STEP_ENV] ?? '0', run_id: __ENV[RUN_ID_ENV] ?? 'local' };
const requests = smokeRequests(profile, tags);

export const options: Options = smokeOptions(profile, tags);

export default function (): void {
  for (const req of requests) {
    const res = http.request(req.method, req.url, null, { headers: req.headers, tags: req.tags });
    check(res, { [req.check]: (r) => statusAccepted(r.status, req.expectStatus) }, { name: req.tags.name });
  }
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, { script: 'smoke', ...tags }, __ENV[SUMMARY_ENV]);
}
