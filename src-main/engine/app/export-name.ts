import { basename, extname } from 'node:path';
import type { Region } from '../../contract/schema.ts';
import type { Sound } from '../library/types.ts';

/** What a rendered region's file name can say; `{field}` in the template is replaced by it. */
export const EXPORT_NAME_FIELDS = ['name', 'start', 'end', 'length', 'category', 'date'] as const;
export const DEFAULT_EXPORT_NAME = '{name} [{start}-{end}s]';

/**
 * The file name (without .wav) of a rendered region, from the user's template. Unknown fields
 * stay as typed so a typo shows in the name; anything a file system or a DAW could choke on
 * (separators, control characters, reserved punctuation, leading dots) becomes "_".
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
  const safe = filled.replace(/[\u0000-\u001f<>:"/\\|?*]/g, '_').replace(/^[.\s]+/, '_').trim().slice(0, 180);
  return safe || values.name.replace(/[^\w .()-]/g, '_');
}
