import type { Settings } from '../../contract/schema.ts';
import type { LibraryStore } from '../library/store.ts';

export const DEFAULT_SETTINGS: Settings = {
  inputDeviceId: null,
  inputDeviceName: null,
  inputChannel: 0,
  sampleRate: null,
  maxTakeSec: 10,
  silenceThresholdDb: -45,
  windowHopSec: 5,
  autoPlay: true,
  playFromMatch: true,
  volume: 0.8,
};

/** The user's settings, kept in the library database so the app, web mode and CLI share them. */
export class SettingsStore {
  constructor(private readonly store: LibraryStore) {}

  get(): Settings {
    // Settings added in later versions take their defaults for databases written earlier.
    return { ...DEFAULT_SETTINGS, ...(this.store.getSetting<Partial<Settings>>('settings') ?? {}) };
  }

  update(patch: Partial<Settings>): Settings {
    const next = { ...this.get(), ...patch };
    try {
      this.store.setSetting('settings', next);
    } catch (err) {
      throw this.store.describeError(err);
    }
    return next;
  }
}
