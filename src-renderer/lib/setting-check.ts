import { Settings } from '../../src-main/contract/schema.ts';

/** How each setting is named to the person changing it, and the unit its numbers are in. */
export const SETTING_LABELS: Partial<Record<keyof Settings, { label: string; unit?: string }>> = {
  maxTakeSec: { label: 'The longest take', unit: 's' },
  windowHopSec: { label: 'The window hop', unit: 's' },
  silenceThresholdDb: { label: 'The silence threshold', unit: 'dB' },
  exportFadeMs: { label: 'The export fade', unit: 'ms' },
  exportNameTemplate: { label: 'The file name template' },
  volume: { label: 'The preview volume' },
};

/**
 * Checks one setting against the contract's own schema before it is sent, and says what is
 * wrong in a sentence a person reads beside the field (never the validator's wording).
 */
export function settingProblem<K extends keyof Settings>(key: K, value: unknown): string | null {
  const parsed = Settings.shape[key].safeParse(value);
  if (parsed.success) return null;
  const { label, unit = '' } = SETTING_LABELS[key] ?? { label: 'This setting' };
  const issue = parsed.error.issues[0];
  const amount = (n: unknown) => `${String(n)}${unit ? ` ${unit}` : ''}`;
  if (issue.code === 'too_small' && issue.origin === 'string') return `${label} cannot be empty.`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `${label} can be at most ${String(issue.maximum)} characters long.`;
  if (issue.code === 'too_small') return `${label} must be at least ${amount(issue.minimum)}.`;
  if (issue.code === 'too_big') return `${label} can be at most ${amount(issue.maximum)}.`;
  if (issue.code === 'invalid_type') return `${label} must be a number.`;
  return `${label} cannot be set to that.`;
}
