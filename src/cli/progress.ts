// How a run's progress looks on stderr: a live display on a terminal (log-update redraws one status
// line under the lines worth keeping), one line per stage when stderr is a file or a CI log, nothing
// with --quiet. stdout is never touched, so `-o json` stays one document.

import type { ProgressSink } from '../gate/progress.ts';
import type { Io } from './output.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 120;

const quiet: ProgressSink = {
  stage: () => undefined,
  status: () => undefined,
  line: () => undefined,
  close: () => undefined,
};

/** One line per stage and per kept line, each prefixed with the command and the elapsed time. */
function lines(io: Io, command: string, started: number): ProgressSink {
  const at = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  return {
    stage: (text) => io.err(`meshgate ${command} [${at()}] ${text}\n`),
    status: () => undefined,
    line: (text) => io.err(`meshgate ${command} [${at()}] ${text}\n`),
    close: () => undefined,
  };
}

/** The live display: kept lines scroll, the current stage and its status redraw in place. */
async function live(command: string, started: number): Promise<ProgressSink> {
  const { createLogUpdate } = await import('log-update');
  const update = createLogUpdate(process.stderr, { showCursor: true });
  let stage = '';
  let status = '';
  let frame = 0;
  let closed = false;
  const draw = (): void => {
    if (closed) return;
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    update(
      `${SPINNER[frame % SPINNER.length]} meshgate ${command} ${secs}s  ${stage}${status ? `\n  ${status}` : ''}`,
    );
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, FRAME_MS);
  timer.unref();
  const keep = (text: string): void => {
    if (closed) return;
    update.clear();
    process.stderr.write(`${text}\n`);
    draw();
  };
  return {
    stage: (text) => {
      stage = text;
      status = '';
      keep(`• ${text}`);
    },
    status: (text) => {
      status = text;
      draw();
    },
    line: (text) => keep(`  ${text}`),
    close: () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      update.clear();
      update.done();
    },
  };
}

/** The display for this run: quiet, live (stderr is a terminal) or line by line. */
export async function progressFor(
  io: Io,
  command: string,
  opts: { quiet?: boolean | undefined },
): Promise<ProgressSink> {
  if (opts.quiet) return quiet;
  const started = Date.now();
  if (io.errIsTTY) return live(command, started);
  return lines(io, command, started);
}
