/** Where a shift may go from the current weight. Steps come from the profile; 0 is implicit. */
export interface ShiftPlan {
  from: number;
  to: number;
  /** The step whose canary verdict gates this move (the current weight), or 0 for the first step. */
  gateStep: number;
  refusal?: string;
}

export function ladder(steps: readonly number[]): number[] {
  return [0, ...steps.filter((s) => s > 0)];
}

/**
 * Allows one step up (or any step down) the ladder; a jump of more than one step, or a weight that
 * is not on the ladder, needs --force.
 */
export function planShift(
  current: number,
  target: number,
  steps: readonly number[],
  force: boolean,
): ShiftPlan {
  const l = ladder(steps);
  const plan: ShiftPlan = { from: current, to: target, gateStep: current };
  if (!l.includes(target)) {
    return { ...plan, refusal: `${target} % is not a step of the profile (${l.join(', ')})` };
  }
  if (target === current) return { ...plan, refusal: `the mesh already receives ${current} %` };
  const i = l.indexOf(current);
  const j = l.indexOf(target);
  if (force) return plan;
  if (i === -1) {
    return {
      ...plan,
      refusal: `the current mesh weight ${current} % is not a step of the profile (${l.join(', ')}); pass --force to move from it`,
    };
  }
  if (j > i + 1) {
    return {
      ...plan,
      refusal: `moving from ${current} % to ${target} % skips ${l.slice(i + 1, j).join(', ')} %: shift one step at a time (next: ${l[i + 1]} %), or pass --force`,
    };
  }
  return plan;
}

/** The previous step down the ladder, for a planned rollback. */
export function stepDown(current: number, steps: readonly number[]): number {
  const below = ladder(steps).filter((s) => s < current);
  return below.length ? (below[below.length - 1] ?? 0) : 0;
}
