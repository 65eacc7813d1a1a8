/** Where command output goes: stdout for the result, stderr for progress and diagnostics. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress is a live display (otherwise one line per stage). */
  errIsTTY?: boolean | undefined;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTTY: process.stderr.isTTY === true,
};

export type OutputFormat = 'text' | 'json';
