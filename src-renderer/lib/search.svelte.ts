import { COLUMNS, sortMatches, type ColumnId, type SortOrder } from './columns.ts';
import type { Collection, DragItem, Match, Region, SearchFilters, SearchResult, Sound, SoundSort, Take } from '../../src-main/contract/schema.ts';
import { api } from './api.ts';
import { app } from './app.svelte.ts';
import { preview } from './preview.svelte.ts';
import { attempt, status } from './status.svelte.ts';

/** The filter fields as typed; empty means "no limit". */
export interface FilterForm {
  text: string;
  folder: string;
  minDurationSec: number | null;
  maxDurationSec: number | null;
  tags: string;
  /** Which of the user's own sets to show: '' all, 'favourites', 'rated' (3+), or 'c<id>' a collection. */
  show: string;
}

export const NO_FILTERS: FilterForm = { text: '', folder: '', minDurationSec: null, maxDurationSec: null, tags: '', show: '' };

/** The contract takes at most 70 MB of base64, which is about this much audio file. */
const MAX_IMPORT_BYTES = 50 * 1024 * 1024;

export type SelectMode = 'only' | 'toggle' | 'range';

/** Whether typed text holds a word to search for (a lone "-" or quote does not). */
export function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** How the list is ordered: by the voice, by the typed words, or by the voice among the sounds the words let through. */
export type Ranking = 'voice' | 'words' | 'voice-among-words';

/** How many results a voice search brings back (ordered in the page), and a text page's size. */
const VOICE_TOP = 500;
const PAGE = 200;

/** How much of a sound the model heard for one match (the QVIM window length). */
export const MATCH_WINDOW_SEC = 10;

/** The part of a sound a match was found in; null when the window covered the whole sound. */
export function matchedRegion(durationSec: number, offsetSec: number | null): Region | null {
  if (offsetSec === null || durationSec <= MATCH_WINDOW_SEC) return null;
  return { startSec: offsetSec, endSec: Math.min(durationSec, offsetSec + MATCH_WINDOW_SEC) };
}

function toFilters(form: FilterForm): SearchFilters | undefined {
  const filters: SearchFilters = {};
  if (form.text.trim()) filters.text = form.text.trim();
  if (form.folder) filters.folders = [form.folder];
  const { minDurationSec: min, maxDurationSec: max } = form;
  if (typeof min === 'number' && Number.isFinite(min) && min > 0) filters.minDurationSec = min;
  if (typeof max === 'number' && Number.isFinite(max) && max > 0) filters.maxDurationSec = max;
  const tags = form.tags.split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length) filters.tags = tags;
  if (form.show === 'favourites') filters.favourites = true;
  else if (form.show === 'rated') filters.minRating = 3;
  else if (/^c\d+$/.test(form.show)) filters.collectionId = Number(form.show.slice(1));
  return Object.keys(filters).length ? filters : undefined;
}

/**
 * The search the user is looking at: the take history, the query (a take or a library sound for
 * "more like this"), the filters, the matches and which of them are selected.
 */
class SearchSession {
  takes = $state<Take[]>([]);
  /** The take shown as the query, or null when the query is a library sound. */
  takeId = $state<number | null>(null);
  similarTo = $state<Sound | null>(null);
  result = $state<SearchResult | null>(null);
  busy = $state(false);
  filters = $state<FilterForm>({ ...NO_FILTERS });
  collections = $state<Collection[]>([]);
  cursor = $state(-1);
  /** Counts every move of the cursor, even onto the row it is on, so the list scrolls it into view. */
  reveals = $state(0);
  selection = $state<number[]>([]);

  /** A column order the user chose; null keeps the ranking's own order. */
  sort = $state<SortOrder | null>(null);
  /** Voice results are ordered in the page; text and browsed lists by the engine, page by page. */
  readonly matches: Match[] = $derived(
    this.result?.query.kind === 'text' ? this.result.matches : sortMatches(this.result?.matches ?? [], this.sort),
  );
  readonly hasMore = $derived(Boolean(this.result && this.result.query.kind === 'text' && this.result.matches.length < this.result.total));
  readonly focused: Match | null = $derived(this.matches[this.cursor] ?? null);
  readonly take: Take | null = $derived(this.takes.find((t) => t.id === this.takeId) ?? null);
  readonly takeIndex = $derived(this.takes.findIndex((t) => t.id === this.takeId));
  readonly ranking: Ranking | null = $derived(
    !this.result ? null : this.result.query.kind === 'text' ? 'words' : this.result.textMatched !== null ? 'voice-among-words' : 'voice',
  );

  #generation = 0;

  async refreshTakes(): Promise<void> {
    const takes = await attempt(() => api.call('takes.list'));
    if (takes) this.takes = takes;
  }

  /** On opening the app: the newest take and its matches are back, without playing anything. */
  async restore(): Promise<void> {
    await this.refreshTakes();
    const newest = this.takes[0];
    if (!newest || this.takeId !== null || this.result) return;
    this.takeId = newest.id;
    void this.#loadKept(newest.id);
    await this.#run(() => api.call('search.take', { takeId: newest.id, filters: toFilters(this.filters), top: VOICE_TOP }), performance.now(), false);
  }

  /** Searches with a take; `endedAt` (performance.now() when the take ended) times the whole trip. */
  async searchTake(takeId: number, endedAt?: number): Promise<void> {
    if (this.takeId !== takeId) this.kept = {};
    this.takeId = takeId;
    this.similarTo = null;
    void this.#loadKept(takeId);
    await this.#run(() => api.call('search.take', { takeId, filters: toFilters(this.filters), top: VOICE_TOP }), endedAt);
  }

  async similar(sound: Sound): Promise<void> {
    this.similarTo = sound;
    this.takeId = null;
    await this.#run(() => api.call('search.similar', { soundId: sound.id, filters: toFilters(this.filters), top: VOICE_TOP }));
  }

  /** Typed words alone rank the library (no take, no "more like this"); a folder alone is browsed. */
  async searchWords(): Promise<void> {
    this.takeId = null;
    this.similarTo = null;
    const text = this.filters.text.trim();
    const filters = toFilters({ ...this.filters, text: '' });
    if (!hasWords(text) && !filters) {
      this.#generation++;
      this.result = null;
      this.selection = [];
      this.cursor = -1;
      return;
    }
    await this.#run(() => api.call('search.text', { text, filters, top: PAGE, ...this.#engineSort() }), performance.now(), false);
  }

  #engineSort(): { sort?: SoundSort; descending?: boolean } {
    const sort = this.sort ? COLUMNS[this.sort.column].engineSort : null;
    return sort && this.sort ? { sort, descending: this.sort.descending } : {};
  }

  /** The next page of a text or browsed list, as the list scrolls near its end. */
  async loadMore(): Promise<void> {
    const result = this.result;
    if (!result || result.query.kind !== 'text' || !this.hasMore || this.#loadingMore) return;
    this.#loadingMore = true;
    const generation = this.#generation;
    try {
      const next = await api.call('search.text', {
        text: result.query.text, filters: toFilters({ ...this.filters, text: '' }), top: PAGE, offset: result.matches.length, ...this.#engineSort(),
      });
      if (generation === this.#generation && this.result === result) this.result = { ...result, matches: [...result.matches, ...next.matches], total: next.total };
    } catch (err) {
      status.fail(err);
    } finally {
      this.#loadingMore = false;
    }
  }

  #loadingMore = false;

  /** Orders the list by a column: first ascending, then descending, then back to the ranking. */
  async sortBy(column: ColumnId): Promise<void> {
    const current = this.sort?.column === column ? this.sort : null;
    this.sort = !current ? { column, descending: column === 'score' } : current.descending !== (column === 'score') ? null : { column, descending: !current.descending };
    if (this.result?.query.kind === 'text') await this.searchWords();
  }

  /** The same query again, e.g. after the filters changed. */
  async rerun(): Promise<void> {
    if (this.takeId !== null) await this.searchTake(this.takeId);
    else if (this.similarTo) await this.similar(this.similarTo);
    else await this.searchWords();
  }

  async #run(query: () => Promise<SearchResult>, startedAt = performance.now(), audition = true): Promise<void> {
    const generation = ++this.#generation;
    this.busy = true;
    try {
      const result = await query();
      if (generation !== this.#generation) return;
      this.result = result;
      this.selection = [];
      this.cursor = -1;
      status.latencyMs = Math.round(performance.now() - startedAt);
      if (result.matches.length) this.select(0, 'only', audition);
      else status.say('No sound matched. Try other filters, or scan more folders in the Library.');
    } catch (err) {
      if (generation === this.#generation) status.fail(err);
    } finally {
      if (generation === this.#generation) this.busy = false;
    }
  }

  /** A new take from the microphone or a dropped file joins the history and is searched at once. */
  async addTake(take: Take, endedAt?: number): Promise<void> {
    this.takes = [take, ...this.takes.filter((t) => t.id !== take.id)];
    await this.searchTake(take.id, endedAt);
  }

  async importFile(file: File): Promise<void> {
    if (file.size > MAX_IMPORT_BYTES) {
      status.say(`${file.name} is too large to use as an imitation (over ${MAX_IMPORT_BYTES / 1024 / 1024} MB); trim it first.`, 'error');
      return;
    }
    const dataBase64 = await readBase64(file);
    const startedAt = performance.now();
    const take = await attempt(() => api.call('takes.import', { name: file.name, dataBase64 }));
    if (take) await this.addTake(take, startedAt);
  }

  /** Takes a take out of the history; the status line offers Undo. */
  async deleteTake(takeId: number): Promise<void> {
    const take = this.takes.find((t) => t.id === takeId);
    const ok = await attempt(() => api.call('takes.delete', { takeId }));
    if (!ok) return;
    const index = this.takes.findIndex((t) => t.id === takeId);
    this.takes = this.takes.filter((t) => t.id !== takeId);
    if (this.takeId === takeId) {
      const next = this.takes[Math.min(index, this.takes.length - 1)];
      if (next) await this.searchTake(next.id);
      else await this.searchWords();
    }
    status.say(`Deleted ${take?.name ?? 'the take'}`, 'info', { label: 'Undo', run: () => this.restoreTake(takeId) });
  }

  async restoreTake(takeId: number): Promise<void> {
    const take = await attempt(() => api.call('takes.restore', { takeId }));
    if (!take) return;
    this.takes = [...this.takes.filter((t) => t.id !== take.id), take].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
    status.say(`Brought back ${take.name}`);
    await this.searchTake(take.id);
  }

  async renameTake(takeId: number, name: string): Promise<void> {
    const take = await attempt(() => api.call('takes.rename', { takeId, name }));
    if (take) this.takes = this.takes.map((t) => (t.id === take.id ? take : t));
  }

  /** Older (+1) or newer (-1) take in the history; the list is newest first. */
  async stepTake(delta: 1 | -1): Promise<void> {
    const next = this.takes[(this.takeIndex < 0 ? -1 : this.takeIndex) + delta];
    if (next) await this.searchTake(next.id);
  }

  select(index: number, mode: SelectMode, audition = true): void {
    const match = this.matches[index];
    if (!match) return;
    const id = match.sound.id;
    if (mode === 'toggle') {
      this.selection = this.selection.includes(id) ? this.selection.filter((s) => s !== id) : [...this.selection, id];
    } else if (mode === 'range' && this.cursor >= 0) {
      const [from, to] = this.cursor < index ? [this.cursor, index] : [index, this.cursor];
      this.selection = this.matches.slice(from, to + 1).map((m) => m.sound.id);
    } else {
      this.selection = [id];
    }
    this.#focus(index, audition);
  }

  /** Arrow keys: move the cursor; with Shift the selection grows along. */
  move(delta: number, extend: boolean): void {
    if (!this.matches.length) return;
    const anchor = this.cursor < 0 ? (delta > 0 ? -1 : this.matches.length) : this.cursor;
    const index = Math.min(Math.max(anchor + delta, 0), this.matches.length - 1);
    if (!extend || this.cursor < 0) return this.select(index, 'only');
    const id = this.matches[index].sound.id;
    if (!this.selection.includes(id)) this.selection = [...this.selection, id];
    this.#focus(index);
  }

  /** The focused row is what the preview holds; moving onto it auditions it when asked to. */
  #focus(index: number, audition = true): void {
    const match = this.matches[index];
    const moved = this.cursor !== index;
    this.cursor = index;
    this.reveals++;
    preview.show({
      ref: { kind: 'sound', soundId: match.sound.id },
      name: match.sound.name,
      durationSec: match.sound.durationSec,
      peaks: match.sound.peaks,
      // Words find a whole sound; only the voice says where in it the match is.
      matchSec: this.result?.query.kind === 'text' ? null : match.offsetSec,
    });
    if (audition && moved && app.settings?.autoPlay) void preview.play();
  }

  /** Sounds kept as training pairs with the current take (sound id -> pair id): their rows say so. */
  kept = $state<Record<number, number>>({});

  async #loadKept(takeId: number): Promise<void> {
    const pairs = await attempt(() => api.call('pairs.list'));
    if (!pairs || this.takeId !== takeId) return;
    this.kept = Object.fromEntries(pairs.filter((p) => p.takeId === takeId).map((p) => [p.soundId, p.id]));
  }

  /** "This is the one": keeps the current take and the focused sound as a training pair; again (or Undo) lets it go. */
  async markFocused(): Promise<void> {
    const match = this.focused;
    if (!match) return;
    const takeId = this.takeId;
    if (takeId === null) {
      status.say('"This is the one" needs a take as the query, not words or "more like this".', 'error');
      return;
    }
    const soundId = match.sound.id;
    if (this.kept[soundId] !== undefined) return this.unmark(takeId, soundId);
    const pair = await attempt(() => api.call('pairs.mark', { takeId, soundId, origin: 'match' }));
    if (!pair) return;
    this.kept = { ...this.kept, [soundId]: pair.id };
    this.#bumpTakePairs(takeId, 1);
    status.say(`Kept as a training pair: this take → ${pair.soundName}`, 'info', { label: 'Undo', run: () => this.unmark(takeId, soundId) });
  }

  async unmark(takeId: number, soundId: number): Promise<void> {
    const pairId = this.kept[soundId];
    if (pairId === undefined || this.takeId !== takeId) return;
    if (!(await attempt(() => api.call('pairs.delete', { pairId })))) return;
    const { [soundId]: _gone, ...rest } = this.kept;
    this.kept = rest;
    this.#bumpTakePairs(takeId, -1);
    status.say('No longer a training pair');
  }

  #bumpTakePairs(takeId: number, by: number): void {
    this.takes = this.takes.map((t) => (t.id === takeId ? { ...t, pairs: Math.max(0, t.pairs + by) } : t));
  }

  /**
   * What a drag or an export takes: the whole selection (or the sound under the pointer when it
   * is not selected), each with the region marked in the preview when it is the sound shown there.
   */
  dragItems(under?: number): DragItem[] {
    const ids = under === undefined || this.isSelected(under) ? this.selection : [under];
    return ids.map((soundId) => {
      const region = preview.current?.ref.kind === 'sound' && preview.current.ref.soundId === soundId ? preview.region : null;
      return region ? { soundId, region } : { soundId };
    });
  }

  /** The sounds the user's marks apply to: the selection, or the focused sound. */
  #targets(): number[] {
    if (this.selection.length) return this.selection;
    return this.focused ? [this.focused.sound.id] : [];
  }

  /** Puts sounds as the engine now has them into the list (a star, a rating, a tag changed). */
  #replace(sounds: Sound[]): void {
    if (!this.result) return;
    const byId = new Map(sounds.map((s) => [s.id, s]));
    this.result = { ...this.result, matches: this.result.matches.map((m) => (byId.has(m.sound.id) ? { ...m, sound: byId.get(m.sound.id)! } : m)) };
  }

  /** F: stars the selection, or unstars it when every sound of it is starred already. */
  async toggleFavourite(soundIds = this.#targets()): Promise<void> {
    if (!soundIds.length) return;
    const starred = soundIds.every((id) => this.matches.find((m) => m.sound.id === id)?.sound.favourite);
    const sounds = await attempt(() => api.call('sounds.mark', { soundIds, favourite: !starred }));
    if (sounds) this.#replace(sounds);
  }

  async rate(rating: number, soundIds = this.#targets()): Promise<void> {
    if (!soundIds.length) return;
    const sounds = await attempt(() => api.call('sounds.mark', { soundIds, rating }));
    if (sounds) this.#replace(sounds);
  }

  async tag(change: { add?: string[]; remove?: string[] }, soundIds = this.#targets()): Promise<void> {
    if (!soundIds.length) return;
    const sounds = await attempt(() => api.call('sounds.tag', { soundIds, ...change }));
    if (sounds) this.#replace(sounds);
  }

  async dismissTag(soundId: number, label: string): Promise<void> {
    const sound = await attempt(() => api.call('sounds.dismissTag', { soundId, label }));
    if (sound) this.#replace([sound]);
  }

  async loadCollections(): Promise<void> {
    const list = await attempt(() => api.call('collections.list'));
    if (list) this.collections = list;
  }

  /** Adds the selection to a collection, made first when it is new. */
  async collect(name: string, soundIds = this.#targets()): Promise<void> {
    if (!soundIds.length || !name.trim()) return;
    const collection = await attempt(() => api.call('collections.create', { name: name.trim() }));
    if (!collection) return;
    const list = await attempt(() => api.call('collections.collect', { collectionId: collection.id, soundIds, include: true }));
    if (!list) return;
    this.collections = list;
    status.say(`Added ${soundIds.length} sound${soundIds.length === 1 ? '' : 's'} to “${collection.name}”`);
  }

  /** Every sound of a collection, for dragging it out whole. */
  async collectionItems(collectionId: number): Promise<DragItem[]> {
    const page = await attempt(() => api.call('search.text', { text: '', filters: { collectionId }, top: 500 }));
    return page?.matches.map((m) => ({ soundId: m.sound.id })) ?? [];
  }

  isSelected(soundId: number): boolean {
    return this.selection.includes(soundId);
  }
}

export function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(file);
  });
}

export const search = new SearchSession();
