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

/** State of the catalog page: the last import (followed while it runs) and the product list. */
export class CatalogPage {
  report = $state<ImportDetail | null>(null);
  products = $state<ProductPage | null>(null);
  query = $state('');
  uploading = $state(false);
  error = $state<string | null>(null);

  readonly #pollIntervalMs: number;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: { pollIntervalMs?: number } = {}) {
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
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
    if (this.report && !isFinished(this.report)) void this.#follow(this.report.id);
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
      else void this.#follow(report.id);
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
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Re-reads a running import until it finishes; the workflow moves its counters batch by batch. */
  async #follow(id: string): Promise<void> {
    while (!this.#stopped) {
      await new Promise((resolve) => (this.#timer = setTimeout(resolve, this.#pollIntervalMs)));
      if (this.#stopped) return;
      try {
        const report = await fetchImport(id);
        this.report = report;
        this.error = null;
        if (isFinished(report)) {
          await this.showPage(1);
          return;
        }
      } catch (error) {
        // Keep following: one failed read (an API restart) does not end the import.
        this.error = describe(error);
      }
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
