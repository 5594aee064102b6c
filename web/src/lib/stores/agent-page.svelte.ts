import {
  addKnowledge,
  deleteKnowledge,
  describeAgentError,
  fetchAgentSettings,
  fetchKnowledge,
  saveAgentSettings,
  updateKnowledge,
  uploadKnowledge,
  type AgentSettings,
  type AgentSettingsResponse,
  type KnowledgeDraft,
  type KnowledgeItem,
} from '#lib/services/agent.ts';

/**
 * State of the agent page: the saved settings and the merchant's working copy (saved as a new version on
 * "Save"), and the knowledge list with its add / edit / delete / upload actions.
 */
export class AgentPage {
  saved = $state<AgentSettingsResponse | null>(null);
  /** The form's copy; compared with `saved` to know whether there is anything to save. */
  draft = $state<AgentSettings | null>(null);
  knowledge = $state<KnowledgeItem[] | null>(null);
  error = $state<string | null>(null);
  saving = $state(false);
  saveError = $state<string | null>(null);
  /** "Saved as version n", shown until the next edit. */
  savedNotice = $state<string | null>(null);
  knowledgeBusy = $state(false);
  knowledgeError = $state<string | null>(null);

  get dirty(): boolean {
    return this.saved !== null && this.draft !== null && JSON.stringify(this.saved.settings) !== JSON.stringify(this.draft);
  }

  async load(): Promise<void> {
    try {
      const [saved, knowledge] = await Promise.all([fetchAgentSettings(), fetchKnowledge()]);
      this.#adopt(saved);
      this.knowledge = knowledge;
      this.error = null;
    } catch (error) {
      this.error = describeAgentError(error, 'Could not load your agent.');
    }
  }

  /** Saves the draft as version n+1 of the settings it was based on (a 409 means someone saved meanwhile). */
  async save(): Promise<void> {
    if (!this.draft || !this.saved || this.saving) return;
    this.saving = true;
    this.saveError = null;
    try {
      const saved = await saveAgentSettings(this.saved.version, $state.snapshot(this.draft));
      this.#adopt(saved);
      this.savedNotice = `Saved as version ${saved.version}. New replies use it from now on.`;
      // The bar floats over the page: the notice leaves by itself, so on a phone it does not hide the form.
      const notice = this.savedNotice;
      setTimeout(() => {
        if (this.savedNotice === notice) this.savedNotice = null;
      }, 5_000);
    } catch (error) {
      this.saveError = describeAgentError(error, 'Could not save the settings.');
    } finally {
      this.saving = false;
    }
  }

  discard(): void {
    if (this.saved) this.draft = structuredClone($state.snapshot(this.saved.settings));
    this.saveError = null;
  }

  async addKnowledge(draft: KnowledgeDraft): Promise<boolean> {
    return this.#knowledgeAction(async () => {
      const item = await addKnowledge(draft);
      this.knowledge = [item, ...(this.knowledge ?? [])];
    }, 'Could not add it.');
  }

  async updateKnowledge(id: string, draft: KnowledgeDraft): Promise<boolean> {
    return this.#knowledgeAction(async () => {
      const item = await updateKnowledge(id, draft);
      this.knowledge = (this.knowledge ?? []).map((k) => (k.id === id ? item : k));
    }, 'Could not save it.');
  }

  async deleteKnowledge(id: string): Promise<boolean> {
    return this.#knowledgeAction(async () => {
      await deleteKnowledge(id);
      this.knowledge = (this.knowledge ?? []).filter((k) => k.id !== id);
    }, 'Could not delete it.');
  }

  async upload(file: File, options: { kind: KnowledgeDraft['kind']; topic: KnowledgeDraft['topic']; title?: string }): Promise<boolean> {
    return this.#knowledgeAction(async () => {
      const item = await uploadKnowledge(file, options);
      this.knowledge = [item, ...(this.knowledge ?? [])];
    }, 'Could not upload the file.');
  }

  #adopt(saved: AgentSettingsResponse): void {
    this.saved = saved;
    this.draft = structuredClone(saved.settings);
  }

  async #knowledgeAction(action: () => Promise<void>, fallback: string): Promise<boolean> {
    if (this.knowledgeBusy) return false;
    this.knowledgeBusy = true;
    this.knowledgeError = null;
    try {
      await action();
      return true;
    } catch (error) {
      this.knowledgeError = describeAgentError(error, fallback);
      return false;
    } finally {
      this.knowledgeBusy = false;
    }
  }
}
