import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cli.ts';

describe('ScanHelper', () => {
  it('keeps a process alive while its half of a scan is in hand, and only then', async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'test/unit/search/scan-helper-alone.script.ts'], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
      });
    });
    // Before the fix the process left with exit code 13 (a top-level await never settled) and printed nothing.
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { throughHelper: number; found: number };
    expect(result.throughHelper).toBe(3);
    expect(result.found).toBe(77);
  }, 90_000);
});
