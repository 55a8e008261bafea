import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { EngineError, type SerializedError } from '../errors.ts';
import { processAlive } from '../jobs/owner.ts';
import { numberPragma, openDatabase, schemaVersion, type SqliteDatabase } from './database.ts';
import { decodeHalf, encodeHalf } from './half-float.ts';
import { allFinite } from '../search/sound-index.ts';
import { parseSearchText } from './text-query.ts';
import { parseUcsName } from './ucs.ts';
import {
  toCollection, toEvaluationRun, toJob, toModelVersion, toPair, toRoot, toRootSummary, toScanEntry, toSound, toStoredWindow, toTake, toWindow,
  type ChangeRow, type CollectionRow, type CountRow, type EvaluationRunRow, type JobOwnerRow, type JobRow, type MarkRow, type PairRow, type PendingSoundRow, type RootRow, type RootSummaryRow,
  type ScanEntryRow, type SoundRow, type StatusCountsRow, type StoredWindowRow, type TakeRow, type VersionRow, type WindowRow,
} from './rows.ts';
import type {
  AnalysedSound, EvaluationRun, JobRecord, JobState, LibraryCounts, LibraryRoot, ModelKind, ModelVersionRow, TrainingCurvePoint,
  Collection, NewSoundFile, NewTake, PairOrigin, ScanEntry, Sound, SoundFailure, SoundFilter, SoundMarks, SoundSort, SoundStatus, StoredWindow, Tag, Take,
  TrainingPair, WindowVector,
} from './types.ts';

export type * from './types.ts';

/** The tables of per-window vectors: each row is one window of an owner (sound or take) under a model version or backbone. */
const WINDOW_TABLES = {
  embeddings: { table: 'sound_embeddings', owner: 'sound_id', key: 'model_id' },
  soundFeatures: { table: 'sound_features', owner: 'sound_id', key: 'backbone' },
  takeFeatures: { table: 'take_features', owner: 'take_id', key: 'backbone' },
} as const;
type WindowTable = keyof typeof WINDOW_TABLES;

/**
 * The one typed door to Onomato's SQLite database: every SQL statement of the product lives
 * here (and in migrations/). Other modules call these methods and never see SQL. One process
 * writes at a time (the main thread); workers only compute.
 */
export class LibraryStore {
  private readonly db: SqliteDatabase;
  readonly path: string;
  private readonly cache = new Map<string, Statement>();

  /**
   * The named test hook: raw SQL for tests and the bench only (poisoning a row, checking foreign
   * keys, sizing tables with dbstat, filling a disk). The product goes through the methods.
   */
  rawDatabaseForTests(): SqliteDatabase {
    return this.db;
  }

  private constructor(db: SqliteDatabase, path: string) {
    this.db = db;
    this.path = path;
  }

  static open(path: string, options: { readonly?: boolean } = {}): LibraryStore {
    return new LibraryStore(openDatabase(path, options), path);
  }

  close(): void {
    this.db.close();
  }

  /**
   * The folder the database lives in: Onomato's data folder (takes, exports, models, the WAL).
   * Scans skip it and the watcher ignores it, so what Onomato writes never becomes a sound.
   */
  get dataFolder(): string | null {
    return this.path === ':memory:' ? null : dirname(resolve(this.path));
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /**
   * An error from a write, in a person's words. SQLite says only "database or disk is full"; the
   * sentence names the folder where space must be freed, and says that nothing already kept is lost
   * (the failed transaction rolled back whole). Anything else passes through EngineError.from.
   */
  describeError(err: unknown): EngineError {
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || (err instanceof EngineError && err.kind === 'disk-full')) {
      const where = this.path === ':memory:' ? 'memory' : dirname(this.path);
      return new EngineError('disk-full', `the disk holding the library database (${where}) is full: free some space there and scan again; everything indexed so far is kept`, { cause: err });
    }
    return EngineError.from(err);
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Replaces one owner's window vectors in a window table (the caller holds the transaction). */
  private writeWindows(kind: WindowTable, owner: number, key: string, windows: readonly WindowVector[]): void {
    const t = WINDOW_TABLES[kind];
    this.sql(`DELETE FROM ${t.table} WHERE ${t.owner} = ? AND ${t.key} = ?`).run(owner, key);
    const put = this.sql(`INSERT INTO ${t.table} (${t.owner}, ${t.key}, window_index, offset_sec, vector) VALUES (?, ?, ?, ?, ?)`);
    windows.forEach((w, i) => put.run(owner, key, i, w.offsetSec, vectorBlob(w.vector)));
  }

  /** One owner's window vectors from a window table, in window order. */
  private readWindows(kind: WindowTable, owner: number, key: string): WindowVector[] {
    const t = WINDOW_TABLES[kind];
    return this.sql<[owner: number, key: string], WindowRow>(`SELECT offset_sec, vector FROM ${t.table} WHERE ${t.owner} = ? AND ${t.key} = ? ORDER BY window_index`)
      .all(owner, key).map(toWindow);
  }

  /**
   * A prepared statement, made once per SQL text. `Params` and `Row` say what the text binds and
   * returns (rows.ts); the cache holds statements of every shape, hence the one cast here.
   */
  private sql<Params extends unknown[] = unknown[], Row = unknown>(text: string): Statement<Params, Row> {
    let s = this.cache.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.cache.set(text, s);
    }
    return s as Statement<Params, Row>;
  }

  // ---------------------------------------------------------------- roots

  addRoot(path: string, now = Date.now()): LibraryRoot {
    this.sql('INSERT INTO roots (path, added_at) VALUES (?, ?) ON CONFLICT (path) DO NOTHING').run(path, now);
    return this.rootByPath(path)!;
  }

  /** Removes a folder and, by cascade, its sounds, vectors, tags and their training pairs. */
  removeRoot(id: number): boolean {
    return this.sql('DELETE FROM roots WHERE id = ?').run(id).changes > 0;
  }

  /** Up to `limit` of a folder's sounds: a big folder is removed a slice at a time, so no one transaction holds the thread long. */
  soundIdsOfRoot(rootId: number, limit: number): number[] {
    return this.sql<[rootId: number, limit: number], number>('SELECT id FROM sounds WHERE root_id = ? LIMIT ?').pluck().all(rootId, limit);
  }

  roots(): LibraryRoot[] {
    return this.sql<[], RootRow>('SELECT * FROM roots ORDER BY path').all().map(toRoot);
  }

  /** Each folder with how many searchable (indexed) sounds it holds, how many failed, and the bytes of all its files. */
  rootSummaries(): Array<LibraryRoot & { sounds: number; failed: number; bytes: number }> {
    return this.sql<[], RootSummaryRow>(
      `SELECT r.*, coalesce(sum(s.status = 'indexed'), 0) AS n_sounds, coalesce(sum(s.status = 'failed'), 0) AS n_failed, coalesce(sum(s.size), 0) AS n_bytes
       FROM roots r LEFT JOIN sounds s ON s.root_id = r.id GROUP BY r.id ORDER BY r.path`,
    ).all().map(toRootSummary);
  }

  rootByPath(path: string): LibraryRoot | undefined {
    const r = this.sql<[path: string], RootRow>('SELECT * FROM roots WHERE path = ?').get(path);
    return r && toRoot(r);
  }

  /** Moves the sounds of `childIds` under `parentId` and drops the child roots (a parent folder was added). */
  adoptRoots(childIds: readonly number[], parentId: number): void {
    this.transaction(() => {
      for (const id of childIds) {
        this.sql('UPDATE sounds SET root_id = ? WHERE root_id = ?').run(parentId, id);
        this.sql('DELETE FROM roots WHERE id = ?').run(id);
      }
    });
  }

  markRootScanned(id: number, at = Date.now()): void {
    this.sql('UPDATE roots SET last_scan_at = ? WHERE id = ?').run(at, id);
  }

  // ---------------------------------------------------------------- scanning

  /** A page of a folder's sounds as the scan compares them with the disk: ids after `afterId`, in id order. */
  scanEntries(rootId: number, afterId: number, limit: number): ScanEntry[] {
    return this.sql<[rootId: number, afterId: number, limit: number], ScanEntryRow>(
      'SELECT id, path, size, mtime_ms, content_hash, status, model_id FROM sounds WHERE root_id = ? AND id > ? ORDER BY id LIMIT ?',
    ).all(rootId, afterId, limit).map(toScanEntry);
  }

  /** Inserts files found on disk as pending; returns their ids in order. */
  addPendingSounds(files: readonly NewSoundFile[]): number[] {
    const insert = this.sql(
      `INSERT INTO sounds (root_id, path, folder, name, size, mtime_ms, content_hash, status, ucs_cat_id, ucs_category, ucs_subcategory)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
    );
    return this.transaction(() => files.map((f) => {
      const name = basename(f.path);
      const ucs = parseUcsName(name);
      const id = Number(insert.run(
        f.rootId, f.path, dirname(f.path), name, f.size, Math.round(f.mtimeMs), f.contentHash ?? null,
        ucs?.catId ?? null, ucs?.category ?? null, ucs?.subcategory ?? null,
      ).lastInsertRowid);
      this.writeFts(id);
      return id;
    }));
  }

  /** A file whose size or modification time changed: analyse it again. */
  markChanged(id: number, size: number, mtimeMs: number): void {
    this.sql(
      `UPDATE sounds SET size = ?, mtime_ms = ?, content_hash = NULL, status = 'pending',
       failure_kind = NULL, failure_reason = NULL WHERE id = ?`,
    ).run(size, Math.round(mtimeMs), id);
  }

  /** Marks sounds for re-analysis without touching their file facts (e.g. a new model). */
  markPending(ids: readonly number[]): void {
    const s = this.sql(`UPDATE sounds SET status = 'pending' WHERE id = ?`);
    this.transaction(() => { for (const id of ids) s.run(id); });
  }

  /** The same content found at a new path: keep the sound (and its vectors, tags, pairs). */
  moveSound(id: number, to: NewSoundFile): void {
    const name = basename(to.path);
    const ucs = parseUcsName(name);
    this.transaction(() => {
      this.sql(
        `UPDATE sounds SET root_id = ?, path = ?, folder = ?, name = ?, size = ?, mtime_ms = ?,
         ucs_cat_id = ?, ucs_category = ?, ucs_subcategory = ? WHERE id = ?`,
      ).run(to.rootId, to.path, dirname(to.path), name, to.size, Math.round(to.mtimeMs),
        ucs?.catId ?? null, ucs?.category ?? null, ucs?.subcategory ?? null, id);
      this.writeFts(id);
    });
  }

  deleteSounds(ids: readonly number[]): void {
    const s = this.sql('DELETE FROM sounds WHERE id = ?');
    this.transaction(() => { for (const id of ids) s.run(id); });
  }

  /** Pending sounds in a stable order, optionally limited to some roots. */
  pendingSounds(rootIds?: readonly number[]): { id: number; path: string }[] {
    return rootIds
      ? this.db.prepare<number[], PendingSoundRow>(`SELECT id, path FROM sounds WHERE status = 'pending' AND root_id IN (${rootIds.map(() => '?').join(',')}) ORDER BY id`).all(...rootIds)
      : this.sql<[], PendingSoundRow>(`SELECT id, path FROM sounds WHERE status = 'pending' ORDER BY id`).all();
  }

  /**
   * Stores one analysed file atomically: the row, its windows, tags and full-text entry,
   * and the status 'indexed'. A kill before the commit leaves the sound pending and whole.
   */
  commitAnalysed(a: AnalysedSound, now = Date.now()): void {
    if (![...a.windows, ...(a.features?.windows ?? [])].every((w) => allFinite(w.vector) && Number.isFinite(w.offsetSec))) {
      throw new EngineError('corrupt', 'its analysis gave values that are not finite numbers (NaN or infinity), so it was not added to the library');
    }
    this.transaction(() => {
      const before = this.sql('SELECT content_hash FROM sounds WHERE id = ?').get(a.soundId) as { content_hash: string | null } | undefined;
      const changed = this.sql(
        `UPDATE sounds SET status = 'indexed', content_hash = ?, format = ?, sample_rate = ?, channels = ?, bit_depth = ?,
         duration_sec = ?, analysed_sec = ?, peaks = ?, description = ?, metadata = ?, failure_kind = NULL,
         failure_reason = NULL, model_id = ?, indexed_at = ? WHERE id = ?`,
      ).run(a.contentHash, a.format, a.sampleRate, a.channels, a.bitDepth, a.durationSec, a.analysedSec,
        peakBytes(a.peaks), a.description, JSON.stringify(a.metadata), a.modelId, now, a.soundId).changes;
      if (changed === 0) return; // the file was removed from the library while it was analysed
      // New content: what other model versions stored for the old content (a backbone switch under
      // way, a version not active) no longer describes it, and must be made again.
      if (before?.content_hash !== a.contentHash) this.sql('DELETE FROM sound_embeddings WHERE sound_id = ? AND model_id != ?').run(a.soundId, a.modelId);
      this.writeWindows('embeddings', a.soundId, a.modelId, a.windows);
      if (a.features) this.putSoundFeatures(a.soundId, a.features.backbone, a.features.windows);
      this.sql('DELETE FROM sound_tags WHERE sound_id = ?').run(a.soundId);
      const putTag = this.sql('INSERT INTO sound_tags (sound_id, label, probability) VALUES (?, ?, ?)');
      for (const t of a.tags) putTag.run(a.soundId, t.label, t.probability);
      this.writeFts(a.soundId);
    });
  }

  /** Records why a file could not be analysed; it is retried only when it changes on disk. */
  commitFailed(soundId: number, error: SerializedError, contentHash: string | null = null, now = Date.now()): void {
    this.sql(
      `UPDATE sounds SET status = 'failed', failure_kind = ?, failure_reason = ?, content_hash = coalesce(?, content_hash),
       indexed_at = ? WHERE id = ?`,
    ).run(error.kind, error.message, contentHash, now, soundId);
  }

  private writeFts(id: number): void {
    this.sql('DELETE FROM sounds_fts WHERE rowid = ?').run(id);
    this.sql(
      `INSERT INTO sounds_fts (rowid, name, folder, description, category, tags)
       SELECT s.id, replace(replace(s.name, '_', ' '), '-', ' '), s.folder, coalesce(s.description, ''),
              trim(coalesce(s.ucs_category, '') || ' ' || coalesce(s.ucs_subcategory, '') || ' ' || coalesce(s.ucs_cat_id, '')),
              trim(coalesce((SELECT group_concat(t.label, ' ') FROM sound_tags t WHERE t.sound_id = s.id
                               AND NOT EXISTS (SELECT 1 FROM dismissed_tags d WHERE d.content_hash = s.content_hash AND d.label = t.label)), '')
                   || ' ' || coalesce((SELECT group_concat(u.tag, ' ') FROM user_tags u WHERE u.content_hash = s.content_hash), ''))
       FROM sounds s WHERE s.id = ?`,
    ).run(id);
  }

  // ---------------------------------------------------------------- reading sounds

  sound(id: number): Sound | undefined {
    const r = this.sql<[id: number], SoundRow>('SELECT * FROM sounds WHERE id = ?').get(id);
    return r && toSound(r);
  }

  soundByPath(path: string): Sound | undefined {
    const r = this.sql<[path: string], SoundRow>('SELECT * FROM sounds WHERE path = ?').get(path);
    return r && toSound(r);
  }

  soundsByIds(ids: readonly number[]): Map<number, Sound> {
    const out = new Map<number, Sound>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.db.prepare<number[], SoundRow>(`SELECT * FROM sounds WHERE id IN (${chunk.map(() => '?').join(',')})`).all(...chunk);
      for (const r of rows) { const s = toSound(r); out.set(s.id, s); }
    }
    return out;
  }

  /** A page of sounds for browsing, by path. */
  sounds(options: { status?: SoundStatus; limit?: number; offset?: number } = {}): Sound[] {
    const limit = options.limit ?? 100;
    const offset = options.offset ?? 0;
    const rows = options.status
      ? this.sql<[status: SoundStatus, limit: number, offset: number], SoundRow>('SELECT * FROM sounds WHERE status = ? ORDER BY path LIMIT ? OFFSET ?').all(options.status, limit, offset)
      : this.sql<[limit: number, offset: number], SoundRow>('SELECT * FROM sounds ORDER BY path LIMIT ? OFFSET ?').all(limit, offset);
    return rows.map(toSound);
  }

  peaks(id: number): Float32Array | undefined {
    const peaks = this.sql<[id: number], SoundRow['peaks']>('SELECT peaks FROM sounds WHERE id = ?').pluck().get(id);
    if (!peaks) return undefined;
    return Float32Array.from(peaks, (b) => b / 255);
  }

  soundWindows(soundId: number, modelId: string): WindowVector[] {
    return this.readWindows('embeddings', soundId, modelId);
  }

  /** The float32 vectors of the given windows, in order (the vector index's exact rescoring). */
  windowVectors(modelId: string, keys: readonly { soundId: number; window: number }[]): Float32Array[] {
    const s = this.sql<[soundId: number, modelId: string, window: number], WindowRow['vector']>('SELECT vector FROM sound_embeddings WHERE sound_id = ? AND model_id = ? AND window_index = ?').pluck();
    return keys.map((k) => {
      const vector = s.get(k.soundId, modelId, k.window);
      if (!vector) throw new EngineError('not-found', `window ${k.window} of sound ${k.soundId} is not in the library`);
      return decodeHalf(vector);
    });
  }

  windowCount(soundId: number, modelId: string): number {
    return this.count<[soundId: number, modelId: string]>('SELECT count(*) AS n FROM sound_embeddings WHERE sound_id = ? AND model_id = ?', soundId, modelId);
  }

  /**
   * One page of a model version's window vectors for searchable (indexed) sounds with ids above
   * `afterSoundId`, in sound order, every sound whole: the index is built a page at a time so the
   * engine's thread never stops for long, and another statement may run between pages.
   * `nextAfter` is where the next page starts; null when this was the last.
   */
  embeddingPage(modelId: string, afterSoundId: number, maxWindows: number): { windows: StoredWindow[]; nextAfter: number | null } {
    // Walk the (sound, model, window) index in its own order, sounds looked up by id: any other
    // plan (the model_id index, or sounds first) sorts everything after the page for every page.
    // Ordering by the window too makes SQLite add a sort step, so windows are put in order here.
    const windows = this.sql<[afterSoundId: number, modelId: string, limit: number], StoredWindowRow>(
      `SELECT e.sound_id, e.window_index, e.offset_sec, e.vector FROM sound_embeddings e INDEXED BY sqlite_autoindex_sound_embeddings_1
       CROSS JOIN sounds s ON s.id = e.sound_id
       WHERE e.sound_id > ? AND e.model_id = ? AND s.status = 'indexed' ORDER BY e.sound_id LIMIT ?`,
    ).all(afterSoundId, modelId, maxWindows + 1).map(toStoredWindow)
      .sort((a, b) => a.soundId - b.soundId || a.windowIndex - b.windowIndex);
    if (windows.length <= maxWindows) return { windows, nextAfter: null };
    const lastSound = windows[windows.length - 1].soundId;
    const whole = windows.filter((w) => w.soundId !== lastSound);
    // A single sound with more windows than a page: take it whole on its own.
    if (whole.length === 0) {
      const all = this.soundWindows(lastSound, modelId).map((w, i) => ({ soundId: lastSound, windowIndex: i, offsetSec: w.offsetSec, vector: w.vector }));
      return { windows: all, nextAfter: lastSound };
    }
    return { windows: whole, nextAfter: whole[whole.length - 1].soundId };
  }

  // ---------------------------------------------------------------- change stamps

  /** This database's random identity (an index snapshot names the library it was written for). */
  libraryId(): string {
    const id = this.getSetting<string>('library_id');
    if (!id) throw new EngineError('corrupt', 'the library has no identity (settings.library_id is missing)', { file: this.path });
    return id;
  }

  /** The stamp of the latest write that changed what search sees (grows with every such write, by any process). */
  changeStamp(): number {
    return this.count('SELECT coalesce(max(stamp), 0) AS n FROM library_changes');
  }

  /** Sounds whose vectors, status or existence changed after `stamp`, oldest change first, at most `limit`. */
  changesSince(stamp: number, limit: number): { soundId: number; stamp: number }[] {
    return this.sql<[stamp: number, limit: number], ChangeRow>('SELECT sound_id AS soundId, stamp FROM library_changes WHERE stamp > ? ORDER BY stamp LIMIT ?').all(stamp, limit);
  }

  /** The model's guessed AudioSet tags, most confident first, less those the user dismissed. */
  soundTags(soundId: number): Tag[] {
    return this.sql<[soundId: number], Tag>(
      `SELECT t.label, t.probability FROM sound_tags t JOIN sounds s ON s.id = t.sound_id WHERE t.sound_id = ?
       AND NOT EXISTS (SELECT 1 FROM dismissed_tags d WHERE d.content_hash = s.content_hash AND d.label = t.label)
       ORDER BY t.probability DESC`,
    ).all(soundId);
  }

  failures(limit = 1000): SoundFailure[] {
    return this.sql<[limit: number], SoundFailure>(`SELECT id, path, failure_kind AS kind, failure_reason AS reason FROM sounds WHERE status = 'failed' ORDER BY path LIMIT ?`)
      .all(limit);
  }

  counts(): LibraryCounts {
    // An aggregate over a table always gives exactly one row.
    const s = this.sql<[], StatusCountsRow>(
      `SELECT count(*) AS sounds, sum(status = 'indexed') AS indexed, sum(status = 'pending') AS pending,
       sum(status = 'failed') AS failed FROM sounds`,
    ).get()!;
    return {
      roots: this.count('SELECT count(*) AS n FROM roots'),
      sounds: s.sounds,
      indexed: s.indexed ?? 0,
      pending: s.pending ?? 0,
      failed: s.failed ?? 0,
      windows: this.count('SELECT count(*) AS n FROM sound_embeddings'),
      tags: this.count('SELECT count(*) AS n FROM sound_tags'),
    };
  }

  /** A query of one count, `n` (an aggregate: always one row). */
  private count<Params extends unknown[] = []>(text: string, ...params: Params): number {
    return this.sql<Params, CountRow>(text).get(...params)!.n;
  }

  /** Whether any sound is searchable: one index lookup, where counting a million sounds reads them all. */
  hasIndexedSounds(): boolean {
    return this.sql(`SELECT 1 FROM sounds WHERE status = 'indexed' LIMIT 1`).get() !== undefined;
  }

  maxSoundId(): number {
    return this.count('SELECT coalesce(max(id), 0) AS n FROM sounds');
  }

  /** Bytes on disk: the database file plus its write-ahead log. */
  databaseBytes(): number {
    if (this.path === ':memory:') return numberPragma(this.db, 'page_count') * numberPragma(this.db, 'page_size');
    let total = 0;
    for (const p of [this.path, `${this.path}-wal`]) {
      try { total += statSync(p).size; } catch { /* absent WAL */ }
    }
    return total;
  }

  /** Folds the write-ahead log into the database file (sizes then reflect the data). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  // ---------------------------------------------------------------- the user's own marks (by content hash)

  /** A sound's star, rating, own tags and dismissed guesses; a sound not yet hashed has none. */
  soundMarks(soundId: number): SoundMarks {
    const hash = this.hashOf(soundId);
    if (!hash) return { favourite: false, rating: 0, userTags: [], dismissed: [] };
    const mark = this.sql<[hash: string], MarkRow>('SELECT favourite, rating FROM sound_marks WHERE content_hash = ?').get(hash);
    return {
      favourite: mark?.favourite === 1,
      rating: mark?.rating ?? 0,
      userTags: this.sql<[hash: string], string>('SELECT tag FROM user_tags WHERE content_hash = ? ORDER BY tag').pluck().all(hash),
      dismissed: this.sql<[hash: string], string>('SELECT label FROM dismissed_tags WHERE content_hash = ? ORDER BY label').pluck().all(hash),
    };
  }

  /** Stars or unstars sounds; returns how many were changed. */
  setFavourite(soundIds: readonly number[], favourite: boolean, now = Date.now()): number {
    return this.mark(soundIds, 'favourite', favourite ? 1 : 0, now);
  }

  /** Rates sounds 0 (none) to 5. */
  setRating(soundIds: readonly number[], rating: number, now = Date.now()): number {
    return this.mark(soundIds, 'rating', rating, now);
  }

  private mark(soundIds: readonly number[], column: 'favourite' | 'rating', value: number, now: number): number {
    const put = this.sql(
      `INSERT INTO sound_marks (content_hash, ${column}, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (content_hash) DO UPDATE SET ${column} = excluded.${column}, updated_at = excluded.updated_at`,
    );
    return this.transaction(() => this.hashesOf(soundIds).reduce((n, hash) => n + put.run(hash, value, now).changes, 0));
  }

  /** Adds and removes the user's own tags on sounds (searchable like any tag). */
  tagSounds(soundIds: readonly number[], change: { add?: readonly string[]; remove?: readonly string[] }): void {
    const add = this.sql('INSERT INTO user_tags (content_hash, tag) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const remove = this.sql('DELETE FROM user_tags WHERE content_hash = ? AND tag = ?');
    this.transaction(() => {
      for (const hash of this.hashesOf(soundIds)) {
        for (const tag of change.add ?? []) add.run(hash, tag);
        for (const tag of change.remove ?? []) remove.run(hash, tag);
        this.rewriteFtsOfHash(hash);
      }
    });
  }

  /** The user says an AudioSet guess is wrong for this sound: it is no longer shown or searched. */
  dismissTag(soundId: number, label: string): void {
    const hash = this.hashOf(soundId);
    if (!hash) return;
    this.transaction(() => {
      this.sql('INSERT INTO dismissed_tags (content_hash, label) VALUES (?, ?) ON CONFLICT DO NOTHING').run(hash, label);
      this.rewriteFtsOfHash(hash);
    });
  }

  collections(): Collection[] {
    return this.sql<[], CollectionRow>(
      `SELECT c.id, c.name, c.created_at, count(s.id) AS sounds FROM collections c
       LEFT JOIN collection_items i ON i.collection_id = c.id
       LEFT JOIN sounds s ON s.content_hash = i.content_hash AND s.status = 'indexed'
       GROUP BY c.id ORDER BY c.name COLLATE NOCASE`,
    ).all().map(toCollection);
  }

  /** A new collection, or the existing one of that name (names are unique, whatever their case). */
  addCollection(name: string, now = Date.now()): Collection {
    this.sql('INSERT INTO collections (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, now);
    const id = this.sql<[name: string], number>('SELECT id FROM collections WHERE name = ?').pluck().get(name);
    return this.collections().find((c) => c.id === id)!;
  }

  removeCollection(id: number): boolean {
    return this.sql('DELETE FROM collections WHERE id = ?').run(id).changes > 0;
  }

  /** Puts sounds in a collection or takes them out; false when there is no such collection. */
  collectSounds(collectionId: number, soundIds: readonly number[], include: boolean, now = Date.now()): boolean {
    if (!this.sql('SELECT 1 FROM collections WHERE id = ?').get(collectionId)) return false;
    const put = include
      ? this.sql('INSERT INTO collection_items (collection_id, content_hash, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      : this.sql('DELETE FROM collection_items WHERE collection_id = ? AND content_hash = ?');
    this.transaction(() => {
      for (const hash of this.hashesOf(soundIds)) {
        if (include) put.run(collectionId, hash, now);
        else put.run(collectionId, hash);
      }
    });
    return true;
  }

  private hashOf(soundId: number): string | null {
    return this.sql<[soundId: number], SoundRow['content_hash']>('SELECT content_hash FROM sounds WHERE id = ?').pluck().get(soundId) ?? null;
  }

  private hashesOf(soundIds: readonly number[]): string[] {
    return [...new Set(soundIds.map((id) => this.hashOf(id)).filter((h): h is string => h !== null))];
  }

  private rewriteFtsOfHash(hash: string): void {
    for (const id of this.sql<[hash: string], number>('SELECT id FROM sounds WHERE content_hash = ?').pluck().all(hash)) this.writeFts(id);
  }

  // ---------------------------------------------------------------- query planning

  /** Ids of indexed sounds that satisfy every filter present. */
  soundIdsMatching(filter: SoundFilter): number[] {
    const { where, args } = filterSql(filter);
    return this.db.prepare<unknown[], number>(`SELECT s.id FROM sounds s WHERE ${where}`).pluck().all(...args);
  }

  /** How many indexed sounds satisfy every filter present. */
  countMatching(filter: SoundFilter): number {
    const { where, args } = filterSql(filter);
    return this.db.prepare<unknown[], number>(`SELECT count(*) FROM sounds s WHERE ${where}`).pluck().get(...args)!;
  }

  /**
   * Text search that ranks: the sounds matching `filter` (whose `text` must have a positive word)
   * by FTS5 bm25 over the columns, weighted so that a file named for the word comes before one
   * whose folder, description or category mention it, and those before a guessed AudioSet tag.
   * Scores are bm25 negated: larger is more relevant. A text with only exclusions has no
   * relevance; it returns [] and the caller browses in another order.
   */
  rankText(filter: SoundFilter, options: { limit: number; offset?: number }): Array<{ id: number; score: number }> {
    const query = parseSearchText(filter.text ?? '');
    if (!query.match) return [];
    const { where, args } = filterSql({ ...filter, text: undefined }, query.exclude);
    return this.db.prepare<unknown[], { id: number; score: number }>(
      `SELECT s.id AS id, -bm25(sounds_fts, ${BM25_WEIGHTS}) AS score
       FROM sounds_fts JOIN sounds s ON s.id = sounds_fts.rowid
       WHERE sounds_fts MATCH ? AND ${where}
       ORDER BY bm25(sounds_fts, ${BM25_WEIGHTS}), s.id LIMIT ? OFFSET ?`,
    ).all(query.match, ...args, options.limit, options.offset ?? 0);
  }

  /** A page of the indexed sounds a filter lets through, in a column's order (ties by path). */
  browseSounds(filter: SoundFilter, options: { sort?: SoundSort; descending?: boolean; limit: number; offset?: number }): number[] {
    const { where, args } = filterSql(filter);
    const column = SORT_COLUMNS[options.sort ?? 'path'];
    const direction = options.descending ? 'DESC' : 'ASC';
    return this.db.prepare<unknown[], number>(`SELECT s.id FROM sounds s WHERE ${where} ORDER BY ${column} ${direction}, s.path LIMIT ? OFFSET ?`)
      .pluck().all(...args, options.limit, options.offset ?? 0);
  }

  /** How many indexed sounds each folder holds directly. */
  folderCounts(): Array<{ folder: string; sounds: number }> {
    return this.sql<[], { folder: string; sounds: number }>(`SELECT folder, count(*) AS sounds FROM sounds WHERE status = 'indexed' GROUP BY folder ORDER BY folder`).all();
  }

  /** Full-text search alone, best match first. */
  searchText(text: string, limit = 50): number[] {
    return this.rankText({ text }, { limit }).map((r) => r.id);
  }

  // ---------------------------------------------------------------- training features

  putSoundFeatures(soundId: number, backbone: string, windows: readonly WindowVector[]): void {
    this.transaction(() => this.writeWindows('soundFeatures', soundId, backbone, windows));
  }

  soundFeatures(soundId: number, backbone: string): WindowVector[] {
    return this.readWindows('soundFeatures', soundId, backbone);
  }

  /** Sounds that have cached features for a recipe (what a new reference head can re-embed without decoding). */
  soundIdsWithFeatures(backbone: string): number[] {
    return this.sql<[backbone: string], number>('SELECT DISTINCT sound_id FROM sound_features WHERE backbone = ? ORDER BY sound_id').pluck().all(backbone);
  }

  /** Replaces one sound's window embeddings for a model version (re-embedding from cached features). */
  putSoundEmbeddings(soundId: number, modelId: string, windows: readonly WindowVector[]): void {
    this.transaction(() => {
      this.writeWindows('embeddings', soundId, modelId, windows);
      // The sound is current for this version: the next scan must not decode it again.
      this.sql('UPDATE sounds SET model_id = ? WHERE id = ?').run(modelId, soundId);
    });
  }

  /** Searchable sounds that have no vectors for a model version yet (what a backbone switch still has to analyse), in id order. */
  soundsWithoutEmbeddings(modelId: string): { id: number; path: string }[] {
    return this.sql(
      `SELECT s.id, s.path FROM sounds s WHERE s.status = 'indexed'
       AND NOT EXISTS (SELECT 1 FROM sound_embeddings e WHERE e.sound_id = s.id AND e.model_id = ?) ORDER BY s.id`,
    ).all(modelId) as { id: number; path: string }[];
  }

  /**
   * One sound's vectors (and features) for a model version that is not in use yet, written only
   * if the sound is still the content that was analysed; its model stays the one search uses until
   * `switchModel`. Returns whether they were written.
   */
  putReanalysed(soundId: number, modelId: string, contentHash: string, windows: readonly WindowVector[], features?: { backbone: string; windows: WindowVector[] }): boolean {
    if (![...windows, ...(features?.windows ?? [])].every((w) => allFinite(w.vector) && Number.isFinite(w.offsetSec))) {
      throw new EngineError('corrupt', 'its analysis gave values that are not finite numbers (NaN or infinity)');
    }
    return this.transaction(() => {
      const row = this.sql('SELECT status, content_hash FROM sounds WHERE id = ?').get(soundId) as { status: string; content_hash: string | null } | undefined;
      if (row?.status !== 'indexed' || row.content_hash !== contentHash) return false;
      this.writeWindows('embeddings', soundId, modelId, windows);
      if (features) this.writeWindows('soundFeatures', soundId, features.backbone, features.windows);
      return true;
    });
  }

  /**
   * Makes a model version the library's in one transaction: active, and the model of every sound
   * that has its vectors (so scans do not analyse those again). Sounds without them are the
   * caller's to mark pending.
   */
  switchModel(modelId: string): void {
    this.transaction(() => {
      this.setActiveModelVersion(modelId);
      this.sql(
        `UPDATE sounds SET model_id = ? WHERE status = 'indexed'
         AND EXISTS (SELECT 1 FROM sound_embeddings e WHERE e.sound_id = sounds.id AND e.model_id = ?)`,
      ).run(modelId, modelId);
    });
  }

  // ---------------------------------------------------------------- takes and training pairs

  addTake(t: NewTake): Take {
    const id = Number(this.sql(
      `INSERT INTO takes (wav_path, created_at, duration_sec, sample_rate, source, original_name, device_name)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(t.wavPath, t.createdAt ?? Date.now(), t.durationSec, t.sampleRate, t.source, t.originalName, t.deviceName).lastInsertRowid);
    return this.take(id)!;
  }

  take(id: number): Take | undefined {
    const r = this.sql<[id: number], TakeRow>('SELECT * FROM takes WHERE id = ?').get(id);
    return r && toTake(r);
  }

  takes(options: { includeDeleted?: boolean } = {}): Take[] {
    const rows = options.includeDeleted
      ? this.sql<[], TakeRow>('SELECT * FROM takes ORDER BY created_at DESC, id DESC').all()
      : this.sql<[], TakeRow>('SELECT * FROM takes WHERE deleted = 0 ORDER BY created_at DESC, id DESC').all();
    return rows.map(toTake);
  }

  /**
   * Deletes a take. While training pairs use it, it is only hidden (its features keep
   * training); otherwise the row and its features go. Returns what happened so the caller
   * can delete the WAV file only when nothing needs it.
   */
  deleteTake(id: number): 'hidden' | 'deleted' | 'absent' {
    return this.transaction(() => {
      if (!this.take(id)) return 'absent';
      const used = this.count<[takeId: number]>('SELECT count(*) AS n FROM training_pairs WHERE take_id = ?', id) > 0;
      if (used) {
        this.sql('UPDATE takes SET deleted = 1 WHERE id = ?').run(id);
        return 'hidden';
      }
      this.sql('DELETE FROM takes WHERE id = ?').run(id);
      return 'deleted';
    });
  }

  /** Takes the history's delete hid (Undo can bring them back) and no training pair needs. */
  unusedHiddenTakes(): Take[] {
    return this.sql<[], TakeRow>('SELECT * FROM takes WHERE deleted = 1 AND NOT EXISTS (SELECT 1 FROM training_pairs p WHERE p.take_id = takes.id)')
      .all().map(toTake);
  }

  /** Hides a take from the history, or brings it back; the audio and its pairs are untouched either way. */
  setTakeHidden(id: number, hidden: boolean): boolean {
    return this.sql('UPDATE takes SET deleted = ? WHERE id = ?').run(hidden ? 1 : 0, id).changes > 0;
  }

  /** A take's name as the user gave it (kept where a dropped file's own name was). */
  renameTake(id: number, name: string): boolean {
    return this.sql('UPDATE takes SET original_name = ? WHERE id = ?').run(name, id).changes > 0;
  }

  /** How many training pairs each take teaches. */
  pairCountsByTake(): Map<number, number> {
    const rows = this.sql<[], Pick<PairRow, 'take_id'> & CountRow>('SELECT take_id, count(*) AS n FROM training_pairs GROUP BY take_id').all();
    return new Map(rows.map((r) => [r.take_id, r.n]));
  }

  putTakeFeatures(takeId: number, backbone: string, windows: readonly WindowVector[]): void {
    this.transaction(() => this.writeWindows('takeFeatures', takeId, backbone, windows));
  }

  takeFeatures(takeId: number, backbone: string): WindowVector[] {
    return this.readWindows('takeFeatures', takeId, backbone);
  }

  /** Pairs a take with the sound it imitates; adding the same pair again returns the existing one. */
  addPair(takeId: number, soundId: number, origin: PairOrigin, now = Date.now()): TrainingPair {
    this.sql(
      `INSERT INTO training_pairs (take_id, sound_id, origin, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (take_id, sound_id) DO NOTHING`,
    ).run(takeId, soundId, origin, now);
    return toPair(this.sql<[takeId: number, soundId: number], PairRow>('SELECT * FROM training_pairs WHERE take_id = ? AND sound_id = ?').get(takeId, soundId)!);
  }

  pairs(options: { origin?: PairOrigin } = {}): TrainingPair[] {
    const rows = options.origin
      ? this.sql<[origin: PairOrigin], PairRow>('SELECT * FROM training_pairs WHERE origin = ? ORDER BY id').all(options.origin)
      : this.sql<[], PairRow>('SELECT * FROM training_pairs ORDER BY id').all();
    return rows.map(toPair);
  }

  /** Removes a pair, and a hidden take that no other pair needs any more. */
  removePair(id: number): boolean {
    return this.transaction(() => {
      const takeId = this.sql<[id: number], PairRow['take_id']>('SELECT take_id FROM training_pairs WHERE id = ?').pluck().get(id);
      if (takeId === undefined) return false;
      this.sql('DELETE FROM training_pairs WHERE id = ?').run(id);
      this.sql(
        'DELETE FROM takes WHERE id = ? AND deleted = 1 AND NOT EXISTS (SELECT 1 FROM training_pairs WHERE take_id = ?)',
      ).run(takeId, takeId);
      return true;
    });
  }

  // ---------------------------------------------------------------- jobs

  createJob(kind: string, config: Record<string, unknown> = {}, now = Date.now()): JobRecord {
    const id = Number(this.sql(
      `INSERT INTO jobs (kind, state, config, created_at, updated_at, owner_pid) VALUES (?, 'running', ?, ?, ?, ?)`,
    ).run(kind, JSON.stringify(config), now, now, process.pid).lastInsertRowid);
    return this.job(id)!;
  }

  updateJob(id: number, patch: { state?: JobState; progress?: Record<string, unknown>; error?: SerializedError | null }, now = Date.now()): void {
    this.sql(
      `UPDATE jobs SET state = coalesce(?, state), progress = coalesce(?, progress),
       error = CASE WHEN ? THEN ? ELSE error END, updated_at = ? WHERE id = ?`,
    ).run(patch.state ?? null, patch.progress ? JSON.stringify(patch.progress) : null,
      patch.error !== undefined ? 1 : 0, patch.error ? JSON.stringify(patch.error) : null, now, id);
  }

  job(id: number): JobRecord | undefined {
    const r = this.sql<[id: number], JobRow>('SELECT * FROM jobs WHERE id = ?').get(id);
    return r && toJob(r);
  }

  jobs(options: { kind?: string; limit?: number } = {}): JobRecord[] {
    const limit = options.limit ?? 50;
    const rows = options.kind
      ? this.sql<[kind: string, limit: number], JobRow>('SELECT * FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT ?').all(options.kind, limit)
      : this.sql<[limit: number], JobRow>('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit);
    return rows.map(toJob);
  }

  /**
   * Starts an index job's record only if no other live process owns a scan of this library: the
   * check and the insert are one IMMEDIATE transaction, so of two processes starting at once
   * exactly one wins. A scan left 'running' by a process that died holds nothing (its owner is
   * gone) and is taken over. Scans of this same process are the caller's to serialise.
   */
  claimScan(config: Record<string, unknown> = {}, now = Date.now()): JobRecord {
    return this.db.transaction(() => {
      const open = this.sql<[], JobOwnerRow>(`SELECT id, owner_pid FROM jobs WHERE kind = 'scan' AND state IN ('running', 'paused', 'queued')`).all();
      const owner = open.find((j) => j.owner_pid !== process.pid && processAlive(j.owner_pid));
      if (owner) {
        throw new EngineError('busy', `another Onomato process (pid ${owner.owner_pid}) is scanning this library right now; this scan was not started. Let that one finish (or stop it) and scan again`);
      }
      return this.createJob('scan', config, now);
    }).immediate();
  }

  /**
   * Changes another connection committed show as a new value here (SQLite's data_version; this
   * connection's own writes never change it), so a process can notice a CLI run's sounds and folders.
   */
  dataVersion(): number {
    return numberPragma(this.db, 'data_version');
  }

  /** Jobs left running or paused by a process that died; called once at start-up. */
  markInterruptedJobs(now = Date.now()): number {
    const open = this.sql<[], JobOwnerRow>(`SELECT id, owner_pid FROM jobs WHERE state IN ('running', 'paused', 'queued')`).all();
    const orphans = open.filter((j) => j.owner_pid !== process.pid && !processAlive(j.owner_pid));
    const mark = this.sql(`UPDATE jobs SET state = 'interrupted', updated_at = ? WHERE id = ?`);
    this.transaction(() => { for (const j of orphans) mark.run(now, j.id); });
    return orphans.length;
  }

  // ---------------------------------------------------------------- evaluation runs

  addEvaluationRun(run: Omit<EvaluationRun, 'id' | 'createdAt'> & { createdAt?: number }): EvaluationRun {
    const id = Number(this.sql(
      'INSERT INTO evaluation_runs (created_at, dataset, systems, report, model_id) VALUES (?, ?, ?, ?, ?)',
    ).run(run.createdAt ?? Date.now(), run.dataset, JSON.stringify(run.systems), JSON.stringify(run.report), run.modelId).lastInsertRowid);
    return this.evaluationRun(id)!;
  }

  evaluationRun(id: number): EvaluationRun | undefined {
    const r = this.sql<[id: number], EvaluationRunRow>('SELECT * FROM evaluation_runs WHERE id = ?').get(id);
    return r && toEvaluationRun(r);
  }

  evaluationRuns(limit = 50): EvaluationRun[] {
    return this.sql<[limit: number], EvaluationRunRow>('SELECT * FROM evaluation_runs ORDER BY id DESC LIMIT ?').all(limit).map(toEvaluationRun);
  }

  // ---------------------------------------------------------------- model versions

  /** Adds or updates a model version (weights untouched when `weights` is undefined). */
  putModelVersion(v: { id: string; kind: ModelKind; name?: string | null; config?: Record<string, unknown>; metrics?: Record<string, unknown>; weights?: Uint8Array | null; createdAt?: number }): ModelVersionRow {
    this.sql(
      `INSERT INTO model_versions (id, created_at, kind, name, config, metrics, weights) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, config = excluded.config,
       metrics = excluded.metrics, weights = CASE WHEN ? THEN excluded.weights ELSE weights END`,
    ).run(v.id, v.createdAt ?? Date.now(), v.kind, v.name ?? null, JSON.stringify(v.config ?? {}), JSON.stringify(v.metrics ?? {}),
      v.weights ? Buffer.from(v.weights.buffer, v.weights.byteOffset, v.weights.byteLength) : null, v.weights !== undefined ? 1 : 0);
    return this.modelVersion(v.id)!;
  }

  modelVersion(id: string): ModelVersionRow | undefined {
    const r = this.sql<[id: string], VersionRow>('SELECT id, created_at, kind, name, config, metrics, active FROM model_versions WHERE id = ?').get(id);
    return r && toModelVersion(r);
  }

  modelWeights(id: string): Uint8Array | undefined {
    const weights = this.sql<[id: string], Buffer | null>('SELECT weights FROM model_versions WHERE id = ?').pluck().get(id);
    return weights ? new Uint8Array(weights) : undefined;
  }

  modelVersions(): ModelVersionRow[] {
    return this.sql<[], VersionRow>('SELECT id, created_at, kind, name, config, metrics, active FROM model_versions ORDER BY created_at, id')
      .all().map(toModelVersion);
  }

  activeModelVersion(): ModelVersionRow | undefined {
    const r = this.sql<[], VersionRow>('SELECT id, created_at, kind, name, config, metrics, active FROM model_versions WHERE active = 1').get();
    return r && toModelVersion(r);
  }

  setActiveModelVersion(id: string): void {
    this.transaction(() => {
      if (!this.modelVersion(id)) throw new EngineError('not-found', `there is no model version "${id}"`);
      this.sql('UPDATE model_versions SET active = 0 WHERE active = 1').run();
      this.sql('UPDATE model_versions SET active = 1 WHERE id = ?').run(id);
    });
  }

  /** Replaces the curves a version was trained with (epochs numbered from 1). */
  putTrainingCurve(modelId: string, points: readonly TrainingCurvePoint[]): void {
    this.transaction(() => {
      this.sql('DELETE FROM training_curves WHERE model_id = ?').run(modelId);
      const insert = this.sql('INSERT INTO training_curves (model_id, epoch, loss, validation_mrr) VALUES (?, ?, ?, ?)');
      for (const p of points) insert.run(modelId, p.epoch, p.loss, p.validationMrr);
    });
  }

  trainingCurve(modelId: string): TrainingCurvePoint[] {
    return (this.sql('SELECT epoch, loss, validation_mrr FROM training_curves WHERE model_id = ? ORDER BY epoch').all(modelId) as Array<{ epoch: number; loss: number; validation_mrr: number | null }>)
      .map((r) => ({ epoch: r.epoch, loss: r.loss, validationMrr: r.validation_mrr }));
  }

  /** Deletes a version and its vectors; the active one cannot be deleted. */
  deleteModelVersion(id: string): boolean {
    const v = this.modelVersion(id);
    if (!v) return false;
    if (v.active) throw new EngineError('forbidden', 'the active model cannot be deleted; activate another one first');
    return this.sql('DELETE FROM model_versions WHERE id = ?').run(id).changes > 0;
  }

  // ---------------------------------------------------------------- settings

  getSetting<T>(key: string): T | undefined {
    const value = this.sql<[key: string], string>('SELECT value FROM settings WHERE key = ?').pluck().get(key);
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  setSetting(key: string, value: unknown): void {
    this.sql('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  deleteSetting(key: string): void {
    this.sql('DELETE FROM settings WHERE key = ?').run(key);
  }

  /** Runs SQLite's own consistency check; 'ok' when the file is sound. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  }
}

// -------------------------------------------------------------------- row mapping

/**
 * Window vectors and features are stored as float16 (migration 6): half the bytes, rankings
 * unchanged. Every stored vector passes here: a NaN in the database would break every later
 * search, so none gets in.
 */
function vectorBlob(v: Float32Array): Buffer {
  if (!allFinite(v)) throw new EngineError('corrupt', 'a vector to be stored contains a value that is not a finite number (NaN or infinity); nothing was written');
  return encodeHalf(v);
}

/** Peaks in 0..1 as one byte each, rounded up so a quiet but non-silent bucket stays visible. */
function peakBytes(peaks: Float32Array): Buffer {
  return Buffer.from(Uint8Array.from(peaks, (p) => Math.min(255, Math.ceil(Math.max(0, p) * 255))));
}


/**
 * bm25 weights of the full-text columns (name, folder, description, category, tags). The name is
 * what a sound designer chose to call the file; the folder and the UCS category are nearly as
 * deliberate; an embedded description is often long boilerplate; tags are the model's guesses.
 */
const BM25_WEIGHTS = '12.0, 4.0, 3.0, 6.0, 1.0';

/**
 * The WHERE clause of a filter over `sounds s` (indexed sounds only), with its arguments.
 * `alsoExclude` is an FTS5 query whose matches are left out.
 */
function filterSql(filter: SoundFilter, alsoExclude?: string): { where: string; args: unknown[] } {
  // A folder is a range of the folder index (the folder and everything under "folder/", which
  // sorts below "folder0"), and the index holds each sound's status too, so one folder of a
  // million sounds reads only its own index entries; the status test is kept off the status
  // index, which would otherwise be picked and read every sound.
  const where: string[] = [filter.folders?.length ? `+s.status = 'indexed'` : `s.status = 'indexed'`];
  const args: unknown[] = [];
  if (filter.folders?.length) {
    where.push(`(${filter.folders.map(() => '(s.folder = ? OR (s.folder >= ? AND s.folder < ?))').join(' OR ')})`);
    for (const f of filter.folders) {
      const folder = f.replace(/[\\/]+$/, '');
      args.push(folder, `${folder}/`, `${folder}0`);
    }
  }
  if (filter.minDurationSec !== undefined) { where.push('s.duration_sec >= ?'); args.push(filter.minDurationSec); }
  if (filter.maxDurationSec !== undefined) { where.push('s.duration_sec <= ?'); args.push(filter.maxDurationSec); }
  if (filter.categories?.length) {
    const marks = filter.categories.map(() => '?').join(',');
    where.push(`(upper(s.ucs_category) IN (${marks}) OR s.ucs_cat_id IN (${marks}))`);
    args.push(...filter.categories.map((c) => c.toUpperCase()), ...filter.categories);
  }
  if (filter.tags?.length) {
    // A guessed AudioSet tag the user has not dismissed, or one of the user's own.
    const marks = filter.tags.map(() => '?').join(',');
    where.push(`(s.id IN (SELECT t.sound_id FROM sound_tags t WHERE t.label IN (${marks}) AND t.probability >= ?
                  AND NOT EXISTS (SELECT 1 FROM dismissed_tags d WHERE d.content_hash = s.content_hash AND d.label = t.label))
                OR s.content_hash IN (SELECT content_hash FROM user_tags WHERE tag IN (${marks})))`);
    args.push(...filter.tags, filter.minTagProbability ?? 0, ...filter.tags);
  }
  if (filter.favourites) where.push('s.content_hash IN (SELECT content_hash FROM sound_marks WHERE favourite = 1)');
  if (filter.minRating) { where.push('s.content_hash IN (SELECT content_hash FROM sound_marks WHERE rating >= ?)'); args.push(filter.minRating); }
  if (filter.collectionId !== undefined) { where.push('s.content_hash IN (SELECT content_hash FROM collection_items WHERE collection_id = ?)'); args.push(filter.collectionId); }
  // Text without any word (only spaces or punctuation) does not narrow the search.
  const text = filter.text ? parseSearchText(filter.text) : {};
  if (text.match) { where.push('s.id IN (SELECT rowid FROM sounds_fts WHERE sounds_fts MATCH ?)'); args.push(text.match); }
  for (const exclude of [text.exclude, alsoExclude]) {
    if (exclude) { where.push('s.id NOT IN (SELECT rowid FROM sounds_fts WHERE sounds_fts MATCH ?)'); args.push(exclude); }
  }
  return { where: where.join(' AND '), args };
}

/** The columns a page of sounds can be ordered by, as SQL (never built from user text). */
const SORT_COLUMNS: Record<SoundSort, string> = {
  path: 's.path',
  name: 's.name COLLATE NOCASE',
  duration: 's.duration_sec',
  date: 's.mtime_ms',
  format: 's.format',
  sampleRate: 's.sample_rate',
  bitDepth: 's.bit_depth',
  channels: 's.channels',
  category: 'coalesce(s.ucs_category, \'~\')',
  description: 'coalesce(s.description, \'~\')',
};
