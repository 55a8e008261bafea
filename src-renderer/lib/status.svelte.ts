import { describeError } from './api.ts';

export type Tone = 'info' | 'error';

/**
 * The status line's message: the one place the app speaks to the user about what just happened
 * (a failure's sentence, a drag that became a download, the latency of the last search).
 */
class StatusLine {
  text = $state<string | null>(null);
  tone = $state<Tone>('info');
  latencyMs = $state<number | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;

  say(text: string, tone: Tone = 'info'): void {
    this.text = text;
    this.tone = tone;
    clearTimeout(this.#timer);
    // Errors stay until the next message; news fades so the line stays calm.
    if (tone === 'info') this.#timer = setTimeout(() => this.clear(), 6000);
  }

  fail(err: unknown): void {
    this.say(describeError(err), 'error');
  }

  clear(): void {
    this.text = null;
  }
}

export const status = new StatusLine();

/** Runs a call, showing its failure in the status line instead of throwing. */
export async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    status.fail(err);
    return undefined;
  }
}
