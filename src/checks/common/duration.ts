const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a Go/Istio style duration ("30s", "1h30m", "500ms", "24h") to milliseconds; `undefined`
 * when it is not one. Durations are compared parsed, never as strings ("60s" equals "1m").
 */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 && Number.isFinite(total) ? total : undefined;
}
