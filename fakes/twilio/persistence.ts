// Optional state file: what identifies and authenticates (accounts with their tokens, keys with
// their secrets, senders, services, phone numbers, opt-out blocks, templates, clock offset, config)
// survives a restart of the fake. Without it a restarted dev stack holds subaccount SIDs in its
// database that the fake has forgotten, and every call answers 401 / 20003.
//
// Messages, webhook deliveries, faults and scripted outcomes are left out on purpose: a benchmark
// can hold 100k+ of them and they only make sense within one run.
import { chmod, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { defaultConfig, type FakeTwilioState } from './state.js';
import type {
  AccountRecord,
  ContentTemplateRecord,
  FakeConfig,
  KeyRecord,
  OptOutRecord,
  PhoneNumberRecord,
  SenderRecord,
  ServiceRecord,
} from './types.js';

const FILE_VERSION = 1;

export interface StateSnapshot {
  version: typeof FILE_VERSION;
  masterAccountSid: string;
  savedAt: string;
  clockOffsetMs: number;
  config: FakeConfig;
  accounts: AccountRecord[];
  keys: KeyRecord[];
  senders: SenderRecord[];
  services: ServiceRecord[];
  phoneNumbers: PhoneNumberRecord[];
  templates: ContentTemplateRecord[];
  optOuts: OptOutRecord[];
}

// Only the fields the fake indexes by are checked; the records are the fake's own writing.
const withSid = z.looseObject({ sid: z.string(), accountSid: z.string() });
const snapshotSchema = z.object({
  version: z.literal(FILE_VERSION),
  masterAccountSid: z.string(),
  clockOffsetMs: z.number(),
  config: z.looseObject({}),
  accounts: z.array(z.looseObject({ sid: z.string(), authToken: z.string(), ownerAccountSid: z.string() })),
  keys: z.array(z.looseObject({ sid: z.string(), secret: z.string(), accountSid: z.string() })),
  senders: z.array(z.looseObject({ sid: z.string(), accountSid: z.string(), senderId: z.string(), timeline: z.array(z.unknown()) })),
  services: z.array(withSid),
  phoneNumbers: z.array(z.looseObject({ sid: z.string(), accountSid: z.string(), phoneNumber: z.string() })),
  templates: z.array(withSid),
  optOuts: z.array(z.looseObject({ number: z.string(), customer: z.string(), accountSid: z.string() })),
});

export function snapshotState(state: FakeTwilioState): StateSnapshot {
  return {
    version: FILE_VERSION,
    masterAccountSid: state.masterAccountSid,
    savedAt: new Date().toISOString(),
    clockOffsetMs: state.clock.offset(),
    config: state.config,
    accounts: [...state.accounts.values()],
    keys: [...state.keys.values()],
    senders: [...state.senders.values()],
    services: [...state.services.values()],
    phoneNumbers: [...state.phoneNumbers.values()],
    templates: [...state.templates.values()],
    optOuts: [...state.optOuts.values()],
  };
}

/** Replace the state's persistent parts with a validated snapshot. The master token stays the configured one. */
function restoreState(state: FakeTwilioState, snap: z.infer<typeof snapshotSchema>): void {
  const masterToken = state.accounts.get(state.masterAccountSid)?.authToken ?? '';
  const byId = <T extends { sid: string }>(list: unknown[]) => new Map((list as T[]).map((r) => [r.sid, r]));
  state.accounts = byId<AccountRecord>(snap.accounts);
  const master = state.accounts.get(state.masterAccountSid);
  if (master) master.authToken = masterToken;
  state.keys = byId<KeyRecord>(snap.keys);
  state.senders = byId<SenderRecord>(snap.senders);
  // Files written before a field existed get its empty value.
  state.services = byId<ServiceRecord>(snap.services.map((s) => ({ channelSenders: [], phoneNumbers: [], ...s })));
  state.phoneNumbers = byId<PhoneNumberRecord>(snap.phoneNumbers);
  state.templates = byId<ContentTemplateRecord>(snap.templates);
  state.optOuts = new Map((snap.optOuts as unknown as OptOutRecord[]).map((o) => [`${o.number}|${o.customer}`, o]));
  state.clock.setOffset(snap.clockOffsetMs);
  state.config = { ...defaultConfig(state.config.senderOnlineAfterMs), ...state.config, ...(snap.config as Partial<FakeConfig>) };
}

/**
 * Load `file` into the state if it exists. A file that cannot be read or parsed, or that belongs to
 * another master account, is logged and moved aside (`.corrupt-<time>`): the fake then starts empty.
 */
export async function loadStateFile(state: FakeTwilioState, file: string, log: (line: string) => void): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    log(`state file ${file} is unreadable (${(err as Error).message}); starting empty`);
    return false;
  }
  let problem: string;
  try {
    const parsed = snapshotSchema.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.masterAccountSid === state.masterAccountSid) {
      restoreState(state, parsed.data);
      return true;
    }
    problem = parsed.success
      ? `belongs to master account ${parsed.data.masterAccountSid}, not ${state.masterAccountSid}`
      : `does not match the expected shape (${parsed.error.issues[0]?.path.join('.') ?? '?'})`;
  } catch (err) {
    problem = `is not valid JSON (${(err as Error).message})`;
  }
  const aside = `${file}.corrupt-${Date.now()}`;
  await rename(file, aside).catch(() => undefined);
  log(`state file ${file} ${problem}; moved it to ${aside} and starting empty`);
  return false;
}

/** Debounced, atomic (temp file + rename), mode 0600 writes of the snapshot; saves never overlap. */
export class StatePersister {
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly state: FakeTwilioState,
    private readonly file: string,
    private readonly log: (line: string) => void,
    private readonly debounceMs = 200,
  ) {}

  /** A change happened: save within debounceMs (a burst of changes becomes one write). */
  schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Save now (after any save under way). Failures are logged, never thrown. */
  flush(): Promise<void> {
    // Snapshot synchronously so the file reflects the state at this moment.
    const text = JSON.stringify(snapshotState(this.state), null, 2);
    this.chain = this.chain.then(() => this.write(text));
    return this.chain;
  }

  /** Cancel the pending timer and write a final snapshot. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
    await this.flush();
  }

  private async write(text: string): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      // It holds auth tokens and key secrets: owner-only, also when a stale temp file existed.
      await writeFile(tmp, text, { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, this.file);
    } catch (err) {
      this.log(`could not save state file ${this.file}: ${(err as Error).message}`);
      await unlink(tmp).catch(() => undefined);
    }
  }
}
