// The conversation → reply shape with nothing inside: signal-with-start of a long-lived parent, one reply
// per turn (a child, or inline) drafting then sending, the parent's 24-hour timer. What Temporal itself
// costs per reply.
import { ParentClosePolicy, condition, executeChild, defineSignal, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

type FloorActivities = { draft(sid: string): Promise<string>; send(id: string): Promise<void> };
export const turn = defineSignal<[string]>('turn');
const local = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });
const recorded = proxyActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });

/**
 * `child`: a reply child per turn; `inline`: the reply's steps in the parent (the product's default).
 * `draft`: `local` as the reply first was; `recorded` as it is now (workflows/reply.ts, patch
 * 'draft-recorded': the draft is a scheduled activity, the send a local one).
 */
export async function floorConversation(shape: 'child' | 'inline', draft: 'local' | 'recorded' = 'local'): Promise<void> {
  const pending: string[] = [];
  setHandler(turn, (sid) => void pending.push(sid));
  for (;;) {
    await condition(() => pending.length > 0, '24 hours');
    for (const sid of pending.splice(0)) {
      if (shape === 'inline') await floorReply(sid, draft);
      else await executeChild(floorReply, { workflowId: `floor-reply:${sid}`, args: [sid, draft], parentClosePolicy: ParentClosePolicy.ABANDON });
    }
  }
}

export async function floorReply(sid: string, draft: 'local' | 'recorded' = 'local'): Promise<void> {
  await local.send(await (draft === 'recorded' ? recorded : local).draft(sid));
}
