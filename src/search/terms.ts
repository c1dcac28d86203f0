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
 * Every word matches as a prefix ("lap" finds "Laptop"), except a one-letter word that is not the
 * last of several: a lone "l" would rank a third of the catalog, while "wireless m" is cheap.
 */
const prefix = (terms: readonly string[], i: number): boolean => terms[i]!.length > 1 || (i === terms.length - 1 && terms.length > 1);

/** FTS5: quoted words, all required ("wire"* "mou"*). */
export const fts5Query = (terms: readonly string[]): string => terms.map((t, i) => `"${t}"${prefix(terms, i) ? '*' : ''}`).join(' ');

/** PostgreSQL to_tsquery: quoted words, all required ('wire':* & 'mou':*). */
export const tsQuery = (terms: readonly string[]): string => terms.map((t, i) => `'${t}'${prefix(terms, i) ? ':*' : ''}`).join(' & ');
