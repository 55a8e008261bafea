import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

const engine = join(root, 'src-main/engine');

/**
 * The engine's layers, lowest first, in the manner of VS Code's code-layering rule: a folder may
 * import its own rank or lower, never higher. Same-rank folders may use each other as long as no
 * cycle forms. A new folder must be given a rank here before it can be imported.
 */
const ENGINE_RANKS: Record<string, number> = {
  // Files directly in engine/ (errors, paths, app root, workers, seeded random numbers): used by all.
  '.': 0,
  audio: 1,
  features: 1,
  model: 1,
  search: 1,
  capture: 1,
  jobs: 1,
  'model-version': 2,
  library: 3,
  evaluation: 4,
  training: 5,
  // The leave-one-family-out measure trains candidates (training/) and scores them (evaluation/).
  quality: 6,
  app: 7,
  // engine.ts composes app/ into the handler table: the top.
  'engine.ts': 8,
};

/** The layer of an engine file: its top folder, '.' for a base file, 'engine.ts' for the composer. */
function layerOf(file: string): string {
  const parts = relative(engine, file).split('/');
  if (parts.length > 1) return parts[0];
  return parts[0] === 'engine.ts' ? 'engine.ts' : '.';
}

/** Engine file -> the engine files it imports (relative specifiers only; packages and other trees are not layers). */
function engineImportGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of sourceFiles(engine)) {
    const targets = importsOf(f)
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(f), s))
      .filter((t) => t.startsWith(engine + '/'));
    graph.set(f, targets);
  }
  return graph;
}

/** Every cycle's members (strongly connected components of more than one node, or a self-loop). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const members: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      if (members.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(members.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the engine is layered', () => {
  const graph = engineImportGraph();

  it('every engine folder has a rank', () => {
    const unranked = [...new Set([...graph.keys()].map(layerOf))].filter((l) => !(l in ENGINE_RANKS));
    expect(unranked).toEqual([]);
  });

  it('no folder imports a folder of a higher rank', () => {
    const offenders: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        if (ENGINE_RANKS[layerOf(to)] > ENGINE_RANKS[layerOf(from)]) {
          offenders.push(`${relative(engine, from)} (${layerOf(from)}) imports ${relative(engine, to)} (${layerOf(to)})`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('no cycle between engine folders', () => {
    const folders = new Map<string, string[]>();
    for (const [from, targets] of graph) {
      const a = layerOf(from);
      const out = folders.get(a) ?? [];
      for (const to of targets) if (layerOf(to) !== a && !out.includes(layerOf(to))) out.push(layerOf(to));
      folders.set(a, out);
    }
    expect(cycles(folders)).toEqual([]);
  });

  it('no cycle between engine files', () => {
    expect(cycles(graph).map((c) => c.map((f) => relative(engine, f)))).toEqual([]);
  });

  it('the cycle finder finds a cycle (guards against a silent pass)', () => {
    const toy = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(toy)).toEqual([['a', 'b', 'c']]);
    expect(graph.get(join(engine, 'library/analyse.ts'))).toContain(join(engine, 'model-version/heads.ts'));
  });
});

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

  it('the contract stands alone: it never imports the engine (error kinds and the serialised error are its own)', () => {
    const offenders = sourceFiles(join(root, 'src-main/contract')).flatMap((f) =>
      importsOf(f)
        .filter((s) => s.startsWith('.') && resolve(dirname(f), s).startsWith(`${engine}/`))
        .map((s) => `${relative(root, f)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the import scanner itself sees an electron import (guards against a silent pass)', () => {
    const shellMain = join(root, 'src-main/shell/main.ts');
    expect(importsOf(shellMain)).toContain('electron');
  });
});
