const VERSION_PATTERN = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Orders API versions the way the API server does for discovery (GA, then beta, then alpha, each by
 * descending number, then anything else alphabetically), so the first one is the preferred version.
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = VERSION_PATTERN.exec(v);
    if (m === null) return undefined;
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra === undefined && rb === undefined) return a.localeCompare(b);
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  for (let i = 0; i < 3; i++) {
    const diff = (rb[i] ?? 0) - (ra[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function sortKubeVersions(versions: Iterable<string>): string[] {
  return [...new Set(versions)].sort(compareKubeVersions);
}
