import { foldAccents } from './fold.js';

/**
 * Turns what a shopper typed into plain words, and those words into a query each engine parses
 * safely. Only letters and digits survive, so quotes, operators (AND, OR, NOT, NEAR, `*`, `-`,
 * `:`, `^`), parentheses, emoji and control characters can never reach the query parser as syntax.
 */
export const MAX_TERMS = 8;
export const MAX_TERM_LENGTH = 40;
const MAX_INPUT = 1000;

export function searchTerms(q: string): string[] {
  const words = foldAccents(q.slice(0, MAX_INPUT).normalize('NFC').toLowerCase()).match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms: string[] = [];
  for (const w of words) {
    // Cut by code point, never inside a surrogate pair.
    const term = w.length > MAX_TERM_LENGTH ? Array.from(w).slice(0, MAX_TERM_LENGTH).join('') : w;
    if (!terms.includes(term)) terms.push(term);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

/**
 * Name and category match every word as a prefix ("lap" finds "Laptop"), except a one-letter word
 * that is not the last of several: a lone "l" would rank a third of the catalog, "wireless m" is cheap.
 */
const prefix = (terms: readonly string[], i: number): boolean => terms[i]!.length > 1 || (i === terms.length - 1 && terms.length > 1);

/**
 * Descriptions match whole words only, and never these: a prefix or a filler word found in
 * thousands of descriptions ("for", "com…") would rank most of the catalog for a word the shopper
 * is still typing, while the product they mean is found by its name.
 */
const DESCRIPTION_STOPWORDS = new Set(
  'a an and any are as at be by for from has in into is it its of on or our that the this to with you your'.split(' '),
);
const inDescription = (term: string) => !DESCRIPTION_STOPWORDS.has(term);

/** FTS5: per word `({name category}: "wire"* OR description: "wire")`, all words required. */
export const fts5Query = (terms: readonly string[]): string =>
  terms
    .map((t, i) => {
      const named = `{name category}: "${t}"${prefix(terms, i) ? '*' : ''}`;
      return inDescription(t) ? `(${named} OR description: "${t}")` : `(${named})`;
    })
    .join(' AND ');

/** PostgreSQL to_tsquery, the same over the vector's weights (A name, B category, C description). */
export const tsQuery = (terms: readonly string[]): string =>
  terms
    .map((t, i) => {
      const named = `'${t}':${prefix(terms, i) ? '*' : ''}AB`;
      return inDescription(t) ? `(${named} | '${t}':C)` : named;
    })
    .join(' & ');
