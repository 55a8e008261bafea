import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|mjs|js|svelte)$/.test(e.name) ? [full] : [];
  });
}

/** Every module specifier a file imports, statically or dynamically. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    found.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return found;
}

describe('the folder tree is the architecture', () => {
  const plainNode = ['src-main/engine', 'src-main/contract', 'src-main/web', 'src-main/cli'];

  it.each(plainNode)('%s never imports electron or the shell', (folder) => {
    const offenders = sourceFiles(join(root, folder)).flatMap((f) =>
      importsOf(f)
        .filter((s) => s === 'electron' || s.startsWith('electron/') || /(^|\/)shell\//.test(s))
        .map((s) => `${relative(root, f)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the renderer reaches main only through the contract types', () => {
    const offenders = sourceFiles(join(root, 'src-renderer')).flatMap((f) =>
      importsOf(f)
        .filter((s) => s.startsWith('node:') || s === 'electron' || /src-main\/(?!contract\/)/.test(s))
        .map((s) => `${relative(root, f)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the import scanner itself sees an electron import (guards against a silent pass)', () => {
    const shellMain = join(root, 'src-main/shell/main.ts');
    expect(importsOf(shellMain)).toContain('electron');
  });
});
