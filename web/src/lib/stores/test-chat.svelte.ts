import { askTestChat, describeAgentError, type TestChatAnswer } from '#lib/services/agent.ts';

export interface TestChatTurn {
  id: number;
  role: 'customer' | 'agent';
  text: string;
  /** The agent's answers carry what the live reply would have recorded: sources, check verdict, hand-off… */
  answer?: TestChatAnswer;
  error?: boolean;
}

/** The test chat's conversation: kept in the page only (nothing is stored or sent), the history sent with each question. */
export class TestChat {
  turns = $state<TestChatTurn[]>([]);
  asking = $state(false);
  #next = 1;

  async ask(text: string): Promise<boolean> {
    const message = text.trim();
    if (!message || this.asking) return false;
    const history = this.turns.filter((t) => !t.error).map((t) => ({ role: t.role, text: t.text }));
    this.turns = [...this.turns, { id: this.#next++, role: 'customer', text: message }];
    this.asking = true;
    try {
      const answer = await askTestChat(message, history.slice(-12));
      this.turns = [...this.turns, { id: this.#next++, role: 'agent', text: answer.body, answer }];
      return true;
    } catch (error) {
      this.turns = [...this.turns, { id: this.#next++, role: 'agent', text: describeAgentError(error, 'The test chat could not answer.'), error: true }];
      return false;
    } finally {
      this.asking = false;
    }
  }

  clear(): void {
    this.turns = [];
  }
}
