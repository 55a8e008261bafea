// Numbers as a sound designer reads them: seconds with a tenth, sizes in binary units, rates per second.

export function seconds(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value < 60) return `${value.toFixed(value < 10 ? 2 : 1)} s`;
  const m = Math.floor(value / 60);
  const s = value - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

export function clock(value: number): string {
  if (!Number.isFinite(value) || value < 0) return '0:00.0';
  const m = Math.floor(value / 60);
  return `${m}:${(value - m * 60).toFixed(1).padStart(4, '0')}`;
}

export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let unit = 0;
  while (v >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit += 1;
  }
  return `${v.toFixed(unit === 0 || v >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function eta(secondsLeft: number | null): string {
  if (secondsLeft === null || !Number.isFinite(secondsLeft)) return '–';
  if (secondsLeft < 1) return '< 1 s';
  if (secondsLeft < 90) return `${Math.round(secondsLeft)} s`;
  if (secondsLeft < 5400) return `${Math.round(secondsLeft / 60)} min`;
  return `${(secondsLeft / 3600).toFixed(1)} h`;
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function metric(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(3);
}

export function date(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function time(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export const JOB_NAMES: Record<string, string> = {
  scan: 'Scanning library',
  reembed: 'Re-embedding library',
  backbone: 'Analysing the library with a new backbone',
  evaluation: 'Evaluating',
  training: 'Training',
  import: 'Importing pairs',
  download: 'Downloading dataset',
};
