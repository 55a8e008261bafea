import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach } from 'vitest';

/** A fresh folder under the system's temp folder for `fn`, removed afterwards however `fn` ends. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T, prefix = 'onomato-'): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fresh folder for a whole test file: made now, removed after the file's last test. */
export function suiteTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A fresh folder for each test of the file or describe block it is called in, removed after that
 * test; the returned function names the running test's folder (tests that must not see what an
 * earlier one wrote).
 */
export function testTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), prefix)); });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error('testTempDir: the folder exists only while a test runs');
    return dir;
  };
}
