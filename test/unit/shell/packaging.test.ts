import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

/** The flat `key: value` block under a top-level key of electron-builder.yml. */
function block(yml: string, key: string): Record<string, string> {
  const lines = yml.split(/\r?\n/);
  const start = lines.indexOf(`${key}:`);
  expect(start, `${key} is set in electron-builder.yml`).toBeGreaterThanOrEqual(0);
  const out: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\w+):\s*(\S+)\s*(#.*)?$/.exec(line);
    if (!m) break;
    out[m[1]] = m[2];
  }
  return out;
}

describe('packaging', () => {
  it('flips the Electron fuses that turn the shipped app into a Node runner or a debugger', () => {
    const fuses = block(readFileSync(join(root, 'electron-builder.yml'), 'utf8'), 'electronFuses');
    expect(fuses).toEqual({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableCookieEncryption: 'true',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
    });
    // Every key is one the installed electron-builder knows: a misspelt fuse would be ignored.
    const require = createRequire(import.meta.url);
    const scheme = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as {
      properties: Record<string, { anyOf?: Array<{ $ref?: string }> }>;
      definitions: Record<string, { properties: Record<string, { type: string }> }>;
    };
    const ref = scheme.properties.electronFuses.anyOf?.find((a) => a.$ref)?.$ref?.split('/').pop();
    const known = scheme.definitions[ref!].properties;
    for (const key of Object.keys(fuses)) expect(known[key]?.type, key).toBe('boolean');
  });
});
