import type { DragItem } from '../contract/schema.ts';
import type { Handlers } from '../contract/methods.ts';
import { MEDIA_SCHEME } from '../contract/security.ts';
import type { Engine } from '../engine/engine.ts';

/** What only Electron can do, passed in so this table can be checked without an Electron binary. */
export interface NativeShell {
  pickFolder(): Promise<string | null>;
  startDrag(files: string[]): void;
}

export function shellHandlers(engine: Engine, native: NativeShell): Handlers {
  return {
    ...engine.handlers,
    'media.url': async (ref) => ({ url: ref.kind === 'sound' ? `${MEDIA_SCHEME}://sound/${ref.soundId}` : `${MEDIA_SCHEME}://take/${ref.takeId}` }),
    'library.pickFolder': async () => ({ path: await native.pickFolder() }),
    'drag.start': async ({ items }: { items: DragItem[] }) => {
      const files = (await engine.filesForDrag(items)).map((f) => f.path);
      native.startDrag(files);
      return { files, downloads: [] };
    },
  };
}
