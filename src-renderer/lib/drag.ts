import type { DragItem } from '../../src-main/contract/schema.ts';
import { api } from './api.ts';
import { status } from './status.svelte.ts';

/**
 * Hands sounds to the world outside the app. In Electron, main renders any region to a WAV and
 * starts a native file drag (so the page's own drag is cancelled); in a browser the same call
 * answers with download URLs, and each becomes a download.
 */
export async function dragOut(event: DragEvent | null, items: DragItem[]): Promise<void> {
  if (!items.length) return;
  event?.preventDefault();
  try {
    const { files, downloads } = await api.call('drag.start', { items });
    if (!api.native) {
      for (const url of downloads) download(url);
      status.say(downloads.length === 1 ? `Downloading ${nameOf(files[0])}` : `Downloading ${downloads.length} files`);
    } else if (!event) {
      status.say(files.length === 1 ? `Ready: ${files[0]}` : `Ready: ${files.length} files`);
    }
  } catch (err) {
    status.fail(err);
  }
}

function download(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = '';
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}

function nameOf(path: string | undefined): string {
  return path ? path.split(/[\\/]/).pop() ?? path : 'file';
}
