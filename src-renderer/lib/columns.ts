import type { Match, Settings, SoundSort } from '../../src-main/contract/schema.ts';

export type OptionalColumn = Settings['resultColumns'][number];
export type ColumnId = 'rank' | 'name' | 'length' | OptionalColumn;

export interface Column {
  id: ColumnId;
  label: string;
  /** Its CSS grid track. */
  width: string;
  /** How the engine orders a text or browsed list by it (null: not sortable there). */
  engineSort: SoundSort | null;
  /** How a voice result is ordered by it in the page; null: not sortable. */
  value: ((m: Match) => string | number) | null;
  numeric?: boolean;
}

/** Every column the result list can show; rank, name and length are always there. */
export const COLUMNS: Record<ColumnId, Column> = {
  rank: { id: 'rank', label: '#', width: '40px', engineSort: 'relevance', value: (m) => m.rank, numeric: true },
  name: { id: 'name', label: 'Name / folder', width: 'minmax(180px, 1.4fr)', engineSort: 'name', value: (m) => m.sound.name.toLowerCase() },
  length: { id: 'length', label: 'Length', width: '64px', engineSort: 'duration', value: (m) => m.sound.durationSec, numeric: true },
  waveform: { id: 'waveform', label: 'Waveform', width: 'minmax(140px, 1.5fr)', engineSort: null, value: null },
  score: { id: 'score', label: 'Score', width: '80px', engineSort: 'relevance', value: (m) => m.score, numeric: true },
  tags: { id: 'tags', label: 'Tags', width: 'minmax(100px, 1fr)', engineSort: null, value: null },
  description: { id: 'description', label: 'Description', width: 'minmax(120px, 1.2fr)', engineSort: 'description', value: (m) => m.sound.description?.toLowerCase() ?? '~' },
  category: { id: 'category', label: 'UCS category', width: 'minmax(90px, 0.8fr)', engineSort: 'category', value: (m) => m.sound.category ?? '~' },
  format: { id: 'format', label: 'Format', width: '78px', engineSort: 'format', value: (m) => m.sound.format },
  rate: { id: 'rate', label: 'Rate / bits', width: '92px', engineSort: 'sampleRate', value: (m) => m.sound.sampleRate * 100 + (m.sound.bitDepth ?? 0), numeric: true },
  channels: { id: 'channels', label: 'Ch', width: '40px', engineSort: 'channels', value: (m) => m.sound.channels, numeric: true },
  date: { id: 'date', label: 'Modified', width: '96px', engineSort: 'date', value: (m) => m.sound.modifiedAt },
};

export const OPTIONAL_COLUMNS: OptionalColumn[] = ['waveform', 'score', 'tags', 'description', 'category', 'format', 'rate', 'channels', 'date'];

export interface SortOrder {
  column: ColumnId;
  descending: boolean;
}

/** The list's columns: the fixed three, then the chosen ones in the order they are listed. */
export function shownColumns(chosen: readonly OptionalColumn[]): Column[] {
  return [COLUMNS.rank, COLUMNS.name, COLUMNS.length, ...OPTIONAL_COLUMNS.filter((c) => chosen.includes(c)).map((c) => COLUMNS[c])];
}

export function gridTemplate(columns: readonly Column[]): string {
  return columns.map((c) => c.width).join(' ');
}

/** A voice result ordered by a column in the page (the engine already ranked it). */
export function sortMatches(matches: Match[], order: SortOrder | null): Match[] {
  const value = order ? COLUMNS[order.column].value : null;
  if (!order || !value) return matches;
  const sign = order.descending ? -1 : 1;
  return [...matches].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    return (x < y ? -1 : x > y ? 1 : a.rank - b.rank) * sign;
  });
}
