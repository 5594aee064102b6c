// The conversation → reply shape with nothing inside: signal-with-start of a long-lived parent, one child
// per turn running two local activities, the parent's 24-hour timer. What Temporal itself costs per reply.
import { ParentClosePolicy, condition, executeChild, defineSignal, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export const turn = defineSignal<[string]>('turn');
const local = proxyLocalActivities<{ draft(sid: string): Promise<string>; send(id: string): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

/** `child`: the production shape (a reply child per turn); `inline`: the reply's local activities in the parent. */
export async function floorConversation(shape: 'child' | 'inline'): Promise<void> {
  const pending: string[] = [];
  setHandler(turn, (sid) => void pending.push(sid));
  for (;;) {
    await condition(() => pending.length > 0, '24 hours');
    for (const sid of pending.splice(0)) {
      if (shape === 'inline') await floorReply(sid);
      else await executeChild(floorReply, { workflowId: `floor-reply:${sid}`, args: [sid], parentClosePolicy: ParentClosePolicy.ABANDON });
    }
  }
}

export async function floorReply(sid: string): Promise<void> {
  await local.send(await local.draft(sid));
}
