/** Sharing with people: the server's own schemas from the generated OpenAPI types, never copied. */
import type { components } from './openapi';

export type Person = components['schemas']['Person'];
/** viewer: open and download; editor: also change; manager: also share further. */
export type ShareRole = components['schemas']['Share']['role'];
/** A share as its owner (or whoever made it) sees it. */
export type Share = components['schemas']['Share'];
/** A share as its recipient sees it, in "Shared with me": the shared node comes along. */
export type IncomingShare = components['schemas']['IncomingShare'];

export const SHARE_ROLES: readonly ShareRole[] = ['viewer', 'editor', 'manager'];
