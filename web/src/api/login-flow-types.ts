/** Nextcloud login flows (a device asking to be let in): the server's own schemas from the generated OpenAPI types. */
import type { components } from './openapi';

type Schemas = components['schemas'];

/** A device waiting for its owner's answer. */
export type LoginFlow = Schemas['LoginFlow'];
export type LoginFlowKind = LoginFlow['kind'];
/** What granting it made: the app password's id and name, and for the older flow where to hand it over. */
export type GrantedLoginFlow = Schemas['GrantedLoginFlow'];
