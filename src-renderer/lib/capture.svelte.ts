import type { Level, Take } from '../../src-main/contract/schema.ts';
import { api } from './api.ts';
import { attempt, status } from './status.svelte.ts';

/** Holding Space longer than this is push-to-talk (release stops); a tap toggles. */
const HOLD_MS = 350;
/** Seconds of input the scrolling waveform keeps. */
export const HISTORY_SEC = 6;
const LEVELS_PER_SEC = 30;

type TakeListener = (take: Take, endedAt: number) => void;

/**
 * The microphone as the UI sees it: whether a take is running, the level meter, the recent
 * waveform for the scrolling display, and where a finished take goes (a search, or the teach flow).
 */
class Capture {
  recording = $state(false);
  starting = $state(false);
  peakDb = $state(-90);
  rms = $state(0);
  elapsedSec = $state(0);
  /** Bumped on each level so canvases know to redraw without holding the samples in $state. */
  frame = $state(0);
  /** How many waveform values a second of input brings (levels arrive ~30 times a second). */
  valuesPerSec = LEVELS_PER_SEC;
  /** Recent waveform values (0..1 magnitudes), oldest first, for the scrolling display. */
  readonly history: number[] = [];

  #pressedAt = 0;
  #startedByPress = false;
  #takeListener: TakeListener | null = null;
  #fallbackListener: TakeListener | null = null;
  #stopOnceStarted = false;

  connect(onTake: TakeListener): void {
    this.#fallbackListener = onTake;
    api.on('capture.level', (level) => this.#onLevel(level));
    api.on('capture.ended', ({ take, reason, message }) => {
      const endedAt = performance.now();
      this.recording = false;
      this.starting = false;
      if (message) status.say(message, take ? 'info' : 'error');
      else if (!take && reason !== 'stopped') status.say(`The take ended without sound (${reason}).`);
      if (take) (this.#takeListener ?? this.#fallbackListener)?.(take, endedAt);
    });
  }

  /** While set, finished takes go here instead of to the search (the training "teach" flow). */
  routeTakes(listener: TakeListener | null): void {
    this.#takeListener = listener;
  }

  async start(): Promise<void> {
    if (this.recording || this.starting) return;
    this.starting = true;
    this.history.length = 0;
    this.elapsedSec = 0;
    const ok = await attempt(() => api.call('capture.start'));
    this.starting = false;
    this.recording = ok !== undefined;
    if (this.recording && this.#stopOnceStarted) await this.stop();
    this.#stopOnceStarted = false;
  }

  async stop(): Promise<void> {
    // A push-to-talk released before main confirmed the start still ends the take.
    if (this.starting) this.#stopOnceStarted = true;
    if (!this.recording) return;
    await attempt(() => api.call('capture.stop'));
  }

  async toggle(): Promise<void> {
    if (this.recording) await this.stop();
    else await this.start();
  }

  /** Space went down: a tap starts or stops, a hold records until it comes up. */
  press(): void {
    this.#pressedAt = performance.now();
    this.#startedByPress = !this.recording;
    void this.toggle();
  }

  release(): void {
    if (this.#startedByPress && performance.now() - this.#pressedAt > HOLD_MS) void this.stop();
    this.#startedByPress = false;
  }

  #onLevel(level: Level): void {
    this.recording = true;
    this.peakDb = level.peakDb;
    this.rms = level.rms;
    this.elapsedSec = level.elapsedSec;
    for (const v of level.waveform) this.history.push(Math.min(1, Math.abs(v)));
    this.valuesPerSec = Math.max(1, level.waveform.length) * LEVELS_PER_SEC;
    const keep = this.valuesPerSec * HISTORY_SEC;
    if (this.history.length > keep) this.history.splice(0, this.history.length - keep);
    this.frame += 1;
  }
}

export const capture = new Capture();
