import type { MediaRef, Region } from '../../src-main/contract/schema.ts';
import { api } from './api.ts';
import { app } from './app.svelte.ts';
import { status } from './status.svelte.ts';

/** What the preview player holds: a library sound (with where the match was) or a take. */
export interface Audition {
  ref: MediaRef;
  name: string;
  durationSec: number;
  peaks: number[];
  /** Where the imitation matched, for sounds found by a search. */
  matchSec: number | null;
}

const MIN_REGION_SEC = 0.02;

/**
 * The one audio player of the app. An <audio> element it owns plays the media URL main hands
 * out (a protocol or route that serves only library files); a frame loop keeps the playhead
 * smooth and ends playback exactly at a selected region's end, which timeupdate is too coarse for.
 */
class Preview {
  current = $state<Audition | null>(null);
  playing = $state(false);
  positionSec = $state(0);
  loop = $state(false);
  region = $state<Region | null>(null);

  #audio: HTMLAudioElement | null = null;
  #loadedKey = '';
  #frame = 0;

  get volume(): number {
    return app.settings?.volume ?? 0.8;
  }

  /** Puts a sound or take in the player without playing it; the region is cleared. */
  show(audition: Audition): void {
    const same = this.current && keyOf(this.current.ref) === keyOf(audition.ref);
    this.current = audition;
    if (!same) {
      this.stop();
      this.region = null;
      this.positionSec = this.startSec();
    }
  }

  /** Where play starts: the region, else the match (when the setting asks), else the top. */
  startSec(): number {
    if (this.region) return this.region.startSec;
    if (this.current?.matchSec != null && (app.settings?.playFromMatch ?? true)) return this.current.matchSec;
    return 0;
  }

  async play(fromSec = this.startSec()): Promise<void> {
    const audition = this.current;
    if (!audition) return;
    const audio = await this.#element(audition.ref);
    if (!audio || this.current !== audition) return;
    audio.volume = this.volume;
    audio.loop = this.loop && !this.region;
    audio.currentTime = Math.min(Math.max(0, fromSec), Math.max(0, audition.durationSec - 0.01));
    try {
      await audio.play();
    } catch (err) {
      // A newer play() or stop() interrupting this one is not a failure worth showing.
      if (err instanceof DOMException && err.name === 'AbortError') return;
      status.say(`Could not play ${audition.name}: ${err instanceof Error ? err.message : String(err)}`, 'error');
      return;
    }
    this.playing = true;
    this.#tick();
  }

  stop(): void {
    cancelAnimationFrame(this.#frame);
    this.#audio?.pause();
    this.playing = false;
  }

  toggle(): void {
    if (this.playing) this.stop();
    else void this.play();
  }

  seek(sec: number): void {
    this.positionSec = sec;
    if (this.playing) void this.play(sec);
  }

  select(region: Region | null): void {
    if (region && region.endSec - region.startSec < MIN_REGION_SEC) region = null;
    this.region = region;
    if (region) this.seek(region.startSec);
  }

  setLoop(on: boolean): void {
    this.loop = on;
    if (this.#audio) this.#audio.loop = on && !this.region;
  }

  setVolume(volume: number): void {
    if (this.#audio) this.#audio.volume = volume;
  }

  async #element(ref: MediaRef): Promise<HTMLAudioElement | null> {
    const key = keyOf(ref);
    if (this.#audio && this.#loadedKey === key) return this.#audio;
    let url: string;
    try {
      url = (await api.call('media.url', ref)).url;
    } catch (err) {
      status.fail(err);
      return null;
    }
    if (!this.#audio) {
      this.#audio = new Audio();
      this.#audio.preload = 'auto';
      this.#audio.addEventListener('ended', () => {
        if (!this.#audio?.loop) this.stop();
      });
      this.#audio.addEventListener('error', () => {
        this.stop();
        status.say(`This sound could not be played (${this.#audio?.error?.message || 'unsupported or missing file'}).`, 'error');
      });
    }
    this.#audio.src = url;
    this.#loadedKey = key;
    return this.#audio;
  }

  #tick = (): void => {
    const audio = this.#audio;
    if (!audio || !this.playing) return;
    this.positionSec = audio.currentTime;
    const region = this.region;
    if (region && audio.currentTime >= region.endSec) {
      if (this.loop) audio.currentTime = region.startSec;
      else {
        this.stop();
        this.positionSec = region.startSec;
        return;
      }
    }
    this.#frame = requestAnimationFrame(this.#tick);
  };
}

function keyOf(ref: MediaRef): string {
  return ref.kind === 'sound' ? `sound:${ref.soundId}` : `take:${ref.takeId}`;
}

export const preview = new Preview();
