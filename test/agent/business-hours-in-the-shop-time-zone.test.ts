import { describe, expect, it } from 'vitest';
import { awayMessageText, hoursAt } from '../../lib/agent/business-hours.js';
import { agentSettingsSchema, defaultAgentSettings, readStoredSettings, type BusinessHours } from '../../lib/agent/settings.js';

const at = (iso: string) => Date.parse(iso);
const madrid = (over: Partial<BusinessHours> = {}): BusinessHours => ({
  ...defaultAgentSettings().businessHours,
  enabled: true,
  timeZone: 'Europe/Madrid',
  weekly: { mon: [{ from: '09:00', to: '13:00' }, { from: '16:00', to: '20:00' }], tue: [{ from: '09:00', to: '20:00' }], wed: [], thu: [], fri: [], sat: [], sun: [] },
  outsideHours: 'away',
  ...over,
});

describe('business hours', () => {
  it('judges instants in the shop’s time zone, with split days', () => {
    // Monday 2026-03-02: Madrid is UTC+1.
    expect(hoursAt(madrid(), at('2026-03-02T08:30:00Z'))).toEqual({ open: true, opensAt: null });
    expect(hoursAt(madrid(), at('2026-03-02T13:30:00Z'))).toEqual({ open: false, opensAt: at('2026-03-02T15:00:00Z') });
    expect(hoursAt(madrid(), at('2026-03-02T19:00:00Z'))).toEqual({ open: false, opensAt: at('2026-03-03T08:00:00Z') });
    // Tuesday evening → next Monday.
    expect(hoursAt(madrid(), at('2026-03-03T20:00:00Z')).opensAt).toBe(at('2026-03-09T08:00:00Z'));
  });

  it('follows daylight saving time and skips holidays', () => {
    // Monday 2026-03-30: Madrid is UTC+2 (DST began on the 29th).
    expect(hoursAt(madrid(), at('2026-03-30T07:30:00Z')).open).toBe(true);
    expect(hoursAt(madrid(), at('2026-03-30T06:30:00Z')).opensAt).toBe(at('2026-03-30T07:00:00Z'));
    const holiday = madrid({ holidays: ['2026-03-30'] });
    expect(hoursAt(holiday, at('2026-03-30T07:30:00Z'))).toEqual({ open: false, opensAt: at('2026-03-31T07:00:00Z') });
  });

  it('is always open when switched off, and fills the opening into the away message', () => {
    expect(hoursAt(madrid({ enabled: false }), at('2026-03-01T03:00:00Z')).open).toBe(true);
    expect(awayMessageText(madrid(), at('2026-03-09T08:00:00Z'))).toContain('(Mon 09:00)');
    expect(awayMessageText(madrid(), null)).not.toContain('{opens}');
  });

  it('validates schedules and reads older documents with defaults', () => {
    const bad = { ...defaultAgentSettings(), businessHours: madrid({ weekly: { ...madrid().weekly, mon: [{ from: '18:00', to: '09:00' }] } }) };
    expect(agentSettingsSchema.safeParse(bad).success).toBe(false);
    expect(agentSettingsSchema.safeParse({ ...defaultAgentSettings(), businessHours: madrid({ timeZone: 'Mars/Olympus' }) }).success).toBe(false);
    const closedAllWeek = madrid({ weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } });
    expect(agentSettingsSchema.safeParse({ ...defaultAgentSettings(), businessHours: closedAllWeek }).success).toBe(false);
    expect(readStoredSettings({ name: 'Lola', tone: 'nonsense' })).toMatchObject({ name: 'Lola', tone: 'friendly' });
  });
});
