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
  /** How far the waveform is zoomed in (1: all of the sound) and the second at its left edge. */
  zoom = $state(1);
  viewStartSec = $state(0);
  /** Draw the waveform scaled to its own peak, so a quiet sound can be seen. */
  normalised = $state(false);
  /** Varispeed: tape-style, pitch and speed together, in semitones (±12). */
  semitones = $state(0);
  /** The output device (setSinkId); '' is the system default. */
  sinkId = $state('');

  #audio: HTMLAudioElement | null = null;
  #loadedKey = '';
  #frame = 0;

  get volume(): number {
    return app.settings?.volume ?? 0.8;
  }

  /** Puts a sound or take in the player without playing it; the region and the zoom are cleared. */
  show(audition: Audition): void {
    const same = this.current && keyOf(this.current.ref) === keyOf(audition.ref);
    this.current = audition;
    if (!same) {
      this.stop();
      this.region = null;
      this.zoom = 1;
      this.viewStartSec = 0;
      this.positionSec = this.startSec();
    }
  }

  /** Where play starts: the region, else the loud part of the matched window (when the setting asks), else the top. */
  startSec(): number {
    if (this.region) return this.region.startSec;
    const current = this.current;
    if (current?.matchSec != null && (app.settings?.playFromMatch ?? true)) return loudStart(current.peaks, current.durationSec, current.matchSec);
    return 0;
  }

  /** The part of the sound in view, or null when all of it is. */
  get view(): Region | null {
    const current = this.current;
    if (!current || this.zoom <= 1) return null;
    const span = current.durationSec / this.zoom;
    return { startSec: this.viewStartSec, endSec: Math.min(current.durationSec, this.viewStartSec + span) };
  }

  /** Zooms the waveform by `factor` (1x to 64x), keeping `atSec` where it is on screen. */
  zoomBy(factor: number, atSec = this.positionSec): void {
    const current = this.current;
    if (!current) return;
    const before = this.view ?? { startSec: 0, endSec: current.durationSec };
    const zoom = Math.min(64, Math.max(1, this.zoom * factor));
    const span = current.durationSec / zoom;
    const share = (atSec - before.startSec) / Math.max(before.endSec - before.startSec, 1e-6);
    this.zoom = zoom;
    this.viewStartSec = Math.min(Math.max(0, atSec - share * span), Math.max(0, current.durationSec - span));
  }

  setNormalised(on: boolean): void {
    this.normalised = on;
  }

  /** Varispeed: playback rate 2^(semitones/12) with the pitch following, as on tape. */
  setSemitones(semitones: number): void {
    this.semitones = Math.min(12, Math.max(-12, Math.round(semitones)));
    if (this.#audio) applyRate(this.#audio, this.semitones);
  }

  /** Plays through another output device where the browser allows it; says so when it cannot. */
  async setSink(sinkId: string): Promise<void> {
    this.sinkId = sinkId;
    const audio = this.#audio;
    if (!audio) return;
    try {
      await (audio as HTMLAudioElement & { setSinkId(id: string): Promise<void> }).setSinkId(sinkId);
    } catch (err) {
      status.say(`That output could not be used: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  }

  async play(fromSec = this.startSec()): Promise<void> {
    const audition = this.current;
    if (!audition) return;
    const audio = await this.#element(audition.ref);
    if (!audio || this.current !== audition) return;
    audio.volume = this.volume;
    applyRate(audio, this.semitones);
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
      // In the page (without controls, so unseen) so its state can be read back, as a test does.
      this.#audio.dataset.testid = 'preview-audio';
      document.body.append(this.#audio);
      if (this.sinkId) void this.setSink(this.sinkId);
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

function applyRate(audio: HTMLAudioElement, semitones: number): void {
  audio.preservesPitch = false;
  audio.playbackRate = 2 ** (semitones / 12);
}

/**
 * Where the loud part of a matched window starts: 50 ms before the first stretch of the
 * waveform that reaches half of the window's peak, so a match whose window opens on silence or
 * a tail is heard from its point. Peaks cover the whole sound evenly.
 */
export function loudStart(peaks: readonly number[], durationSec: number, windowStartSec: number, windowSec = 10): number {
  if (!peaks.length || durationSec <= 0) return windowStartSec;
  const bucket = durationSec / peaks.length;
  const first = Math.max(0, Math.floor(windowStartSec / bucket));
  const last = Math.min(peaks.length, Math.ceil((windowStartSec + windowSec) / bucket));
  let loudest = 0;
  for (let i = first; i < last; i++) loudest = Math.max(loudest, peaks[i]);
  if (loudest <= 0) return windowStartSec;
  for (let i = first; i < last; i++) if (peaks[i] >= loudest / 2) return Math.max(windowStartSec, i * bucket - 0.05);
  return windowStartSec;
}

function keyOf(ref: MediaRef): string {
  return ref.kind === 'sound' ? `sound:${ref.soundId}` : `take:${ref.takeId}`;
}

export const preview = new Preview();
