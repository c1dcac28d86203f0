/**
 * Accent folding shared by the PostgreSQL search vector (migration 003, via translate()) and the
 * query words, so "cafe" finds "Café" on both backends (SQLite's FTS5 folds by itself).
 * Migration 003 is built from these strings: never change them, add a migration instead.
 */
export const ACCENTED =
  'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž';
export const PLAIN =
  'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZz';

const MAP = new Map(Array.from(ACCENTED, (ch, i) => [ch, PLAIN[i]!]));

export const foldAccents = (text: string): string => text.replace(/[\u00C0-\u017F]/g, (ch) => MAP.get(ch) ?? ch);
