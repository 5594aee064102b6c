// The merchant's agent settings: one document, validated here at every boundary (the API's body, the row read
// back), saved as an immutable version (settings-store.ts). Merchant text in it is bounded so a prompt's
// size stays predictable whatever the merchant pastes.
import { z } from 'zod';

export const AGENT_TONES = ['friendly', 'concise', 'formal', 'playful'] as const;
export type AgentTone = (typeof AGENT_TONES)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const LIMITS = {
  name: 60,
  instructions: 2000,
  greeting: 300,
  awayMessage: 500,
  handoffMessage: 500,
  keywords: 30,
  keyword: 40,
  languages: 12,
  intervalsPerDay: 3,
  holidays: 100,
} as const;

const timeOfDay = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time like 09:00');
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const interval = z
  .object({ from: timeOfDay, to: timeOfDay })
  .refine((i) => minutes(i.from) < minutes(i.to), { message: 'closing time must be after opening time' });
const day = z.array(interval).max(LIMITS.intervalsPerDay);

/** True when the runtime knows the IANA zone (Intl throws on unknown zones). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);

export const businessHoursSchema = z
  .object({
    /** Off: the shop counts as always open. */
    enabled: z.boolean(),
    timeZone: z.string().max(64).refine(isTimeZone, 'an IANA time zone such as Europe/Madrid'),
    weekly: z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, day])) as Record<Weekday, typeof day>),
    /** Whole days closed, as dates in the shop's time zone. */
    holidays: z.array(z.iso.date()).max(LIMITS.holidays),
    /** Outside the hours: keep answering, or send the away message (once per closed spell) and answer at opening. */
    outsideHours: z.enum(['answer', 'away']),
    awayMessage: text(LIMITS.awayMessage),
  })
  .refine((h) => !h.enabled || WEEKDAYS.some((d) => h.weekly[d].length > 0), {
    message: 'open at least one day, or switch business hours off',
    path: ['weekly'],
  });
export type BusinessHours = z.infer<typeof businessHoursSchema>;

export const handoffRulesSchema = z.object({
  /** The customer asks for a person ("human", "agent", "talk to someone"), in any language. */
  onRequest: z.boolean(),
  /** The agent fell back (unchecked answer, OpenAI down) twice in a row. */
  afterFallbacks: z.boolean(),
  /** Words that hand the conversation over when a customer writes them (case and accents ignored). */
  keywords: z.array(z.string().trim().min(2, 'keywords need at least 2 characters').max(LIMITS.keyword)).max(LIMITS.keywords),
  /** What the customer is told; empty: a default in their language (handoff.ts). */
  message: text(LIMITS.handoffMessage),
});
export type HandoffRules = z.infer<typeof handoffRulesSchema>;

export const agentSettingsSchema = z.object({
  name: z.string().trim().min(1, 'give the agent a name').max(LIMITS.name),
  tone: z.enum(AGENT_TONES),
  instructions: text(LIMITS.instructions),
  /** Said at the start of the answer to a customer's first message; empty: none. */
  greeting: text(LIMITS.greeting),
  /** ISO 639-1 codes the agent may answer in (the first is the fallback); empty: any language. */
  languages: z.array(z.string().regex(/^[a-z]{2}$/, 'a two-letter language code')).max(LIMITS.languages),
  businessHours: businessHoursSchema,
  handoff: handoffRulesSchema,
});
export type AgentSettings = z.infer<typeof agentSettingsSchema>;

const NINE_TO_SIX = [{ from: '09:00', to: '18:00' }];

/** What a shop has before the merchant saves anything (and what fills a field an older version lacks). */
export function defaultAgentSettings(): AgentSettings {
  return {
    name: 'Assistant',
    tone: 'friendly',
    instructions: '',
    greeting: '',
    languages: [],
    businessHours: {
      enabled: false,
      timeZone: 'UTC',
      weekly: { mon: NINE_TO_SIX, tue: NINE_TO_SIX, wed: NINE_TO_SIX, thu: NINE_TO_SIX, fri: NINE_TO_SIX, sat: [], sun: [] },
      holidays: [],
      outsideHours: 'answer',
      awayMessage: "Thanks for your message! We're closed right now; we'll answer as soon as we open ({opens}).",
    },
    handoff: { onRequest: true, afterFallbacks: true, keywords: [], message: '' },
  };
}

/**
 * A stored document read back: validated, with anything missing or no longer valid taken from the defaults,
 * so an older version (or a hand-edited row) never breaks a reply.
 */
export function readStoredSettings(stored: unknown): AgentSettings {
  const parsed = agentSettingsSchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const defaults = defaultAgentSettings();
  if (typeof stored !== 'object' || stored === null) return defaults;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(stored)) {
    const field = agentSettingsSchema.shape[key as keyof AgentSettings];
    if (field?.safeParse(value).success) merged[key] = value;
  }
  return agentSettingsSchema.parse(merged);
}

/** The agent as a reply uses it: the settings and the version they came from (null: never saved, the defaults). */
export interface AgentProfile {
  version: number | null;
  settings: AgentSettings;
}

/** The language an answer is written in: the customer's when allowed, else the merchant's first. */
export function answerLanguageFor(settings: Pick<AgentSettings, 'languages'>, customerLanguage: string): string {
  const allowed = settings.languages;
  return allowed.length === 0 || allowed.includes(customerLanguage) ? customerLanguage : allowed[0]!;
}
