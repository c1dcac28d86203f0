/** A whole number >= 0 from the environment, else the fallback (unset, empty or not such a number). */
export function envWhole(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}
