/** Public links: the server's own schemas from the generated OpenAPI types, never copied. */
import type { components, paths } from './openapi';

type Schemas = components['schemas'];

/** A public link as its owner sees it. */
export type Link = Schemas['Link'];
export type LinkPermission = Link['permission'];
export type LinkState = Link['state'];

type JsonBody<T> = T extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Ok<T, S extends number> = T extends { responses: { [K in S]: { content: { 'application/json': infer B } } } } ? B : never;

export type LinkCreate = JsonBody<paths['/api/v1/links']['post']>;
/** A change to a link: only the fields given change; a null password removes the password. */
export type LinkChange = JsonBody<paths['/api/v1/links/{id}']['patch']>;

/** A file or folder as a link's visitors see it. */
export type PublicNode = Schemas['PublicNode'];
/** What GET /api/v1/s/{token} tells a visitor; `node` is null while a password is still needed. */
export type LinkInfo = Schemas['LinkInfo'];
export type PublicListing = Ok<paths['/api/v1/s/{token}/children']['get'], 200>;
/** What an upload through a link stored: the name may differ from the one sent ("a (1).txt"). */
export type PublicUploadResult = Schemas['PublicUpload'];
