import type { CliIo } from './command.js';

/** Progress of a replay on stderr. */
export interface ProgressLine {
  /** Stops updating and clears the bar (a terminal) or prints the last count (otherwise). */
  done(): void;
}

const BAR = 30;

/**
 * Shows how far a replay got, from `current()` against `total` (when known): a bar redrawn in place
 * ten times a second when stderr is a terminal, a plain line every `plainEveryMs` otherwise (logs
 * and CI keep them readable).
 */
export function createProgress(
  io: CliIo,
  total: number | undefined,
  current: () => number,
  plainEveryMs = 2_000,
): ProgressLine {
  const tty = io.errIsTTY === true;
  const started = performance.now();
  const describe = (): string => {
    const now = current();
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    if (total === undefined || total === 0) return `${now.toLocaleString('en-US')} lines, ${secs} s`;
    const ratio = Math.min(1, now / total);
    const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
    const counts = `${now.toLocaleString('en-US')}/${total.toLocaleString('en-US')} lines, ${secs} s`;
    if (!tty) return `${pct} ${counts}`;
    const filled = Math.round(ratio * BAR);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${pct} ${counts}`;
  };
  const timer = setInterval(
    () => (tty ? io.err(`\r\x1b[K${describe()}`) : io.err(`replay: ${describe()}\n`)),
    tty ? 100 : plainEveryMs,
  );
  timer.unref();
  let finished = false;
  return {
    done() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      io.err(tty ? '\r\x1b[K' : `replay: ${describe()}, done\n`);
    },
  };
}
