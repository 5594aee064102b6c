// The recorded workflow histories in test/replay/histories/: one JSON file per workflow type and scenario,
// `<workflowType>-<scenario>.json`, in the format the Temporal CLI and Web UI export (`{"events": [...]}`),
// so a history downloaded from production can be dropped in beside them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils.js';

export const HISTORIES_DIR = join(import.meta.dirname, 'histories');

export interface RecordedHistory {
  file: string;
  workflowType: string;
  history: History;
}

/** The workflow type a history ran, from its first event (histories carry no workflow id). */
export function workflowTypeOf(history: History): string {
  const name = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  if (!name) throw new Error('not a workflow history: its first event is not WorkflowExecutionStarted');
  return name;
}

export function loadRecordedHistories(dir = HISTORIES_DIR): RecordedHistory[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    files = [];
  }
  return files.map((file) => {
    try {
      const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      return { file, workflowType: workflowTypeOf(history), history };
    } catch (err) {
      throw new Error(`${file}: cannot be read as a workflow history: ${(err as Error).message}`, { cause: err });
    }
  });
}

/**
 * The file's text: the SDK's own JSON (what `historyFromJSON` reads back), one event per line so a
 * re-recording diffs event by event. Two things are trimmed because they describe the recording machine,
 * not the workflow, and replay reads neither: worker/client identities (`pid@hostname`) and the stack
 * frames of failures (absolute paths and line numbers of the stand-ins; the message line stays).
 */
export function historyFileText(history: History): string {
  const { events } = JSON.parse(historyToJSON(history)) as { events: Array<Record<string, unknown>> };
  const scrub = (key: string, value: unknown) => {
    if (typeof value !== 'string') return value;
    if (key === 'identity') return 'recorder';
    if (key === 'stackTrace') return value.split('\n')[0];
    return value;
  };
  const scrubbed = events.map((event) => JSON.stringify(event, scrub));
  return `{"events": [\n${scrubbed.join(',\n')}\n]}\n`;
}
