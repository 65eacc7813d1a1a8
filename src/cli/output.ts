/** Where command output goes; tests capture it by running the real CLI as a child process. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export type OutputFormat = 'text' | 'json';
