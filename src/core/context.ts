import type { LinkPermission, ServicePermission, UserRole } from '../db/schema.js';

/** Where a service account may act: one space, below a folder, with some permissions. */
export interface ServiceScope {
  spaceId: string;
  /** The folder's path from the top of the space, as names; empty for the whole space. */
  prefix: string[];
  permissions: ServicePermission[];
}

/** Who is acting, as established by a door's authentication. */
export interface Actor {
  userId: string;
  username: string;
  role: UserRole;
  /** How the actor signed in: a web/API session, an app password (protocol clients) or the CLI. */
  via: 'token' | 'app-password' | 'cli' | 'link' | 'service';
  appPasswordId?: string | undefined;
  /**
   * Set for a visitor of a public link: the link is then the actor's only source of access, and
   * `userId` names the link's creator (for authorship), never a door to that user's own files.
   */
  link?: { id: string; nodeId: string; permission: LinkPermission } | undefined;
  /**
   * Set for an organisation's application signed in with an API key: its scopes are then its
   * only source of access, and `userId` is the service account's id (no person's).
   */
  service?: { accountId: string; keyId: string; orgId: string; scopes: ServiceScope[] } | undefined;
}

/** Everything the core needs to know about the request behind a call, for rules and the audit trail. */
export interface CallContext {
  actor: Actor;
  ip: string | null;
  userAgent: string | null;
  /** A business object the caller's app ties this request to (an invoice, a ticket): kept in each audit event it causes. */
  related?: { type: string; id: string } | undefined;
  /** Set when the request came through a signed URL: its nonce, kept in each audit event it causes. */
  signedUrl?: string | undefined;
  /** An organisation admin asked to change what a write-once folder protects (checked, and audited). */
  overrideWriteOnce?: boolean | undefined;
  /** The original a derived file being written was made from: a path below the originals folder, or an id. */
  derivedFrom?: string | undefined;
  /** Set by the access check when a support session's grant was used: the request is then audited. */
  supportSession?: { requestId: string; spaceId: string } | undefined;
}

/**
 * The instance's operator at the command line (`coffer org …`, `coffer space …`): whoever holds
 * the database and the blob store, so nothing is kept from them by refusing. They act in every
 * organisation with an owner's standing and on its spaces as a manager, to set them up through
 * the same rules and audit as an owner over REST; personal spaces stay their owners' alone. Only
 * the CLI makes such an actor; no HTTP door can (its actors are signed in as token, app
 * password, link or service).
 */
export function isOperator(actor: Actor): boolean {
  return actor.via === 'cli';
}

export function cliContext(actor: Actor): CallContext {
  return { actor, ip: null, userAgent: 'coffer-cli' };
}
