import { basename, extname } from 'node:path';
import type { Region } from '../../contract/schema.ts';
import type { Sound } from '../library/types.ts';
import { safeFileName } from '../paths.ts';

/** What a rendered region's file name can say; `{field}` in the template is replaced by it. */
export const EXPORT_NAME_FIELDS = ['name', 'start', 'end', 'length', 'category', 'date'] as const;
export const DEFAULT_EXPORT_NAME = '{name} [{start}-{end}s]';

/**
 * The file name (without .wav) of a rendered region, from the user's template. Unknown fields
 * stay as typed so a typo shows in the name; what a file system would refuse (separators, control
 * characters, reserved punctuation and names) is changed as for any file Onomato names, and a
 * leading dot becomes "_" so the file is never hidden.
 */
export function exportFileName(template: string, sound: Pick<Sound, 'name' | 'ucsCategory' | 'ucsSubcategory'>, region: Region, now = new Date()): string {
  const values: Record<(typeof EXPORT_NAME_FIELDS)[number], string> = {
    name: basename(sound.name, extname(sound.name)),
    start: region.startSec.toFixed(3),
    end: region.endSec.toFixed(3),
    length: (region.endSec - region.startSec).toFixed(3),
    category: [sound.ucsCategory, sound.ucsSubcategory].filter(Boolean).join('-') || 'uncategorised',
    date: now.toISOString().slice(0, 10),
  };
  const filled = (template.trim() || DEFAULT_EXPORT_NAME).replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? values[key as keyof typeof values] : whole,
  );
  return safeFileName(filled.trim().replace(/^\.+/, '_'), safeFileName(values.name));
}
