import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { loadDataset, type Dataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { vimSketchClass, vimSketchKey } from '../../../src-main/engine/evaluation/vimsketch-layout.ts';
import { buildCsvLayout, buildDevLayout, buildVimSketchLayout } from './dataset-fixtures.ts';
import { DEV_CSV } from '../../../src-main/engine/evaluation/qvim-dev-layout.ts';
import { testTempDir } from '../../support/temp-dir.ts';

const tmp = testTempDir('onomato-datasets-');

async function loadError(dir: string): Promise<EngineError> {
  const err = await loadDataset(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

const kinds = (d: Dataset): string[] => d.problems.map((p) => p.kind).sort();

describe('QVIM DEV layout', () => {
  it('reads the title row, header, up to three imitations per row and a reference on several rows', async () => {
    const root = join(tmp(), 'qvim-dev');
    buildDevLayout(root, [
      { label: 'Dog, barking', cls: 'Dog', item: 'bark.wav', queries: ['q1.wav', 'q2.wav', 'q3.wav'] },
      { label: 'Dog, barking', cls: 'Dog', item: 'bark.wav', queries: ['q4.wav'] },
      { label: 'Car horn', cls: 'Vehicle', item: 'horn.wav', queries: ['q5.wav', 'q6.wav'] },
    ]);
    // The parent folder works too, as the challenge download unpacks into qvim-dev/.
    const d = await loadDataset(tmp());
    expect(d.layout).toBe('qvim-dev');
    expect(d.name).toBe('QVIM DEV');
    expect(d.root).toBe(root);
    expect(d.problems).toEqual([]);
    expect(d.items).toEqual([
      { id: 'bark.wav', path: join(root, 'Items', 'Dog', 'bark.wav'), class: 'Dog' },
      { id: 'horn.wav', path: join(root, 'Items', 'Vehicle', 'horn.wav'), class: 'Vehicle' },
    ]);
    expect(d.queries.map((q) => [q.id, q.itemId, q.class])).toEqual([
      ['q1.wav', 'bark.wav', 'Dog'],
      ['q2.wav', 'bark.wav', 'Dog'],
      ['q3.wav', 'bark.wav', 'Dog'],
      ['q4.wav', 'bark.wav', 'Dog'],
      ['q5.wav', 'horn.wav', 'Vehicle'],
      ['q6.wav', 'horn.wav', 'Vehicle'],
    ]);
    expect(d.queries[4].path).toBe(join(root, 'Queries', 'Vehicle', 'q5.wav'));
  });

  it('lists every problem of a malformed but usable dataset and leaves out only what is broken', async () => {
    const root = join(tmp(), 'dev');
    buildDevLayout(
      root,
      [
        { label: 'Dog', cls: 'Dog', item: 'bark.wav', queries: ['q1.wav', 'gone.wav'] },
        { label: 'Dog', cls: 'Dog', item: 'bark.wav', queries: ['q1.wav'] }, // duplicate row
        { label: 'Cat', cls: '', item: 'meow.wav', queries: ['q2.wav'] }, // empty class
        { label: 'Bell', cls: 'Bell', item: 'missing-ref.wav', queries: ['q3.wav'] }, // reference file missing
        { label: 'Door', cls: 'Door', item: '', queries: ['q4.wav'] }, // no reference named
        { label: 'Horn', cls: 'Vehicle', item: 'horn.wav', queries: [] }, // no imitation
        { label: 'Horn', cls: 'Vehicle', item: 'horn2.wav', queries: ['q5.wav'] },
        { label: 'Dog', cls: 'Dog', item: 'bark2.wav', queries: ['q5.wav'] }, // q5 already used for horn2
      ],
      { skipAudio: ['gone.wav', 'missing-ref.wav'] },
    );
    const d = await loadDataset(root);
    expect(kinds(d)).toEqual(['conflicting-row', 'duplicate-row', 'empty-class', 'missing-file', 'missing-file', 'no-imitations', 'unknown-reference']);
    expect(d.items.map((i) => i.id)).toEqual(['bark.wav', 'bark2.wav', 'horn2.wav']);
    expect(d.queries.map((q) => q.id)).toEqual(['q1.wav', 'q5.wav']);
    const text = d.problems.map((p) => `${p.line ?? ''} ${p.message}`).join('\n');
    expect(text).toMatch(/5 reference "meow.wav" has no class/);
    expect(text).toMatch(/reference "missing-ref.wav" is missing; its 1 imitation is left out/);
    expect(text).toMatch(/imitation "gone.wav" is missing/);
    expect(text).toMatch(/imitation "q1.wav" of "bark.wav" is listed twice/);
  });

  it('throws one dataset error listing every problem when nothing usable is left', async () => {
    const root = join(tmp(), 'dev');
    buildDevLayout(root, [{ label: 'Dog', cls: 'Dog', item: 'bark.wav', queries: ['q1.wav'] }], { skipAudio: ['bark.wav', 'q1.wav'] });
    const err = await loadError(root);
    expect(err.kind).toBe('dataset');
    expect(err.message).toMatch(/no usable references/);
    expect(err.message).toMatch(/reference "bark.wav" is missing/);
    expect(err.message).toMatch(/imitation "q1.wav" is missing/);
  });

  it('reports a header without the required columns and an unreadable (binary) list', async () => {
    const root = join(tmp(), 'dev');
    mkdirSync(root);
    writeFileSync(join(root, DEV_CSV), 'title\nLabel,Class,Reference,Query 1\n');
    expect((await loadError(root)).message).toMatch(/lacks "Items", "Query 2", "Query 3"/);
    writeFileSync(join(root, DEV_CSV), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0xff]));
    expect((await loadError(root)).message).toMatch(/not a text CSV file/);
  });
});

describe('VimSketch layout', () => {
  const refs = ['001_000Animal_Domestic animals_pets_Cat_Growling.wav', '002_014Vehicle_Car_Horn.wav', '003_020Tools_Hammer.wav'];

  it('matches imitations to references by the name after the first "_" on both sides', async () => {
    const root = join(tmp(), 'Vim_Sketch_Dataset');
    buildVimSketchLayout(root, refs, ['00001_000Animal_Domestic animals_pets_Cat_Growling.wav', '00002_000Animal_Domestic animals_pets_Cat_Growling.wav', '00003_014Vehicle_Car_Horn.wav']);
    const d = await loadDataset(tmp());
    expect(d.layout).toBe('vimsketch');
    expect(d.problems).toEqual([]);
    // Every reference is an item, imitated or not.
    expect(d.items.map((i) => [i.id, i.class])).toEqual([
      [refs[0], 'Animal'],
      [refs[1], 'Vehicle'],
      [refs[2], 'Tools'],
    ]);
    expect(d.queries.map((q) => q.itemId)).toEqual([refs[0], refs[0], refs[1]]);
    expect(d.queries[0].path).toBe(join(root, 'vocal_imitations', '00001_000Animal_Domestic animals_pets_Cat_Growling.wav'));
    expect(vimSketchKey('00001_000Animal_Cat.wav')).toBe('000Animal_Cat.wav');
    expect(vimSketchClass('12_Door_knock.wav')).toBe('Door');
  });

  it('reports imitations of unknown references, duplicate reference names and missing audio', async () => {
    const root = join(tmp(), 'vs');
    buildVimSketchLayout(root, [...refs, '099_014Vehicle_Car_Horn.wav'], ['00001_000Animal_Domestic animals_pets_Cat_Growling.wav', '00004_Unknown_Sound.wav', '00005_020Tools_Hammer.wav'], {
      skipAudio: ['00005_020Tools_Hammer.wav'],
    });
    const d = await loadDataset(root);
    expect(kinds(d)).toEqual(['conflicting-row', 'missing-file', 'unknown-reference']);
    expect(d.queries.map((q) => q.id)).toEqual(['00001_000Animal_Domestic animals_pets_Cat_Growling.wav']);
    expect(d.problems.find((p) => p.kind === 'unknown-reference')?.line).toBe(2);
  });
});

describe('plain CSV layout', () => {
  it('reads imitation, reference and class columns in any order with paths relative to the folder', async () => {
    const root = join(tmp(), 'mine');
    buildCsvLayout(root, ['Class', 'Reference', 'Imitation'], [
      { class: 'door', reference: 'refs/door.wav', imitation: 'takes/door-1.wav' },
      { class: 'door', reference: 'refs/door.wav', imitation: 'takes/door-2.wav' },
      { class: 'glass, breaking', reference: 'refs/glass.wav', imitation: 'takes/glass-1.wav' },
    ]);
    const d = await loadDataset(root);
    expect(d.layout).toBe('csv');
    expect(d.name).toBe('mine');
    expect(d.problems).toEqual([]);
    expect(d.items.map((i) => [i.id, i.class])).toEqual([
      ['refs/door.wav', 'door'],
      ['refs/glass.wav', 'glass, breaking'],
    ]);
    expect(d.queries.map((q) => [q.id, q.itemId])).toEqual([
      ['takes/door-1.wav', 'refs/door.wav'],
      ['takes/door-2.wav', 'refs/door.wav'],
      ['takes/glass-1.wav', 'refs/glass.wav'],
    ]);
  });

  it('reports empty classes, duplicate rows, conflicting classes and missing files, and reads dataset.json for a name', async () => {
    const root = join(tmp(), 'mine');
    buildCsvLayout(
      root,
      ['imitation', 'reference', 'class'],
      [
        { imitation: 'a1.wav', reference: 'a.wav', class: 'A' },
        { imitation: 'a1.wav', reference: 'a.wav', class: 'A' },
        { imitation: 'a2.wav', reference: 'a.wav', class: 'B' },
        { imitation: 'b1.wav', reference: 'b.wav', class: '' },
        { imitation: 'c1.wav', reference: 'c.wav', class: 'C' },
      ],
      { skipAudio: ['c.wav'] },
    );
    writeFileSync(join(root, 'dataset.json'), JSON.stringify({ name: 'My takes' }));
    const d = await loadDataset(root);
    expect(d.name).toBe('My takes');
    expect(kinds(d)).toEqual(['conflicting-row', 'conflicting-row', 'duplicate-row', 'empty-class', 'missing-file']);
    expect(d.items.map((i) => i.id)).toEqual(['a.wav']);
    expect(d.queries.map((q) => [q.id, q.class])).toEqual([
      ['a1.wav', 'A'],
      ['a2.wav', 'A'],
    ]);
  });

  it('an unreadable CSV and a folder that is no dataset give clear errors', async () => {
    const root = join(tmp(), 'bad');
    mkdirSync(root);
    writeFileSync(join(root, 'list.csv'), Buffer.from([0, 1, 2, 3]));
    expect((await loadError(root)).message).toMatch(/list.csv: is not a text CSV file/);
    const empty = join(tmp(), 'empty');
    mkdirSync(empty);
    expect((await loadError(empty)).message).toMatch(/not a dataset Onomato can read/);
  });
});
