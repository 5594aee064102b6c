/** Maps every status word the API uses to one of a few colours and a human label. */

export type Tone = 'good' | 'warn' | 'bad' | 'busy' | 'neutral';

export type KnownStatus = 'up' | 'down' | 'degraded' | 'ok' | 'failed' | 'running';

const tones: Record<KnownStatus, { tone: Tone; label: string }> = {
  up: { tone: 'good', label: 'Up' },
  ok: { tone: 'good', label: 'Operational' },
  degraded: { tone: 'warn', label: 'Degraded' },
  down: { tone: 'bad', label: 'Down' },
  failed: { tone: 'bad', label: 'Failed' },
  running: { tone: 'busy', label: 'Running' },
};

export function toneOf(status: KnownStatus): { tone: Tone; label: string } {
  return tones[status] ?? { tone: 'neutral', label: status };
}
