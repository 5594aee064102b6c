// Agent settings versions: the reply path reads the newest one (plain `pg`, with what else a reply needs of
// the conversation in the same round trip); the API saves a new version, never rewriting an old one.
import type { PrismaClient } from '../db/client.js';
import { isUniqueViolation, sqlPool } from '../db/sql.js';
import { readStoredSettings, type AgentProfile, type AgentSettings } from './settings.js';

export interface ReplyAgentState {
  agent: AgentProfile;
  /** The conversation's previous AI reply (other than this turn's) was a fallback: a second one in a row hands off. */
  previousFallback: boolean;
}

/**
 * The newest settings version (`v`) and the conversation's previous AI reply other than this turn's (`f`), as
 * two lateral joins on the given parameters; each returns at most one row. loadReplyAgentState reads them
 * alone, the reply's draft with everything else it reads (reply-store.ts `loadDraftInputs`).
 */
export function replyAgentJoins(params: { tenantId: string; conversationId: string; replyToMessageSid: string }): string {
  return `LEFT JOIN LATERAL (
             SELECT version, settings FROM agent_settings_versions WHERE tenant_id = ${params.tenantId} ORDER BY version DESC LIMIT 1
           ) v ON true
           LEFT JOIN LATERAL (
             SELECT fallback FROM messages
             WHERE conversation_id = ${params.conversationId} AND tenant_id = ${params.tenantId} AND direction = 'outbound' AND source = 'ai'
               AND status <> 'not_sent' AND reply_to_message_sid IS DISTINCT FROM ${params.replyToMessageSid}
             ORDER BY created_at DESC, id DESC LIMIT 1
           ) f ON true`;
}

/** The columns replyAgentJoins adds, as toReplyAgentState reads them. */
export const REPLY_AGENT_COLUMNS = `v.version AS "agentVersion", v.settings AS "agentSettings", f.fallback AS "previousFallback"`;

export interface ReplyAgentRow {
  agentVersion: number | null;
  agentSettings: unknown;
  previousFallback: boolean | null;
}

export function toReplyAgentState(row: ReplyAgentRow): ReplyAgentState {
  return { agent: { version: row.agentVersion, settings: readStoredSettings(row.agentSettings) }, previousFallback: row.previousFallback === true };
}

/** The newest settings version and whether the last AI reply fell back, in one statement. */
export async function loadReplyAgentState(
  prisma: PrismaClient,
  input: { tenantId: string; conversationId: string; replyToMessageSid: string },
): Promise<ReplyAgentState> {
  const { rows } = await sqlPool(prisma).query<ReplyAgentRow>({
    name: 'agent.reply-state',
    // The one-row FROM keeps a row when neither exists.
    text: `SELECT ${REPLY_AGENT_COLUMNS}
           FROM (VALUES (1)) AS one(x)
           ${replyAgentJoins({ tenantId: '$1', conversationId: '$2', replyToMessageSid: '$3' })}`,
    values: [input.tenantId, input.conversationId, input.replyToMessageSid],
  });
  return toReplyAgentState(rows[0]!);
}

/** The newest settings of a tenant (the dashboard and the test chat). */
export async function loadAgentProfile(prisma: PrismaClient, tenantId: string): Promise<AgentProfile & { savedAt: Date | null }> {
  const row = await prisma.agentSettingsVersion.findFirst({ where: { tenantId }, orderBy: { version: 'desc' } });
  return row ? { version: row.version, settings: readStoredSettings(row.settings), savedAt: row.createdAt } : { version: null, settings: readStoredSettings(null), savedAt: null };
}

export class StaleSettingsError extends Error {
  constructor(readonly current: number | null) {
    super('The agent settings were changed elsewhere since this page loaded.');
    this.name = 'StaleSettingsError';
  }
}

/**
 * Saves `settings` as version n+1 when the newest version is still `baseVersion` (null: none saved yet).
 * Two saves from the same base race on the unique (tenant, version): the second gets StaleSettingsError.
 */
export async function saveAgentSettings(
  prisma: PrismaClient,
  input: { tenantId: string; baseVersion: number | null; settings: AgentSettings; userId: string | null },
): Promise<{ version: number; savedAt: Date }> {
  const newest = await prisma.agentSettingsVersion.findFirst({ where: { tenantId: input.tenantId }, orderBy: { version: 'desc' }, select: { version: true } });
  const current = newest?.version ?? null;
  if (current !== input.baseVersion) throw new StaleSettingsError(current);
  try {
    const row = await prisma.agentSettingsVersion.create({
      data: { tenantId: input.tenantId, version: (current ?? 0) + 1, settings: input.settings, createdByUserId: input.userId },
    });
    return { version: row.version, savedAt: row.createdAt };
  } catch (err) {
    if (isUniqueViolation(err)) throw new StaleSettingsError(current);
    throw err;
  }
}

/** The newest versions, for the page's history list. */
export async function listAgentVersions(prisma: PrismaClient, tenantId: string, limit = 10) {
  const rows = await prisma.agentSettingsVersion.findMany({
    where: { tenantId },
    orderBy: { version: 'desc' },
    take: limit,
    select: { version: true, createdAt: true, createdByUserId: true },
  });
  return rows.map((r) => ({ version: r.version, savedAt: r.createdAt.toISOString(), byUserId: r.createdByUserId }));
}
