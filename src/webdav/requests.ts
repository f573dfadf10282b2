import type { DeadProperty, LockScope, PropertyName } from './backend.js';
import { DavError } from './errors.js';
import type { PropRequest } from './properties.js';
import { childElements, DAV_NS, findChild, serializeChildren, textOf, type XmlElement } from './xml.js';

/** A PROPFIND body (null = empty body = allprop). */
export function interpretPropfind(root: XmlElement | null): PropRequest {
  if (root === null) return { kind: 'allprop', include: [] };
  if (root.ns !== DAV_NS || root.local !== 'propfind') throw new DavError(400, 'A PROPFIND body must be a DAV: propfind element');
  const children = childElements(root);
  if (findChild(root, DAV_NS, 'propname')) return { kind: 'propname' };
  if (findChild(root, DAV_NS, 'allprop')) {
    const include = findChild(root, DAV_NS, 'include');
    return { kind: 'allprop', include: include ? childElements(include).map(nameOf) : [] };
  }
  const prop = findChild(root, DAV_NS, 'prop');
  if (!prop) {
    throw new DavError(400, `A propfind element needs prop, allprop or propname${children.length ? `, not ${children[0]!.local}` : ''}`);
  }
  return { kind: 'prop', names: childElements(prop).map(nameOf) };
}

function nameOf(el: XmlElement): PropertyName {
  return { ns: el.ns, local: el.local };
}

export type PatchOp = { op: 'set'; prop: DeadProperty; text: string } | { op: 'remove'; prop: PropertyName };

/** A PROPPATCH body: the set and remove instructions in document order. */
export function interpretProppatch(root: XmlElement | null): PatchOp[] {
  if (root === null || root.ns !== DAV_NS || root.local !== 'propertyupdate') {
    throw new DavError(400, 'A PROPPATCH body must be a DAV: propertyupdate element');
  }
  const ops: PatchOp[] = [];
  for (const action of childElements(root)) {
    if (action.ns !== DAV_NS || (action.local !== 'set' && action.local !== 'remove')) continue;
    const prop = findChild(action, DAV_NS, 'prop');
    if (!prop) throw new DavError(400, `<${action.local}> needs a <prop> element`);
    for (const p of childElements(prop)) {
      if (action.local === 'set') {
        ops.push({ op: 'set', prop: { ns: p.ns, local: p.local, xml: serializeChildren(p.children) }, text: textOf(p) });
      } else {
        ops.push({ op: 'remove', prop: nameOf(p) });
      }
    }
  }
  if (ops.length === 0) throw new DavError(400, 'The propertyupdate names no property to set or remove');
  return ops;
}

export interface LockRequest {
  scope: LockScope;
  ownerXml: string | null;
}

/** A LOCK body; null means a refresh. */
export function interpretLockinfo(root: XmlElement | null): LockRequest | null {
  if (root === null) return null;
  if (root.ns !== DAV_NS || root.local !== 'lockinfo') throw new DavError(400, 'A LOCK body must be a DAV: lockinfo element');
  const scopeEl = findChild(root, DAV_NS, 'lockscope');
  const typeEl = findChild(root, DAV_NS, 'locktype');
  if (!scopeEl || !typeEl) throw new DavError(400, 'A lockinfo needs lockscope and locktype');
  const scope = childElements(scopeEl)[0];
  if (!scope || scope.ns !== DAV_NS || (scope.local !== 'exclusive' && scope.local !== 'shared')) {
    throw new DavError(400, 'The lock scope must be exclusive or shared');
  }
  const type = childElements(typeEl)[0];
  if (!type || type.ns !== DAV_NS || type.local !== 'write') throw new DavError(400, 'Only write locks are supported');
  const owner = findChild(root, DAV_NS, 'owner');
  return { scope: scope.local, ownerXml: owner ? serializeChildren(owner.children) : null };
}
