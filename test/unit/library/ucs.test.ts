import { describe, expect, it } from 'vitest';
import { parseUcsName, ucsCategories } from '../../../src-main/engine/library/ucs.ts';

describe('UCS file names', () => {
  it('reads exact CatIDs, with or without a user category', () => {
    expect(parseUcsName('FOLYClth_Jacket Rustle_TN_Lib.wav')).toEqual({ catId: 'FOLYClth', category: 'FOLEY', subcategory: 'CLOTH' });
    expect(parseUcsName('WHSH_Fast Pass_KP.wav')).toEqual({ catId: 'WHSH', category: 'SWOOSHES', subcategory: 'WHOOSH' });
    expect(parseUcsName('DOORWood-Barn_Creak Open_JD.wav')?.subcategory).toBe('WOOD');
    expect(parseUcsName('uiclick_soft.wav')?.category).toBe('USER INTERFACE');
  });

  it('reads spelled-out subcategories under a known CatShort', () => {
    expect(parseUcsName('FOLYCloth_Shirt_01.wav')).toEqual({ catId: 'FOLYCloth', category: 'FOLEY', subcategory: 'CLOTH' });
    expect(parseUcsName('WHSHSwsh_Air_01.wav')?.category).toBe('SWOOSHES');
    expect(parseUcsName('GUNPistol_Shot.wav')?.category).toBe('GUNS');
  });

  it('gives ordinary names no category', () => {
    for (const name of ['door_open.wav', 'arrow_metal_05.ogg', 'bd_haus.flac', 'Thunder.wav', 'MYSound_1.wav', 'rain.wav']) {
      expect(parseUcsName(name)).toBeUndefined();
    }
  });

  it('holds the UCS list with unique CatIDs', () => {
    const all = ucsCategories();
    expect(all.length).toBeGreaterThan(650);
    expect(new Set(all.map((c) => c.catId)).size).toBe(all.length);
    expect(new Set(all.map((c) => c.category)).size).toBeGreaterThan(80);
  });
});
