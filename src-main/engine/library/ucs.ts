import { UCS_TABLE } from './ucs-catids.ts';

export interface UcsCategory {
  catId: string;
  category: string;
  /** Absent when the file names a known category with a subcategory the list does not have. */
  subcategory?: string;
}

interface Tables {
  exact: Map<string, UcsCategory>;
  lower: Map<string, UcsCategory>;
  /** CatShort (the upper-case stem, `FOLY`, `WHSH`) -> its category's entries. */
  byShort: Map<string, UcsCategory[]>;
}

let cached: Tables | undefined;

function tables(): Tables {
  if (cached) return cached;
  const t: Tables = { exact: new Map(), lower: new Map(), byShort: new Map() };
  for (const line of UCS_TABLE.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon < 0) continue;
    const category = line.slice(0, colon);
    for (const entry of line.slice(colon + 2).split(', ')) {
      const [catId, subcategory] = entry.split('=');
      const c = { catId, category, subcategory };
      t.exact.set(catId, c);
      t.lower.set(catId.toLowerCase(), c);
      const short = splitCatId(catId)?.short ?? catId;
      t.byShort.set(short, [...(t.byShort.get(short) ?? []), c]);
    }
  }
  cached = t;
  return t;
}

/** `FOLYClth` -> FOLY + Clth; `WHSH` -> undefined (no subcategory part). */
function splitCatId(id: string): { short: string; sub: string } | undefined {
  const m = /^([A-Z]{2,})([A-Z][a-z][A-Za-z0-9]*)$/.exec(id);
  return m ? { short: m[1], sub: m[2] } : undefined;
}

export function ucsCategories(): UcsCategory[] {
  return [...tables().exact.values()];
}

/**
 * The UCS category of a file named `CatID[-UserCategory]_FXName_CreatorID_SourceID.ext`.
 * Exact CatIDs come first (`FOLYClth_`, `WHSH_`, any case). Libraries also spell the
 * subcategory out (`FOLYCloth_`, `WHSHSwsh_`): then the upper-case stem must be a known
 * CatShort, and the rest is matched against that category's subcategory names and CatIDs.
 * Ordinary names like `door_open.wav` never get a category.
 */
export function parseUcsName(fileName: string): UcsCategory | undefined {
  const underscore = fileName.indexOf('_');
  if (underscore <= 0) return undefined;
  const head = fileName.slice(0, underscore);
  const dash = head.indexOf('-');
  const catId = dash > 0 ? head.slice(0, dash) : head;
  const t = tables();
  const known = t.exact.get(catId) ?? t.lower.get(catId.toLowerCase());
  if (known) return known;
  const parts = splitCatId(catId);
  if (!parts) return undefined;
  const family = t.byShort.get(parts.short);
  if (!family) return undefined;
  const sub = parts.sub.toUpperCase();
  const match = family.find((c) => c.subcategory === sub || c.catId.toUpperCase() === sub || c.catId.toUpperCase() === parts.short + sub);
  return match ? { ...match, catId } : { catId, category: family[0].category };
}
