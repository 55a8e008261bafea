/**
 * What a sound designer types in the search box, turned into FTS5 queries that can never be
 * malformed: every word becomes a quoted prefix term, "quoted words" a phrase, and -word or
 * -"quoted words" an exclusion. Quotes, stars, parentheses, colons and FTS5 keywords typed by the
 * user are only ever text inside a quoted string, so no input can change the query's shape.
 */
export interface TextQuery {
  /** Sounds must match every positive word and phrase (undefined: no positive term). */
  match?: string;
  /** Sounds matching any of these are left out (undefined: nothing excluded). */
  exclude?: string;
}

/** Letters and digits of a piece of text, as the FTS5 unicode61 tokenizer would split them. */
function words(text: string): string[] {
  return text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

export function parseSearchText(text: string): TextQuery {
  const include: string[] = [];
  const exclude: string[] = [];
  // A -"phrase", a "phrase", a -word or a word; an unclosed quote runs to the end of the text.
  const pattern = /(-?)"([^"]*)"?|(-?)([^\s"]+)/gu;
  for (const m of text.normalize('NFKC').matchAll(pattern)) {
    const negative = (m[1] || m[3]) === '-';
    const quoted = m[2] !== undefined;
    const parts = words(quoted ? m[2] : m[4]);
    if (!parts.length) continue;
    // A quoted run is a phrase; a bare token like "door-slam" is each of its words, as prefixes.
    const terms = quoted ? [`"${parts.join(' ')}"`] : parts.map((w) => `"${w}"*`);
    (negative ? exclude : include).push(...terms);
  }
  return {
    match: include.length ? include.join(' AND ') : undefined,
    exclude: exclude.length ? exclude.join(' OR ') : undefined,
  };
}

/** True when the text narrows anything at all (words, phrases or exclusions). */
export function hasTextTerms(text: string | undefined): boolean {
  if (!text) return false;
  const q = parseSearchText(text);
  return q.match !== undefined || q.exclude !== undefined;
}
