import { ApiError } from '#lib/services/api.ts';
import {
  fetchImport,
  fetchLatestImport,
  fetchProducts,
  isFinished,
  uploadCatalog,
  type ImportDetail,
  type ProductPage,
} from '#lib/services/catalog.ts';
import { VisiblePoller } from './visible-poller.ts';

/** State of the catalog page: the last import (followed while it runs) and the product list. */
export class CatalogPage {
  report = $state<ImportDetail | null>(null);
  products = $state<ProductPage | null>(null);
  query = $state('');
  uploading = $state(false);
  error = $state<string | null>(null);

  /** Re-reads a running import; started when one is seen running, stopped when it finishes. */
  readonly #poller: VisiblePoller;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#poller = new VisiblePoller(() => this.#followImport(), options.pollIntervalMs ?? 1_000);
  }

  get busy(): boolean {
    return this.uploading || (this.report !== null && !isFinished(this.report));
  }

  async load(): Promise<void> {
    await this.#attempt(async () => {
      const [report, products] = await Promise.all([fetchLatestImport(), fetchProducts({ query: '', page: 1 })]);
      this.report = report;
      this.products = products;
    });
    if (this.report && !isFinished(this.report)) this.#poller.start();
  }

  async upload(file: File): Promise<void> {
    if (this.busy) return;
    this.uploading = true;
    this.error = null;
    try {
      // A fresh id per attempt; a network retry of the same request would reuse it and import once.
      const report = await uploadCatalog(file, crypto.randomUUID());
      this.report = report;
      if (isFinished(report)) await this.showPage(1);
      else this.#poller.start();
    } catch (error) {
      this.error = describe(error);
    } finally {
      this.uploading = false;
    }
  }

  async showPage(page: number): Promise<void> {
    await this.#attempt(async () => {
      this.products = await fetchProducts({ query: this.query, page });
    });
  }

  stop(): void {
    this.#poller.dispose();
  }

  /** One poll of the running import; the workflow moves its counters batch by batch. */
  async #followImport(): Promise<void> {
    const running = this.report;
    if (!running || isFinished(running)) {
      this.#poller.stop();
      return;
    }
    try {
      const report = await fetchImport(running.id);
      this.report = report;
      this.error = null;
      if (isFinished(report)) {
        this.#poller.stop();
        await this.showPage(1);
      }
    } catch (error) {
      // Keep following: one failed read (an API restart) does not end the import.
      this.error = describe(error);
    }
  }

  async #attempt(action: () => Promise<void>): Promise<void> {
    try {
      await action();
      this.error = null;
    } catch (error) {
      this.error = describe(error);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong with the catalog.';
}
