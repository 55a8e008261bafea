/** A file the renderer may load or download; only the engine decides which files qualify. */
export interface MediaFile {
  path: string;
  mime: string;
}

/** How a transport names a library-owned file: a sound or take by id, an export by file name. */
export interface MediaName {
  kind: 'sound' | 'take' | 'export';
  id: string;
}

const AUDIO_MIME: Record<string, string> = {
  wav: 'audio/wav', wave: 'audio/wav', bwf: 'audio/wav',
  aif: 'audio/aiff', aiff: 'audio/aiff', aifc: 'audio/aiff',
  flac: 'audio/flac', mp3: 'audio/mpeg', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg',
};

export function audioMime(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return AUDIO_MIME[ext] ?? 'application/octet-stream';
}
