// Business hours in the shop's time zone: is it open at an instant, and when does it next open. Pure (Intl
// only), so the reply activity decides with the conversation workflow's clock (`ReplyInput.at`) and tests can
// ask about any instant. Daylight-saving changes are handled by asking Intl for the offset at each instant.
import { WEEKDAYS, type BusinessHours, type Weekday } from './settings.js';

export interface HoursDecision {
  open: boolean;
  /** When closed: the next opening (epoch ms), or null when the schedule never opens again within a year. */
  opensAt: number | null;
}

const DAY_MS = 86_400_000;
/** Far enough for any schedule with one open day a week, whatever holidays lie in between (100 at most). */
const SEARCH_DAYS = 370;

export function hoursAt(hours: BusinessHours, at: number): HoursDecision {
  if (!hours.enabled) return { open: true, opensAt: null };
  const today = localMoment(at, hours.timeZone);
  const holidays = new Set(hours.holidays);
  for (let k = 0; k < SEARCH_DAYS; k++) {
    const date = addDays(today.date, k);
    if (holidays.has(date)) continue;
    const intervals = [...hours.weekly[weekdayOf(date)]].sort((a, b) => a.from.localeCompare(b.from));
    for (const { from, to } of intervals) {
      const start = zonedEpoch(date, minutesOf(from), hours.timeZone);
      const end = zonedEpoch(date, minutesOf(to), hours.timeZone);
      if (start <= at && at < end) return { open: true, opensAt: null };
      if (start > at) return { open: false, opensAt: start };
    }
  }
  return { open: false, opensAt: null };
}

/** "Mon 09:00" in the shop's zone: what `{opens}` in the away message becomes. */
export function formatOpening(at: number, timeZone: string): string {
  const m = localMoment(at, timeZone);
  const name = m.weekday.charAt(0).toUpperCase() + m.weekday.slice(1);
  return `${name} ${String(Math.floor(m.minute / 60)).padStart(2, '0')}:${String(m.minute % 60).padStart(2, '0')}`;
}

/**
 * The shop opens after WhatsApp's 24-hour window closes (`windowClosesAt`: the customer's last message plus
 * 24 h; absent on SMS, which has no window): the answer held for the opening could not go out then.
 */
export function opensAfterWindow(opensAt: number | null, windowClosesAt: number | undefined): boolean {
  return opensAt !== null && windowClosesAt !== undefined && opensAt >= windowClosesAt;
}

// The away message when the opening is beyond the window: it promises no answer at opening (none could be
// sent), only that a person sees the message, and asks the customer to write again (which reopens the window).
const AWAY_BEYOND_WINDOW: Record<string, (shop: string, opens: string) => string> = {
  en: (shop, opens) => `Thanks for your message! We're closed until ${opens}. Someone from ${shop} will see it when we open; if you still need help then, please write to us again here.`,
  es: (shop, opens) => `¡Gracias por tu mensaje! Estamos cerrados hasta ${opens}. Alguien de ${shop} lo verá cuando abramos; si todavía necesitas ayuda, vuelve a escribirnos por aquí.`,
  pt: (shop, opens) => `Obrigado pela sua mensagem! Estamos fechados até ${opens}. Alguém da ${shop} vai vê-la quando abrirmos; se ainda precisar de ajuda, escreva-nos de novo por aqui.`,
  de: (shop, opens) => `Danke für Ihre Nachricht! Wir haben bis ${opens} geschlossen. Jemand von ${shop} sieht sie, sobald wir öffnen; wenn Sie dann noch Hilfe brauchen, schreiben Sie uns hier bitte noch einmal.`,
  fr: (shop, opens) => `Merci pour votre message ! Nous sommes fermés jusqu'à ${opens}. Quelqu'un de ${shop} le verra à l'ouverture ; si vous avez encore besoin d'aide, écrivez-nous à nouveau ici.`,
  it: (shop, opens) => `Grazie per il messaggio! Siamo chiusi fino a ${opens}. Qualcuno di ${shop} lo vedrà all'apertura; se hai ancora bisogno di aiuto, scrivici di nuovo qui.`,
};

/**
 * The away message as sent: `{opens}` filled in (or dropped with its brackets when there is no next opening).
 * When the opening is beyond WhatsApp's window (`beyondWindow`), the merchant's text — which may promise an
 * answer at opening — gives way to one that promises nothing the shop cannot send, in the shop's first
 * language (`language`, English when it has none of these).
 */
export function awayMessageText(hours: BusinessHours, opensAt: number | null, beyondWindow?: { shop: string; language: string | undefined }): string {
  if (beyondWindow && opensAt !== null) {
    return (AWAY_BEYOND_WINDOW[beyondWindow.language ?? 'en'] ?? AWAY_BEYOND_WINDOW.en!)(beyondWindow.shop, formatOpening(opensAt, hours.timeZone));
  }
  const text = hours.awayMessage.trim() || "Thanks for your message! We're closed right now; we'll answer as soon as we open.";
  if (opensAt === null) return text.replace(/\s*\(\{opens\}\)|\s*\{opens\}/g, '');
  return text.replaceAll('{opens}', formatOpening(opensAt, hours.timeZone));
}

interface LocalMoment {
  /** YYYY-MM-DD in the zone. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function partsAt(at: number, timeZone: string) {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return { year: out.year!, month: out.month!, day: out.day!, hour: out.hour! % 24, minute: out.minute!, second: out.second! };
}

export function localMoment(at: number, timeZone: string): LocalMoment {
  const p = partsAt(at, timeZone);
  const date = `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  return { date, weekday: weekdayOf(date), minute: p.hour * 60 + p.minute };
}

/** Local wall time minus UTC at an instant, in ms. */
function offsetAt(at: number, timeZone: string): number {
  const p = partsAt(at, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}

/** The instant a local date and minute of day happen in the zone (a time skipped by DST moves forward). */
export function zonedEpoch(date: string, minute: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minute);
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

function weekdayOf(date: string): Weekday {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  // getUTCDay: 0 = Sunday.
  return WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7]!;
}

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}
