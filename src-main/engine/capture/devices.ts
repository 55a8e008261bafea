import { EngineError } from '../errors.ts';
import { portAudio } from './portaudio.ts';

export interface InputDevice {
  /** PortAudio's index: valid only until devices come or go, so remember `name` too. */
  id: number;
  name: string;
  hostApi: string;
  maxInputChannels: number;
  defaultSampleRate: number;
  isDefault: boolean;
}

/**
 * Every device that can record. PortAudio enumerates afresh on each call, so a microphone
 * plugged in since the last call shows up. On Linux without a sound card ALSA prints many
 * "ALSA lib ..." lines to stderr here; they come from C and cannot be silenced from Node.
 */
export function listInputDevices(): InputDevice[] {
  const pa = portAudio();
  let defaultId = -1;
  try {
    const { defaultHostAPI, HostAPIs } = pa.getHostAPIs();
    const host = HostAPIs.find((h) => h.id === defaultHostAPI);
    // naudiodon reports "no default" as an unsigned -1.
    if (host && host.defaultInput < 0xffffffff) defaultId = host.defaultInput;
    return pa
      .getDevices()
      .filter((d) => d.maxInputChannels > 0)
      .map((d) => ({
        id: d.id,
        name: d.name,
        hostApi: d.hostAPIName,
        maxInputChannels: d.maxInputChannels,
        defaultSampleRate: d.defaultSampleRate,
        isDefault: d.id === defaultId,
      }));
  } catch (cause) {
    throw new EngineError('device', `the audio inputs could not be listed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * The device a take should use. A name wins over an id because PortAudio renumbers devices
 * whenever one is plugged or unplugged; with neither, the system default input.
 */
export function findInputDevice(wanted: { deviceId?: number; deviceName?: string }, devices: InputDevice[] = listInputDevices()): InputDevice {
  const { deviceId, deviceName } = wanted;
  if (deviceName !== undefined) {
    const byName = devices.find((d) => d.name === deviceName);
    if (byName) return byName;
    throw new EngineError('device', `the input device "${deviceName}" is not connected; plug it in or choose another input`);
  }
  if (deviceId !== undefined) {
    const byId = devices.find((d) => d.id === deviceId);
    if (byId) return byId;
    throw new EngineError('device', `input device #${deviceId} is not connected (it may have been unplugged); choose another input`);
  }
  const fallback = devices.find((d) => d.isDefault) ?? devices[0];
  if (!fallback) throw new EngineError('device', 'no audio input device was found; connect a microphone and try again');
  return fallback;
}
