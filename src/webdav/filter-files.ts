import type { DeadProperty, PropertyName } from './backend.js';
import { clientContexts, FAVORITE, isClientBackend, OC_NS, parseFavorite } from './client-properties.js';
import { DavError } from './errors.js';
import type { DavExtension, DavExtensionContext, DavRequest, DavResponse } from './handler.js';
import { compileRenderer, isProtected, type LiveContext, type PropRequest } from './properties.js';
import { childElements, DAV_NS, findChild, NamespacePrefixes, readXmlBody, textOf, XML_DECLARATION } from './xml.js';

const XML_TYPE = 'application/xml; charset=utf-8';
/** The most favourites one REPORT lists: a person's stars, not a tree. */
const MAX_FAVORITES = 5_000;

/**
 * ownCloud's REPORT `oc:filter-files` (sabre's FilesReportPlugin in ownCloud and Nextcloud), as
 * the apps send it to list favourites: the requested properties of every resource the caller
 * starred, wherever it is in their tree. Filtering by system tags is not offered (Coffer's tags
 * are not Nextcloud's): such a rule is refused rather than ignored, so nothing is silently
 * listed that does not match.
 */
async function filterFiles(req: DavRequest, path: string[], ctx: DavExtensionContext): Promise<DavResponse> {
  const root = await readXmlBody(req.body, ctx.limits);
  if (!root || root.ns !== OC_NS || root.local !== 'filter-files') {
    throw new DavError(415, 'This server answers REPORT only for oc:filter-files (favourites); the body was something else');
  }
  const { backend } = ctx;
  if (!isClientBackend(backend)) throw new DavError(501, 'Favourites cannot be listed on this WebDAV space');
  const scope = await backend.stat(path);
  if (!scope) throw new DavError(404, `Nothing at ${ctx.href(path, false)}`);
  if (path.length !== 0) throw new DavError(400, 'List favourites on the root of your files (REPORT on /remote.php/dav/files/<you>/)');

  const rules = findChild(root, OC_NS, 'filter-rules');
  const ruleElements = rules ? childElements(rules) : [];
  if (ruleElements.length === 0) throw new DavError(400, 'oc:filter-files needs an oc:filter-rules element with <oc:favorite>1</oc:favorite>');
  let favorite: boolean | null = null;
  for (const rule of ruleElements) {
    if (rule.ns === FAVORITE.ns && rule.local === FAVORITE.local) favorite = parseFavorite(textOf(rule));
    else throw new DavError(400, `Filtering by ${rule.local} is not supported; only <oc:favorite>1</oc:favorite> is`);
  }
  if (favorite !== true) throw new DavError(400, 'Only favourites can be listed: <oc:favorite>1</oc:favorite>');

  const propEl = findChild(root, DAV_NS, 'prop');
  const names: PropertyName[] = propEl ? childElements(propEl).map((e) => ({ ns: e.ns, local: e.local })) : [];
  const select: PropRequest = names.length > 0 ? { kind: 'prop', names } : { kind: 'allprop', include: [] };
  const found = await backend.favorites(MAX_FAVORITES);

  const ns = new NamespacePrefixes();
  const renderer = compileRenderer(select, ns);
  const quota = names.some((n) => n.ns === DAV_NS && n.local.startsWith('quota-')) ? await backend.quota() : { used: 0, available: null };
  const live: LiveContext = { href: ctx.href, locks: [], quota: () => quota, now: ctx.now };
  const needsDead = select.kind !== 'prop' || names.some((n) => !isProtected(n));
  const dead = needsDead && found.length > 0 ? await backend.deadProperties(found) : new Map<string, DeadProperty[]>();
  const client = await clientContexts(backend, select.kind === 'prop' ? names : null, found);
  let xml = `${XML_DECLARATION}<d:multistatus${ns.rootDeclarations()}>`;
  for (const r of found) xml += renderer(r, ctx.href(r.path, r.collection), dead.get(r.id) ?? [], { ...live, client: client(r) });
  xml += '</d:multistatus>\n';
  return { status: 207, headers: { 'content-type': XML_TYPE }, body: xml };
}

export const filterFilesExtension: DavExtension = {
  methods: ['REPORT'],
  handle: filterFiles,
};
