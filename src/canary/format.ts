// Number formatting for reasons an on-call engineer reads in a ticket. Locale-independent on purpose:
// the same input must give the same text on every machine.

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1863 → "1,863". */
export function fmtCount(n: number): string {
  return INTEGER.format(n);
}

/** A ratio as a percentage: 0.021 → "2.10 %", 0.00012 → "0.012 %", 0 → "0 %". */
export function fmtPercent(ratio: number): string {
  const v = ratio * 100;
  if (v === 0) return '0 %';
  const abs = Math.abs(v);
  if (abs >= 10) return `${v.toFixed(1)} %`;
  if (abs >= 0.1) return `${v.toFixed(2)} %`;
  return `${Number(v.toPrecision(2))} %`;
}

/** A difference of ratios in percentage points with its sign: 0.01 → "+1.0 pp". */
export function fmtPp(delta: number): string {
  const v = delta * 100;
  const sign = v > 0 ? '+' : v < 0 ? '−' : '±';
  const abs = Math.abs(v);
  const digits =
    abs === 0 || abs >= 0.1 ? abs.toFixed(abs >= 10 ? 0 : 1) : String(Number(abs.toPrecision(1)));
  return `${sign}${digits} pp`;
}

/** A p-value or level with two significant digits: "0.041", "0.0035", "0.5"; "< 0.0001" below that. */
export function fmtP(p: number): string {
  if (p < 0.0001) return '< 0.0001';
  return String(Number(p.toPrecision(2)));
}

/** A confidence or power level: 0.95 → "95 %", 0.975 → "97.5 %". */
export function fmtLevel(level: number): string {
  return `${Number((level * 100).toPrecision(4))} %`;
}

/** A measurement with its unit, three significant digits: 312.4 → "312 ms", 16.04 → "16 ms", 4.25 → "4.25 ms". */
export function fmtValue(v: number, unit: string): string {
  const text = Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
  return unit ? `${text} ${unit}` : text;
}

/** A signed measurement: +160 ms, −3.2 ms. */
export function fmtSigned(v: number, unit: string): string {
  const text = fmtValue(Math.abs(v), unit);
  return v > 0 ? `+${text}` : v < 0 ? `−${text}` : `±${text}`;
}

/** "1 interval", "3 intervals". */
export function plural(n: number, word: string, words = `${word}s`): string {
  return `${fmtCount(n)} ${n === 1 ? word : words}`;
}

/** Replaces NaN and ±Infinity by null so a result always survives JSON.stringify unchanged. */
export function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
