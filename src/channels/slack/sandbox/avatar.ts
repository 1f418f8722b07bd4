/**
 * Profile pictures for sandbox users, drawn as PNGs (initials on the user's colour) so the
 * image_* URLs in users.info point at something real without any external resource.
 */
import { crc32, deflateSync } from 'node:zlib';

// 5×7 bitmap glyphs, one string of 7 rows × 5 columns per character.
const GLYPHS: Record<string, string> = {
  A: '01110100011000111111100011000110001',
  B: '11110100011000111110100011000111110',
  C: '01110100011000010000100001000101110',
  D: '11100100101000110001100011001011100',
  E: '11111100001000011110100001000011111',
  F: '11111100001000011110100001000010000',
  G: '01110100011000010111100011000101111',
  H: '10001100011000111111100011000110001',
  I: '01110001000010000100001000010001110',
  J: '00111000100001000010000101001001100',
  K: '10001100101010011000101001001010001',
  L: '10000100001000010000100001000011111',
  M: '10001110111010110101100011000110001',
  N: '10001100011100110101100111000110001',
  O: '01110100011000110001100011000101110',
  P: '11110100011000111110100001000010000',
  Q: '01110100011000110001101011001001101',
  R: '11110100011000111110101001001010001',
  S: '01111100001000001110000010000111110',
  T: '11111001000010000100001000010000100',
  U: '10001100011000110001100011000101110',
  V: '10001100011000110001100010101000100',
  W: '10001100011000110101101011010101010',
  X: '10001100010101000100010101000110001',
  Y: '10001100010101000100001000010000100',
  Z: '11111000010001000100010001000011111',
  '0': '01110100011001110101110011000101110',
  '1': '00100011000010000100001000010001110',
  '2': '01110100010000100010001000100011111',
  '3': '11111000100010000010000011000101110',
  '4': '00010001100101010010111110001000010',
  '5': '11111100001111000001000011000101110',
  '6': '00110010001000011110100011000101110',
  '7': '11111000010001000100010000100001000',
  '8': '01110100011000101110100011000101110',
  '9': '01110100011000101111000010001001100',
};

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([len, typed, crc]);
}

function parseColor(hex: string): [number, number, number] {
  const clean = /^[0-9a-f]{6}$/i.test(hex) ? hex : '808080';
  return [0, 2, 4].map((i) => parseInt(clean.slice(i, i + 2), 16)) as [number, number, number];
}

export function initialsOf(name: string): string {
  const words = name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  const [first, second] = words;
  const letters = first && second ? first.charAt(0) + second.charAt(0) : (first ?? '?').slice(0, 2);
  return [...letters].filter((c) => GLYPHS[c]).join('') || '?';
}

/** A square PNG (RGB) of `size` px: background colour with white initials. */
export function avatarPng(initials: string, colorHex: string, size: number): Buffer {
  const [r, g, b] = parseColor(colorHex);
  const text = [...initials].filter((c) => GLYPHS[c]).slice(0, 2);
  const cols = text.length * 6 - 1;
  // Scale the glyphs so the initials take about half the width.
  const scale = Math.max(1, Math.floor((size * 0.5) / Math.max(cols, 1)));
  const textW = cols * scale;
  const textH = 7 * scale;
  const x0 = Math.floor((size - textW) / 2);
  const y0 = Math.floor((size - textH) / 2);
  const row = size * 3 + 1;
  const raw = Buffer.alloc(row * size);
  for (let y = 0; y < size; y++) {
    raw[y * row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      let on = false;
      const tx = x - x0;
      const ty = y - y0;
      if (tx >= 0 && ty >= 0 && tx < textW && ty < textH) {
        const gx = Math.floor(tx / scale);
        const gy = Math.floor(ty / scale);
        const ch = text[Math.floor(gx / 6)];
        const cx = gx % 6;
        on = !!ch && cx < 5 && GLYPHS[ch]?.[gy * 5 + cx] === '1';
      }
      const o = y * row + 1 + x * 3;
      raw[o] = on ? 255 : r;
      raw[o + 1] = on ? 255 : g;
      raw[o + 2] = on ? 255 : b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
