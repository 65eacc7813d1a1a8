export interface SemVerish {
  major: number;
  minor: number;
  patch?: number;
}

/** Reads "v1.28.3-eks-123", "1.20.1", "1.28+" and similar forms managed clusters report. */
export function parseVersion(text: string | undefined): SemVerish | undefined {
  if (!text) return undefined;
  const m = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}) };
}

export function compareMinor(a: SemVerish, b: SemVerish): number {
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

export function formatVersion(v: SemVerish): string {
  return `${v.major}.${v.minor}${v.patch !== undefined ? `.${v.patch}` : ''}`;
}
