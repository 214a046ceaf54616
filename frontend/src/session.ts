// The signed-in session: the bearer token and the user, kept in sessionStorage
// (so a reload keeps you signed in, a new tab or a closed browser does not).
export interface User {
  id: string;
  login: string;
  role: string;
  tenant_id: string | null;
  [key: string]: unknown;
}

export interface Session {
  token: string;
  user: User;
}

export type EndReason = 'logout' | 'expired';

export const TOKEN_KEY = 'pbxflow.token';
export const USER_KEY = 'pbxflow.user';

type Listener = () => void;

/** A small external store (for useSyncExternalStore) over a Storage. */
export class SessionStore {
  private current: Session | null;
  private listeners = new Set<Listener>();
  /** Why the last session ended; the login page tells the user when it expired. */
  endReason: EndReason | null = null;

  constructor(private readonly storage: Storage | null) {
    this.current = this.load();
  }

  private load(): Session | null {
    try {
      const token = this.storage?.getItem(TOKEN_KEY);
      const user = JSON.parse(this.storage?.getItem(USER_KEY) ?? 'null') as User | null;
      return token && user && typeof user === 'object' ? { token, user } : null;
    } catch {
      return null;
    }
  }

  get = (): Session | null => this.current;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(session: Session): void {
    this.current = session;
    this.endReason = null;
    try {
      this.storage?.setItem(TOKEN_KEY, session.token);
      this.storage?.setItem(USER_KEY, JSON.stringify(session.user));
    } catch {
      /* storage unavailable: the session lasts for this page only */
    }
    this.emit();
  }

  clear(reason: EndReason = 'logout'): void {
    if (this.current === null) return;
    this.current = null;
    this.endReason = reason;
    try {
      this.storage?.removeItem(TOKEN_KEY);
      this.storage?.removeItem(USER_KEY);
    } catch {
      /* nothing to remove */
    }
    this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function browserStorage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

export const session = new SessionStore(browserStorage());
