import type { Handlers } from '../contract/methods.ts';
import type { Engine } from '../engine/engine.ts';

/**
 * The web mode's answers to the calls that are native in Electron: there is no folder dialog
 * (the renderer asks for a typed path) and a drag-out becomes a download of the same files.
 */
export function webHandlers(engine: Engine): Handlers {
  return {
    ...engine.handlers,
    'media.url': async (ref) => ({ url: ref.kind === 'sound' ? `/media/sound/${ref.soundId}` : `/media/take/${ref.takeId}` }),
    'library.pickFolder': async () => ({ path: null }),
    'drag.start': async ({ items }) => {
      const files = await engine.filesForDrag(items);
      return { files: files.map((f) => f.path), downloads: files.map((f) => `/media/${f.media.kind}/${encodeURIComponent(f.media.id)}?download=1`) };
    },
  };
}
