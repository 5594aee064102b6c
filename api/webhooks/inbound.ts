// A customer's message: stored once (MessageSid is unique, so Twilio's retries and duplicates are no-ops),
// then handed to the conversation's workflow. The signal is sent on every delivery, duplicates included:
// if the first delivery stored the row but died before signalling, the retry is what wakes the workflow,
// and the workflow's seen-set (plus the reply's unique intent) makes the extra signals harmless.
import type { Client } from '@temporalio/client';
import type { Prisma, PrismaClient } from '../../lib/db/client.js';
import { parseTwilioAddress } from '../../lib/conversations/addresses.js';
import { optOutIntent } from '../../lib/conversations/opt-out.js';
import { conversationWorkflowId, signalConversation, type ConversationWorkflowOptions } from '../../lib/conversations/workflow-client.js';
import { inboundMessage } from '../../lib/conversations/workflow-contract.js';
import type { WebhookTenant } from '../../lib/conversations/tenant-resolver.js';
import { HttpError } from '../errors.js';
import { mediaOf, type InboundParams } from './params.js';
import type { FormParams } from './signature.js';

export interface InboundDeps {
  prisma: PrismaClient;
  temporal: Client;
  workflow: ConversationWorkflowOptions;
}

export async function receiveInbound(
  deps: InboundDeps,
  tenant: WebhookTenant,
  params: InboundParams,
  raw: FormParams,
): Promise<{ duplicate: boolean }> {
  const from = parseTwilioAddress(params.From);
  if (!from) throw new HttpError(400, `From is not a phone number: ${params.From}`, 'invalid_request');
  const now = new Date();
  const media = mediaOf(raw, params.NumMedia);
  const key = { tenantId: tenant.tenantId, channel: from.channel, customerAddress: from.address };

  const conversation = await deps.prisma.conversation.upsert({
    where: { tenantId_channel_customerAddress: key },
    create: {
      ...key,
      accountId: tenant.accountId,
      customerName: params.ProfileName ?? null,
      workflowId: conversationWorkflowId(key),
      lastInboundAt: now,
      lastMessageAt: now,
    },
    update: {
      accountId: tenant.accountId,
      lastInboundAt: now,
      lastMessageAt: now,
      ...(params.ProfileName ? { customerName: params.ProfileName } : {}),
    },
  });
  const { count } = await deps.prisma.message.createMany({
    data: [
      {
        tenantId: tenant.tenantId,
        conversationId: conversation.id,
        direction: 'inbound',
        providerMessageSid: params.MessageSid,
        body: params.Body,
        ...(media.length > 0 ? { media: media as Prisma.InputJsonValue } : {}),
        status: 'received',
        source: 'customer',
        createdAt: now,
        statusUpdatedAt: now,
      },
    ],
    skipDuplicates: true,
  });

  await signalConversation(deps.temporal, deps.workflow, conversation, inboundMessage, [
    { messageSid: params.MessageSid, optOut: optOutIntent(params.Body) },
  ]);
  return { duplicate: count === 0 };
}
