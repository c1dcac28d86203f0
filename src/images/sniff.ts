export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';
export const IMAGE_MIMES: readonly ImageMime[] = ['image/jpeg', 'image/png', 'image/webp'];

export interface ImageInfo {
  mime: ImageMime;
  width: number | null;
  height: number | null;
}

const startsWith = (b: Buffer, bytes: number[], at = 0) => b.length >= at + bytes.length && bytes.every((x, i) => b[at + i] === x);
const ascii = (b: Buffer, at: number, text: string) => b.length >= at + text.length && b.toString('latin1', at, at + text.length) === text;

/**
 * The image type from the file's first bytes (never from its name or declared type), and its size
 * in pixels when the header gives it. Anything but JPEG, PNG or WebP is null.
 */
export function sniffImage(b: Buffer): ImageInfo | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    const ihdr = ascii(b, 12, 'IHDR') && b.length >= 24;
    return { mime: 'image/png', width: ihdr ? b.readUInt32BE(16) : null, height: ihdr ? b.readUInt32BE(20) : null };
  }
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', ...jpegSize(b) };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return { mime: 'image/webp', ...webpSize(b) };
  return null;
}

function jpegSize(b: Buffer): { width: number | null; height: number | null } {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) break;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(at + 5), width: b.readUInt16BE(at + 7) };
    }
    at += 2 + b.readUInt16BE(at + 2);
  }
  return { width: null, height: null };
}

function webpSize(b: Buffer): { width: number | null; height: number | null } {
  if (ascii(b, 12, 'VP8X') && b.length >= 30) return { width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  if (ascii(b, 12, 'VP8L') && b.length >= 25) {
    const bits = b.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  if (ascii(b, 12, 'VP8 ') && b.length >= 30) return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  return { width: null, height: null };
}
