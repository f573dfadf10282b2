import type { LinkPermission, UserRole } from '../db/schema.js';

/** Who is acting, as established by a door's authentication. */
export interface Actor {
  userId: string;
  username: string;
  role: UserRole;
  /** How the actor signed in: a web/API session, an app password (protocol clients) or the CLI. */
  via: 'token' | 'app-password' | 'cli' | 'link';
  appPasswordId?: string | undefined;
  /**
   * Set for a visitor of a public link: the link is then the actor's only source of access, and
   * `userId` names the link's creator (for authorship), never a door to that user's own files.
   */
  link?: { id: string; nodeId: string; permission: LinkPermission } | undefined;
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
