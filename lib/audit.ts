import type { Prisma } from '@prisma/client';

/**
 * Every action the trail records, by area: dotted verbs, so the viewer filters by prefix (`auth.`,
 * `integration.`, `catalog.`…). New code picks a name here (or adds one) instead of inventing a string.
 */
export const AUDIT_ACTIONS = {
  auth: {
    signup: 'auth.signup',
    login: 'auth.login',
    loginFailed: 'auth.login_failed',
    logout: 'auth.logout',
    emailVerified: 'auth.email_verified',
    googleLinkRefused: 'auth.google_link_refused',
  },
  whatsapp: {
    connectRequested: 'integration.connect_requested',
    retryRequested: 'integration.retry_requested',
    disconnectRequested: 'integration.disconnect_requested',
    connected: 'integration.connected',
    failed: 'integration.failed',
    disconnected: 'integration.disconnected',
    testMessage: 'integration.test_message',
  },
  catalog: { upload: 'catalog.upload' },
  conversation: {
    takeover: 'conversation.takeover',
    resume: 'conversation.resume',
    manualReply: 'conversation.manual_reply',
    optedOut: 'conversation.opted_out',
    optedIn: 'conversation.opted_in',
  },
  /** Billing: written by the billing code through `writeBillingAudit` below. */
  billing: {
    checkoutStarted: 'billing.checkout_started',
    portalOpened: 'billing.portal_opened',
    subscriptionStarted: 'billing.subscription_started',
    subscriptionChanged: 'billing.subscription_changed',
    subscriptionCanceled: 'billing.subscription_canceled',
    paymentFailed: 'billing.payment_failed',
    paymentSucceeded: 'billing.payment_succeeded',
    trialExpired: 'billing.trial_expired',
    usageLimitReached: 'billing.usage_limit_reached',
    /** AI replies paused (`details.reason`: payment_required after the grace period, subscription_ended). */
    repliesPaused: 'billing.replies_paused',
    /** AI replies resumed (`details.reason`: what had paused them: payment_required, reply_limit). */
    repliesResumed: 'billing.replies_resumed',
  },
  /** Broadcasts (mission §4): written by api/plugins/broadcasts.ts and, for sending, by the broadcast workflow's activities. */
  broadcast: {
    created: 'broadcast.created',
    /** Sending began (now, or when a scheduled broadcast's time came): written by its workflow. */
    started: 'broadcast.started',
    paused: 'broadcast.paused',
    resumed: 'broadcast.resumed',
    /** Every recipient was handled (sent, failed or skipped): written by its workflow. */
    sent: 'broadcast.sent',
    canceled: 'broadcast.canceled',
    failed: 'broadcast.failed',
  },
  /** SMS numbers (issue 16) and customers' consent and tags; under the same areas as WhatsApp and conversations. */
  sms: {
    numberRequested: 'integration.sms_number_requested',
    numberBought: 'integration.sms_number_bought',
    numberFailed: 'integration.sms_number_failed',
    releaseRequested: 'integration.sms_number_release_requested',
    numberReleased: 'integration.sms_number_released',
  },
  customers: {
    optInsRecorded: 'conversation.opt_ins_recorded',
    updated: 'conversation.customer_updated',
    optedOutByCarrier: 'conversation.opted_out_by_carrier',
  },
  /** Platform staff, from /ops or the command line. Viewing or exporting the trail is itself recorded. */
  ops: {
    auditViewed: 'ops.audit_viewed',
    auditExported: 'ops.audit_exported',
    /** One entry's details opened (recorded under that entry's tenant, each time). */
    auditEntryOpened: 'ops.audit_entry_opened',
    credentialsTested: 'ops.credentials_tested',
    alertTested: 'ops.alert_tested',
    operatorAdded: 'ops.operator_added',
    operatorRemoved: 'ops.operator_removed',
    healthCheckStarted: 'ops.health_check_started',
    analyticsRebuilt: 'ops.analytics_rebuilt',
  },
  /** A merchant exporting their own shop's trail. */
  audit: { exported: 'audit.exported' },
} as const;

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type KnownAuditAction = Leaves<typeof AUDIT_ACTIONS>;

/** A known action, or a new dotted verb (prefer adding it to AUDIT_ACTIONS). */
export type AuditAction = KnownAuditAction | (string & {});

/** The areas the viewer offers as filters, in display order. */
export const AUDIT_AREAS = ['auth.', 'integration.', 'catalog.', 'conversation.', 'billing.', 'broadcast.', 'ops.', 'audit.'] as const;

export type AuditActorType = 'user' | 'operator' | 'system' | 'workflow' | 'webhook';

export interface AuditEntry {
  tenantId: string | null;
  actorUserId?: string | null;
  actorType: AuditActorType;
  /** The workflow that acted: set it whenever `actorType` is `workflow`. */
  workflowId?: string | null;
  action: AuditAction;
  targetType?: string;
  targetId?: string;
  /** Never a secret: the trail is shown to merchants and operators and exported as CSV. */
  details?: Prisma.InputJsonValue;
  ip?: string | null;
}

type AuditWriter = { auditLog: { create(args: { data: Prisma.AuditLogUncheckedCreateInput }): Promise<unknown> } };

/** Writes an audit row through whichever client (or transaction) the caller is using. Rows are never changed. */
export async function writeAudit(db: AuditWriter, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      tenantId: entry.tenantId,
      actorUserId: entry.actorUserId ?? null,
      actorType: entry.actorType,
      workflowId: entry.workflowId ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ...(entry.details === undefined ? {} : { details: entry.details }),
      ip: entry.ip ?? null,
    },
  });
}

export type BillingAuditAction = (typeof AUDIT_ACTIONS.billing)[keyof typeof AUDIT_ACTIONS.billing];

/** Who changed billing: a merchant in the dashboard, a workflow, or Stripe (a webhook, named by its event). */
export type BillingActor =
  | { userId: string; ip?: string | null }
  | { workflowId: string }
  | { stripeEventId: string };

/**
 * A billing change in the trail, for the billing code (routes, activities, the Stripe webhook): one call
 * with the tenant, the action, who did it and what changed (plan codes, Stripe ids, amounts; no card data).
 */
export function writeBillingAudit(
  db: AuditWriter,
  change: { tenantId: string; action: BillingAuditAction; actor: BillingActor; subscriptionId?: string; details?: Prisma.InputJsonObject },
): Promise<void> {
  const { actor } = change;
  const who: Pick<AuditEntry, 'actorType' | 'actorUserId' | 'workflowId' | 'ip'> =
    'userId' in actor
      ? { actorType: 'user', actorUserId: actor.userId, ip: actor.ip ?? null }
      : 'workflowId' in actor
        ? { actorType: 'workflow', workflowId: actor.workflowId }
        : { actorType: 'webhook' };
  const details = 'stripeEventId' in actor ? { ...change.details, stripeEventId: actor.stripeEventId } : change.details;
  return writeAudit(db, {
    tenantId: change.tenantId,
    ...who,
    action: change.action,
    ...(change.subscriptionId ? { targetType: 'subscription', targetId: change.subscriptionId } : {}),
    ...(details === undefined ? {} : { details }),
  });
}
