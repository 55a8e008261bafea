import type { IndexProgress } from '../engine/library/indexer.ts';
import type { CliIo } from './command.ts';

/**
 * Indexing progress on stderr: a redrawn bar on a terminal, and otherwise (a log file, CI) a
 * plain line every few seconds, so logs stay readable.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly out: CliIo['stderr'], private readonly intervalMs = out.isTTY ? 100 : 5000) {}

  update(p: IndexProgress, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    if (p.phase === 'scanning') {
      this.line(`scanning ${p.current ?? ''}`);
      return;
    }
    const width = 24;
    const filled = p.total ? Math.round((p.done / p.total) * width) : width;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const rate = `${p.filesPerSec.toFixed(1)} files/s`;
    const eta = p.etaSec === null ? '' : ` ETA ${formatDuration(p.etaSec)}`;
    const failed = p.failed ? `, ${p.failed} failed` : '';
    this.line(`${bar} ${p.done}/${p.total} ${rate}${eta}${failed} ${p.current ? shorten(p.current, 40) : ''}`);
  }

  /** Any other job's progress: a bar, done/total and a detail such as the rate, ETA or the step in hand. */
  step(done: number, total: number, detail: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    const width = 24;
    const filled = total ? Math.round((Math.min(done, total) / total) * width) : width;
    this.line(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${detail}`);
  }

  done(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private line(text: string): void {
    if (this.out.isTTY) {
      const cols = this.out.columns ?? 100;
      this.out.write(`\r${text.slice(0, cols - 1).padEnd(cols - 1)}`);
      this.drawn = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }
}

export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function shorten(path: string, max: number): string {
  return path.length <= max ? path : `...${path.slice(path.length - max + 3)}`;
}
