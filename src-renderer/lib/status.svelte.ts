import { describeError } from './api.ts';

export type Tone = 'info' | 'error';

/** A button beside a message, e.g. Undo after a delete; it goes with the message. */
export interface StatusAction {
  label: string;
  run: () => void | Promise<void>;
}

/**
 * The status line's message: the one place the app speaks to the user about what just happened
 * (a failure's sentence, a drag that became a download, the latency of the last search).
 */
class StatusLine {
  text = $state<string | null>(null);
  tone = $state<Tone>('info');
  latencyMs = $state<number | null>(null);
  action = $state<StatusAction | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;

  say(text: string, tone: Tone = 'info', action: StatusAction | null = null): void {
    this.text = text;
    this.tone = tone;
    this.action = action;
    clearTimeout(this.#timer);
    // Errors stay until the next message; news fades so the line stays calm (an Undo a little later).
    if (tone === 'info') this.#timer = setTimeout(() => this.clear(), action ? 10_000 : 6000);
  }

  fail(err: unknown): void {
    this.say(describeError(err), 'error');
  }

  clear(): void {
    this.text = null;
    this.action = null;
  }

  /** Runs the message's action once; the message goes with it. */
  act(): void {
    const action = this.action;
    this.clear();
    if (action) void action.run();
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
