// Average ranks with ties, as the Mann-Whitney U test needs them.

/** Ranks 1..n (ties get the average of the ranks they span) and the sizes of the tie groups. */
export interface Ranking {
  /** ranks[i] is the rank of values[i]. */
  ranks: number[];
  /** Sizes of the groups of equal values that have more than one member. */
  tieSizes: number[];
}

/** Ranks `values` in ascending order, giving tied values their average rank. */
export function averageRanks(values: readonly number[]): Ranking {
  const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const ranks = new Array<number>(values.length).fill(0);
  const tieSizes: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    // Positions start..end-1 hold equal values: ranks start+1 .. end, average (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/** The median of a list of numbers (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  // + 0: the mean of −x and x (or an underflowing mean) must not come out as −0.
  return (sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2) + 0;
}
