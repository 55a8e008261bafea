// Draws Onomato's icons from one description: resources/icon.svg, icon.png (512x512) and the
// drag-out cursor image drag.png (64x64). Run `npx tsx scripts/make-icons.ts` after changing a shape.
// The raster is rendered here (signed distances, 4x4 supersampling) so no image tool is needed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Shape =
  | { kind: 'roundRect'; x: number; y: number; w: number; h: number; r: number; fill: string }
  | { kind: 'ring'; cx: number; cy: number; r: number; width: number; fill: string }
  | { kind: 'capsule'; x1: number; y1: number; x2: number; y2: number; r: number; fill: string };

const SIZE = 64;
const BG = '#1c2633';
const LENS = '#7fb2d9';
const VOICE = '#e6b04c';

// A magnifier over a burst of voice: finding sounds by imitating them.
const bars = (cx: number, cy: number, heights: number[], pitch: number, width: number): Shape[] =>
  heights.map((h, i) => ({
    kind: 'roundRect',
    x: cx + (i - (heights.length - 1) / 2) * pitch - width / 2,
    y: cy - h / 2,
    w: width,
    h,
    r: width / 2,
    fill: VOICE,
  }));

const icon: Shape[] = [
  { kind: 'roundRect', x: 0, y: 0, w: 64, h: 64, r: 14, fill: BG },
  { kind: 'ring', cx: 27, cy: 27, r: 17, width: 4, fill: LENS },
  { kind: 'capsule', x1: 40, y1: 40, x2: 52, y2: 52, r: 3.6, fill: LENS },
  ...bars(27, 27, [5, 12, 20, 14, 8, 4], 4.2, 2.6),
];

const drag: Shape[] = [
  { kind: 'roundRect', x: 6, y: 10, w: 52, h: 44, r: 8, fill: BG },
  ...bars(32, 32, [6, 14, 26, 32, 20, 12, 18, 8, 4], 5, 3),
];

function svg(shapes: Shape[]): string {
  const body = shapes.map((s) => {
    if (s.kind === 'roundRect') return `<rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" rx="${s.r}" fill="${s.fill}"/>`;
    if (s.kind === 'ring') return `<circle cx="${s.cx}" cy="${s.cy}" r="${s.r}" fill="none" stroke="${s.fill}" stroke-width="${s.width}"/>`;
    return `<line x1="${s.x1}" y1="${s.y1}" x2="${s.x2}" y2="${s.y2}" stroke="${s.fill}" stroke-width="${s.r * 2}" stroke-linecap="round"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}" width="${SIZE}" height="${SIZE}">\n  ${body.join('\n  ')}\n</svg>\n`;
}

function distance(s: Shape, x: number, y: number): number {
  if (s.kind === 'ring') return Math.abs(Math.hypot(x - s.cx, y - s.cy) - s.r) - s.width / 2;
  if (s.kind === 'capsule') {
    const dx = s.x2 - s.x1;
    const dy = s.y2 - s.y1;
    const t = Math.max(0, Math.min(1, ((x - s.x1) * dx + (y - s.y1) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (s.x1 + t * dx), y - (s.y1 + t * dy)) - s.r;
  }
  const r = Math.min(s.r, s.w / 2, s.h / 2);
  const qx = Math.abs(x - (s.x + s.w / 2)) - (s.w / 2 - r);
  const qy = Math.abs(y - (s.y + s.h / 2)) - (s.h / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Straight-alpha RGBA pixels, shapes painted in order with 4x4 supersampled coverage. */
function raster(shapes: Shape[], pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * pixels * 4);
  const scale = SIZE / pixels;
  const colors = shapes.map((s) => rgb(s.fill));
  const n = 4;
  for (let py = 0; py < pixels; py++) {
    for (let px = 0; px < pixels; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) * scale;
          const y = (py + (sy + 0.5) / n) * scale;
          // Shapes are opaque: the topmost one covering this sample gives its colour.
          let cr = 0;
          let cg = 0;
          let cb = 0;
          let ca = 0;
          shapes.forEach((s, i) => {
            if (distance(s, x, y) > 0) return;
            const [sr, sg, sb] = colors[i];
            cr = sr;
            cg = sg;
            cb = sb;
            ca = 1;
          });
          r += cr * ca;
          g += cg * ca;
          b += cb * ca;
          a += ca;
        }
      }
      const o = (py * pixels + px) * 4;
      if (a > 0) {
        out[o] = Math.round(r / a);
        out[o + 1] = Math.round(g / a);
        out[o + 2] = Math.round(b / a);
      }
      out[o + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(rgba: Uint8Array, size: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // no filter
    rows.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

const dir = new URL('../resources/', import.meta.url);
writeFileSync(new URL('icon.svg', dir), svg(icon));
writeFileSync(new URL('icon.png', dir), png(raster(icon, 512), 512));
writeFileSync(new URL('drag.png', dir), png(raster(drag, 64), 64));
console.log('Wrote resources/icon.svg, icon.png (512x512) and drag.png (64x64).');
