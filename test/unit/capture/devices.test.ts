import { describe, expect, it } from 'vitest';
import { findInputDevice, type InputDevice } from '../../../src-main/engine/capture/devices.ts';

const device = (id: number, name: string, isDefault = false): InputDevice => ({
  id,
  name,
  hostApi: 'ALSA',
  maxInputChannels: 2,
  defaultSampleRate: 48000,
  isDefault,
});

// Device lists as PortAudio reports them before and after a USB microphone is plugged in.
const before = [device(0, 'HDA Intel PCH: ALC257 Analog (hw:0,0)'), device(1, 'default', true)];
const after = [device(0, 'HDA Intel PCH: ALC257 Analog (hw:0,0)'), device(1, 'Blue Yeti: USB Audio (hw:1,0)'), device(2, 'default', true)];

describe('findInputDevice', () => {
  it('finds a remembered device by name even after PortAudio renumbered it', () => {
    expect(findInputDevice({ deviceName: 'default', deviceId: 1 }, after).id).toBe(2);
  });

  it('uses the id when no name is given, and the system default when neither is', () => {
    expect(findInputDevice({ deviceId: 0 }, after).name).toBe('HDA Intel PCH: ALC257 Analog (hw:0,0)');
    expect(findInputDevice({}, before).name).toBe('default');
    expect(findInputDevice({}, [device(3, 'only one')]).id).toBe(3);
  });

  it('names the device that is missing', () => {
    expect(() => findInputDevice({ deviceName: 'Blue Yeti: USB Audio (hw:1,0)' }, before)).toThrow(
      expect.objectContaining({ kind: 'device', message: expect.stringContaining('"Blue Yeti: USB Audio (hw:1,0)" is not connected') }),
    );
    expect(() => findInputDevice({ deviceId: 7 }, before)).toThrow(expect.objectContaining({ kind: 'device', message: expect.stringContaining('#7') }));
    expect(() => findInputDevice({}, [])).toThrow(expect.objectContaining({ kind: 'device', message: expect.stringContaining('no audio input') }));
  });
});
