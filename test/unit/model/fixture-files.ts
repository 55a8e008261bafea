import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MODEL_FIXTURES = fileURLToPath(new URL('../../fixtures/model/', import.meta.url));

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(MODEL_FIXTURES + name));
}

export function fixtureF32(name: string): Float32Array {
  const b = readFileSync(MODEL_FIXTURES + name);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(MODEL_FIXTURES + name, 'utf8')) as T;
}

export interface ParityCase {
  name: string;
  input: { file: string; shape: number[] };
  logits: { file: string; shape: number[] };
  embedding: { file: string; shape: number[] };
  top?: number[];
}

export interface ParityFixture {
  checkpoint: string;
  sha256: string;
  embeddingSize: number;
  cases: ParityCase[];
  synthetic: ParityCase & { width: number; seed: number };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}

