import type { UserRole } from '../db/schema.js';

/** Who is acting, as established by a door's authentication. */
export interface Actor {
  userId: string;
  username: string;
  role: UserRole;
  /** How the actor signed in: a web/API session, an app password (protocol clients) or the CLI. */
  via: 'token' | 'app-password' | 'cli';
  appPasswordId?: string | undefined;
}

/** Everything the core needs to know about the request behind a call, for rules and the audit trail. */
export interface CallContext {
  actor: Actor;
  ip: string | null;
  userAgent: string | null;
}

export function cliContext(actor: Actor): CallContext {
  return { actor, ip: null, userAgent: 'coffer-cli' };
}
