// Where a run says what it is doing. The gate only emits; the CLI chooses how it looks (a live
// display on a TTY, one line per stage otherwise, nothing with --quiet). stdout is never used.

export interface ProgressSink {
  /** A stage begins (suites, a load run, Prometheus queries, a write): one line in any display. */
  stage(text: string): void;
  /** Live detail inside the stage (check n/N, request rate): redrawn on a TTY, dropped otherwise. */
  status(text: string): void;
  /** A line to keep in every display but --quiet (a monitor evaluation, a decision taken). */
  line(text: string): void;
  /** The run ended: clear any live display. */
  close(): void;
}

export const silentProgress: ProgressSink = {
  stage: () => undefined,
  status: () => undefined,
  line: () => undefined,
  close: () => undefined,
};
