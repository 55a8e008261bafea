/**
 * Whether a job's owner process still runs, so a start-up or a new scan marks interrupted only
 * the jobs whose process died. An unknown owner (a record from before owners) counts as gone.
 */
export function processAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
