import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import { DavError } from '../../webdav/errors.js';
import { DAV_METHODS, DavHandler, errorResponse, namedPaths, optionsResponse as protocolOptions, type DavExtension, type DavResponse } from '../../webdav/handler.js';
import { basicSearchExtension } from '../../webdav/search.js';
import { filterFilesExtension } from '../../webdav/filter-files.js';
import { decodePath } from '../../webdav/paths.js';
import type { WalkedPath } from '../../repositories/node.repository.js';
import type { DeviceSession } from '../../services/auth.service.js';
import { deviceName } from '../../services/protocol-sessions.service.js';
import { basicCredentials, clientInfo, derivedFromOf } from '../plugins/auth.js';
import { CHUNKED_UPLOAD_METHODS, handleChunkedUpload, refuseOldChunking } from '../../webdav/nextcloud-chunking.js';
import { CoreDavBackend, davErrorOf } from './core-dav-backend.js';
import { CoreChunkedUploads } from './nextcloud-uploads.js';
import { NextcloudTrashbin } from './nextcloud-trashbin.js';
import { NextcloudVersions } from './nextcloud-versions.js';

/** Methods Node parses but Fastify routes only once told they exist. */
const EXTRA_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT'];

/**
 * What this door adds to RFC 4918: RFC 5323 SEARCH (names, as Nextcloud's clients search) and
 * ownCloud's REPORT oc:filter-files (favourites, as the apps list them).
 */
const EXTENSIONS: readonly DavExtension[] = [basicSearchExtension, filterFilesExtension];
const optionsResponse = () => protocolOptions(EXTENSIONS);

/** Nextcloud's clients send SEARCH to the DAV root itself, with scopes such as /files/<user>/… below it. */
const NEXTCLOUD_DAV_ROOT = /^\/remote\.php\/dav\/?(\?.*)?$/;
const CHALLENGE = 'Basic realm="Coffer WebDAV", charset="UTF-8"';

/** Registers the WebDAV methods on the root instance; call before any DAV route is added. */
export function addDavMethods(app: FastifyInstance): void {
  for (const m of EXTRA_METHODS) {
    if (!app.supportedMethods.includes(m)) app.addHttpMethod(m, { hasBody: true });
  }
}

export interface DavPluginOptions {
  core: Core;
  /** Serve the tree at the root of this listener (the dedicated DAV port) instead of under /dav. */
  atRoot?: boolean;
}

interface Mount {
  /** URL path prefix of the DAV root for this request, e.g. "/dav" or "/remote.php/dav/files/alice". */
  prefix: string;
  /** The rest of the URL below it, percent-encoded. */
  rest: string;
}

/**
 * The WebDAV door: the user's personal space at /dav/, at the Nextcloud-style paths
 * /remote.php/webdav/ and /remote.php/dav/files/{username}/, or at the root of a dedicated
 * listener. Authenticates with HTTP Basic and an app password, tracks the device's session,
 * then hands the request to the protocol module over the core.
 */
export async function davPlugin(app: FastifyInstance, opts: DavPluginOptions): Promise<void> {
  const { core } = opts;
  // Bodies are streamed to the protocol module untouched, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const methods = [...DAV_METHODS, ...EXTENSIONS.flatMap((e) => e.methods)] as HTTPMethods[];
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    let mount = mountOf(request, opts.atRoot ?? false);
    if (request.method === 'OPTIONS') return send(reply, optionsResponse());
    const nextcloudRoot = !opts.atRoot && request.method === 'SEARCH' && NEXTCLOUD_DAV_ROOT.test(request.raw.url ?? '');
    if (!opts.atRoot && mount.prefix === '' && !nextcloudRoot) {
      request.raw.resume();
      return send(reply, errorResponse(new DavError(404, 'No WebDAV folder here; use /dav/')));
    }
    const signIn = mount.prefix.startsWith('/public.php/')
      ? await visitLink(core, request, mount)
      : await authenticate(core, request, (login) =>
          namedPaths({ method: request.method, path: mount.rest, headers: request.headers }, (urlPath) => resolveOwnPath(urlPath, login, opts.atRoot ?? false)),
        );
    if ('refused' in signIn) {
      request.raw.resume();
      const challenge = 'challenge' in signIn && typeof signIn.challenge === 'string' ? signIn.challenge : CHALLENGE;
      return send(reply, errorResponse(new DavError(401, signIn.refused, undefined, { 'www-authenticate': challenge })));
    }
    const { ctx } = signIn;
    // Answered as the caller's files at /remote.php/dav/files/<user>/, where the hrefs of its results lie.
    if (nextcloudRoot) mount = { prefix: `/remote.php/dav/files/${encodeURIComponent(ctx.actor.username)}`, rest: '/' };
    const derivedFrom = derivedFromOf(undefined, request.headers['coffer-derived-from']);
    if (derivedFrom !== undefined) ctx.derivedFrom = derivedFrom;
    // Seen by the hooks every door shares (a support session's requests are audited there).
    request.callContext = ctx;
    if (mount.prefix.startsWith('/remote.php/dav/files/')) {
      const named = decodeUsername(mount.prefix.slice('/remote.php/dav/files/'.length));
      if (named.toLowerCase() !== ctx.actor.username.toLowerCase()) {
        request.raw.resume();
        return send(reply, errorResponse(new DavError(403, 'You can only reach your own files here')));
      }
    }
    try {
      if (!ctx.actor.link) await core.protocolSessions.touch(ctx, signIn.device);
    } catch (err) {
      request.raw.resume();
      if (err instanceof CofferError) {
        return send(reply, errorResponse(davErrorOf(err, err.status === 401 ? { 'www-authenticate': CHALLENGE } : {})));
      }
      throw err;
    }
    // ownCloud's old chunking would otherwise store each chunk as a file named like it.
    const oldChunking = refuseOldChunking(request);
    if (oldChunking) {
      request.raw.resume();
      return send(reply, errorResponse(oldChunking));
    }
    const at = mount;
    const handler = new DavHandler(new CoreDavBackend(core, ctx, 'walked' in signIn ? signIn.walked : []), {
      mount: at.prefix,
      resolvePath: (urlPath) =>
        ctx.actor.link
          ? resolveLinkPath(urlPath, at)
          : (resolveOwnPath(urlPath, ctx.actor.username, opts.atRoot ?? false) ??
            // A SEARCH scope at the Nextcloud root names its tree relative to it: /files/<user>/….
            (nextcloudRoot && urlPath.startsWith('/files/') ? resolveOwnPath(`/remote.php/dav${urlPath}`, ctx.actor.username, false) : null)),
      extensions: EXTENSIONS,
    });
    const response = await handler.handle({ method: request.method, path: mount.rest, headers: request.headers, body: request.raw });
    return send(reply, response);
  };

  /**
   * Nextcloud/ownCloud chunked uploads: /remote.php/dav/uploads/{username}/{transfer id}/…, the
   * caller's own only (see src/webdav/nextcloud-chunking.ts for what the clients send).
   */
  const handleUploads = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? '/';
    const m = NEXTCLOUD_UPLOADS.exec(url)!;
    const signIn = await signInToOwnTree(core, request, m[1]!, 'You can only reach your own uploads here');
    if ('refusal' in signIn) {
      request.raw.resume();
      return send(reply, errorResponse(signIn.refusal));
    }
    const { ctx } = signIn;
    const username = ctx.actor.username;
    try {
      const files = new CoreDavBackend(core, ctx, []);
      const mountPath = `/remote.php/dav/uploads/${encodeURIComponent(username)}`;
      const response = await handleChunkedUpload(
        { method: request.method, path: m[2]!, headers: request.headers, body: request.raw },
        decodePath(m[2]!),
        new CoreChunkedUploads(core, ctx, files),
        {
          mount: mountPath,
          resolveDestination: (urlPath) => resolveOwnPath(urlPath, username, false),
          filesMount: `/remote.php/dav/files/${encodeURIComponent(username)}`,
        },
      );
      return await send(reply, response);
    } catch (err) {
      request.raw.resume();
      if (err instanceof DavError) return send(reply, errorResponse(err));
      if (err instanceof CofferError) return send(reply, errorResponse(davErrorOf(err)));
      throw err;
    }
  };

  /**
   * Nextcloud's trash bin (/remote.php/dav/trashbin/{username}/…) and file versions
   * (/remote.php/dav/versions/{username}/…), the caller's own only: RFC 4918 over backends that
   * map those trees onto the core's trash and versions (nextcloud-trashbin.ts, nextcloud-versions.ts).
   */
  const handleBeside = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? '/';
    const m = NEXTCLOUD_BESIDE.exec(url)!;
    const tree = m[1] as 'trashbin' | 'versions';
    if (request.method === 'OPTIONS') return send(reply, protocolOptions());
    const signIn = await signInToOwnTree(
      core,
      request,
      m[2]!,
      tree === 'trashbin' ? 'You can only reach your own trash here' : 'You can only reach versions through your own versions folder',
    );
    if ('refusal' in signIn) {
      request.raw.resume();
      return send(reply, errorResponse(signIn.refusal));
    }
    const { ctx } = signIn;
    const username = ctx.actor.username;
    const mountPath = `/remote.php/dav/${tree}/${encodeURIComponent(username)}`;
    const mountPattern = new RegExp(`^/remote\\.php/dav/${tree}/([^/?#]+)(.*)$`);
    const handler = new DavHandler(tree === 'trashbin' ? new NextcloudTrashbin(core, ctx) : new NextcloudVersions(core, ctx), {
      mount: mountPath,
      // A Destination (restore/…) in the same tree of the caller's own.
      resolvePath: (urlPath) => {
        const d = mountPattern.exec(urlPath);
        if (!d || decodeUsername(d[1]!).toLowerCase() !== username.toLowerCase()) return null;
        return decodePath(d[2]!);
      },
    });
    const response = await handler.handle({ method: request.method, path: m[3]!, headers: request.headers, body: request.raw });
    return send(reply, response);
  };

  app.setErrorHandler(async (err, request, reply) => {
    // A core error that escaped the backend (a busy database, say) keeps its status and Retry-After.
    if (err instanceof CofferError && err.status < 500) return send(reply, errorResponse(davErrorOf(err)));
    if (err instanceof CofferError && err.extra.retryAfter !== undefined) {
      request.log.warn({ err }, 'WebDAV request refused for now');
      return send(reply, errorResponse(davErrorOf(err)));
    }
    const status = err instanceof DavError || err instanceof CofferError ? err.status : (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'WebDAV request failed');
    const message = status >= 500 ? 'The server could not complete the request' : (err as Error).message;
    return send(reply, errorResponse(new DavError(status, message)));
  });

  const route = (url: string) => app.route({ method: methods, url, exposeHeadRoute: false, handler: handle });
  if (opts.atRoot) {
    route('/');
    route('/*');
    return;
  }
  for (const tree of ['trashbin', 'versions']) {
    for (const url of [`/remote.php/dav/${tree}/:username`, `/remote.php/dav/${tree}/:username/*`]) {
      app.route({ method: DAV_METHODS as HTTPMethods[], url, exposeHeadRoute: false, handler: handleBeside });
    }
  }
  for (const url of ['/remote.php/dav/uploads/:username', '/remote.php/dav/uploads/:username/*']) {
    app.route({ method: CHUNKED_UPLOAD_METHODS as HTTPMethods[], url, exposeHeadRoute: false, handler: handleUploads });
  }
  for (const base of ['/dav', '/remote.php/webdav', '/remote.php/dav/files/:username', '/public.php/webdav', '/public.php/dav/files/:token']) {
    route(base);
    route(`${base}/*`);
  }
  // Windows and GNOME probe OPTIONS on the host root and on parent paths before mapping a folder.
  app.route({ method: 'OPTIONS', url: '/', handler: async (_req, reply) => send(reply, optionsResponse()) });
  app.route({ method: 'OPTIONS', url: '/remote.php', handler: async (_req, reply) => send(reply, optionsResponse()) });
  for (const url of ['/remote.php/', '/remote.php/dav/files', '/remote.php/dav/files/', '/public.php', '/public.php/']) {
    app.route({ method: 'OPTIONS', url, handler: async (_req, reply) => send(reply, optionsResponse()) });
  }
  // The Nextcloud DAV root: OPTIONS (advertising SEARCH) and SEARCH itself.
  for (const url of ['/remote.php/dav', '/remote.php/dav/']) app.route({ method: ['OPTIONS', 'SEARCH'] as HTTPMethods[], url, exposeHeadRoute: false, handler: handle });
}

async function send(reply: FastifyReply, res: DavResponse): Promise<FastifyReply> {
  reply.code(res.status);
  for (const [k, v] of Object.entries(res.headers)) reply.header(k, v);
  return reply.send(res.body ?? '');
}

const SIGN_IN = 'Sign in with your username and an app password';

/**
 * The caller of a Nextcloud tree named after a user (/remote.php/dav/uploads/{user}/…,
 * trashbin/{user}/…, versions/{user}/…): signed in with an app password, that user, and its
 * device session still open.
 */
async function signInToOwnTree(
  core: Core,
  request: FastifyRequest,
  encodedUsername: string,
  notYours: string,
): Promise<{ ctx: CallContext; device: DeviceSession | null } | { refusal: DavError }> {
  const signIn = await authenticate(core, request, () => []);
  if ('refused' in signIn) return { refusal: new DavError(401, signIn.refused, undefined, { 'www-authenticate': CHALLENGE }) };
  request.callContext = signIn.ctx;
  if (decodeUsername(encodedUsername).toLowerCase() !== signIn.ctx.actor.username.toLowerCase()) return { refusal: new DavError(403, notYours) };
  try {
    await core.protocolSessions.touch(signIn.ctx, signIn.device);
  } catch (err) {
    if (err instanceof CofferError) return { refusal: davErrorOf(err, err.status === 401 ? { 'www-authenticate': CHALLENGE } : {}) };
    throw err;
  }
  return signIn;
}

/**
 * The caller and its device session, from HTTP Basic with an app password (one database query,
 * made on every request: a revocation on any server applies at once), or why it was refused.
 * The same query walks the paths the request names in the caller's own tree (`paths`, given
 * the login), which the backend then looks up without a query of its own.
 */
async function authenticate(
  core: Core,
  request: FastifyRequest,
  paths: (login: string) => string[][],
): Promise<{ ctx: CallContext; device: DeviceSession | null; walked: { path: string[]; walk: WalkedPath }[] } | { refused: string }> {
  const header = request.headers.authorization ?? '';
  const m = /^basic\s+(\S+)$/i.exec(header);
  if (!m) return { refused: SIGN_IN };
  const credentials = basicCredentials(m[1]!);
  if (!credentials) return { refused: SIGN_IN };
  const client = clientInfo(request);
  const named = paths(credentials.login).flatMap((path) => {
    const names = core.tree.walkableNames(path);
    return names ? [{ path, names }] : [];
  });
  try {
    const { actor, device, walks } = await core.auth.authenticateAppPassword(
      credentials.login,
      credentials.password,
      deviceName(client.userAgent),
      named.map((n) => n.names),
    );
    return { ctx: { actor, ip: client.ip, userAgent: client.userAgent }, device, walked: named.map(({ path }, i) => ({ path, walk: walks[i]! })) };
  } catch (err) {
    if (err instanceof CofferError && err.status === 401) return { refused: err.message };
    throw err;
  }
}

const NEXTCLOUD_FILES = /^(\/remote\.php\/dav\/files\/[^/?#]+)(.*)$/;
/** The caller's uploads root and the rest below it (Nextcloud chunked uploads). */
const NEXTCLOUD_UPLOADS = /^\/remote\.php\/dav\/uploads\/([^/?#]+)([^?#]*)/;
/** Nextcloud's trash bin or versions tree: which, the username, and the rest below it. */
const NEXTCLOUD_BESIDE = /^\/remote\.php\/dav\/(trashbin|versions)\/([^/?#]+)([^?#]*)/;
/** Nextcloud's public WebDAV of a link: the token in the path (newer clients) or as the Basic username. */
const PUBLIC_FILES = /^(\/public\.php\/dav\/files\/([^/?#]+))(.*)$/;
const LINK_CHALLENGE = 'Basic realm="Coffer public link", charset="UTF-8"';

function mountOf(request: FastifyRequest, atRoot: boolean): Mount {
  const url = request.raw.url ?? '/';
  if (atRoot) return { prefix: '', rest: url };
  for (const prefix of ['/dav', '/remote.php/webdav', '/public.php/webdav']) {
    if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}?`)) return { prefix, rest: url.slice(prefix.length) };
  }
  const m = NEXTCLOUD_FILES.exec(url) ?? PUBLIC_FILES.exec(url);
  if (m) return { prefix: m[1]!, rest: m[m.length - 1]! };
  return { prefix: '', rest: url };
}

/**
 * A public link's visitor over WebDAV: the token from the path, or (at /public.php/webdav) as
 * the Basic username; the link's password, if it has one, as the Basic password. The visitor
 * acts as a link actor, so the access service keeps every request inside the linked item.
 */
async function visitLink(core: Core, request: FastifyRequest, mount: Mount): Promise<{ ctx: CallContext; device: null } | { refused: string; challenge: string }> {
  const m = /^basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const credentials = m ? basicCredentials(m[1]!) : null;
  const inPath = PUBLIC_FILES.exec(mount.prefix);
  const token = inPath ? decodeUsername(inPath[2]!) : credentials?.login;
  if (!token) return { refused: 'Give the link\'s token as the username (and its password, if it has one)', challenge: LINK_CHALLENGE };
  const client = clientInfo(request);
  try {
    const visit = credentials?.password ? await core.links.enterWithPassword(token, credentials.password, client) : await core.links.visit(token, client);
    if (!visit.unlocked) return { refused: 'This link is protected by a password: give it as the Basic password', challenge: LINK_CHALLENGE };
    return { ctx: visit.ctx, device: null };
  } catch (err) {
    if (err instanceof CofferError && err.status === 401) return { refused: err.message, challenge: LINK_CHALLENGE };
    throw err;
  }
}

/** A Destination or tagged-If path, if it names the same link's tree. */
function resolveLinkPath(urlPath: string, mount: Mount): string[] | null {
  if (urlPath === mount.prefix || urlPath.startsWith(`${mount.prefix}/`)) return decodePath(urlPath.slice(mount.prefix.length));
  return null;
}

/** A Destination or tagged-If path, if it names the caller's own DAV tree on this server. */
function resolveOwnPath(urlPath: string, username: string, atRoot: boolean): string[] | null {
  if (atRoot) return decodePath(urlPath);
  for (const prefix of ['/dav', '/remote.php/webdav']) {
    if (urlPath === prefix || urlPath.startsWith(`${prefix}/`)) return decodePath(urlPath.slice(prefix.length));
  }
  const m = NEXTCLOUD_FILES.exec(urlPath);
  if (m) {
    const named = decodeUsername(m[1]!.slice('/remote.php/dav/files/'.length));
    if (named.toLowerCase() !== username.toLowerCase()) throw new DavError(403, 'The destination is in another user\'s files');
    return decodePath(m[2]!);
  }
  return null;
}

/** The username segment of a Nextcloud-style path; malformed percent-encoding is the client's error. */
function decodeUsername(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DavError(400, 'The username in the path is not valid percent-encoded UTF-8');
  }
}
