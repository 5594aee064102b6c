import { createContext } from 'svelte';
import { logOut as logOutOnApi, type Me } from '#lib/services/auth.ts';

/**
 * The logged-in merchant, as the dashboard shell loaded it, shared with every page under `/app`
 * through context (read `getSession()` in a page; the shell calls `setSession`).
 */
export class Session {
  loggingOut = $state(false);
  error = $state<string | null>(null);

  readonly #read: () => Me;

  /** `read` returns the current `/api/auth/me` answer, so the session follows the layout's data. */
  constructor(read: () => Me) {
    this.#read = read;
  }

  get user(): Me['user'] {
    return this.#read().user;
  }

  get tenant(): Me['tenant'] {
    return this.#read().tenant;
  }

  get isAdmin(): boolean {
    return this.#read().user.isAdmin;
  }

  /** Platform staff: the operator pages (/ops) are theirs. */
  get isOperator(): boolean {
    const { user } = this.#read();
    return user.isOperator || user.isAdmin;
  }

  /** Ends the session on the API; true when the caller may leave the dashboard. */
  async logOut(logOut: () => Promise<void> = () => logOutOnApi()): Promise<boolean> {
    if (this.loggingOut) return false;
    this.loggingOut = true;
    this.error = null;
    try {
      await logOut();
      return true;
    } catch (error) {
      this.error = error instanceof Error ? error.message : 'Could not log out. Try again.';
      this.loggingOut = false;
      return false;
    }
  }
}

export const [getSession, setSession] = createContext<Session>();
