// Canary load: a constant arrival rate over the profile's weighted paths, through the gateway with
// the profile's Host header. Every request carries the tags step and run_id, so the remote-write
// series of one step and one run can be told apart.
import http from 'k6/http';
import type { Options } from 'k6/options';
import {
  PROFILE_ENV,
  RUN_ID_ENV,
  STEP_ENV,
  SUMMARY_ENV,
  canaryOptions,
  canaryRequest,
  parseScriptProfile,
  type RunTags,
} from './lib/script-profile.ts';
import { summaryOutputs, type SummaryData } from './lib/summary.ts';

const profile = parseScriptProfile(__ENV[PROFILE_ENV]);
const tags: RunTags = { step: __ENV[STEP_ENV] ?? '0', run_id: __ENV[RUN_ID_ENV] ?? 'local' };

export const options: Options = canaryOptions(profile, tags);

export default function (): void {
  const req = canaryRequest(profile, Math.random(), tags);
  http.request(req.method, req.url, null, { headers: req.headers, tags: req.tags });
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, { script: 'canary', ...tags }, __ENV[SUMMARY_ENV]);
}
