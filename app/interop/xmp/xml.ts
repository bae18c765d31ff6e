/**
 * A small, strict-enough XML reader for XMP packets: elements with namespace-resolved names,
 * attributes, text, and the source offsets of every element (so that a sidecar can be edited in
 * place, leaving every byte outside the edited element as it was). Handles the XML an XMP packet
 * contains: the xpacket processing instructions, comments, CDATA, a DOCTYPE without an internal
 * subset, the five predefined entities and character references. Not a validating parser.
 */

export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  mwgRs: 'http://www.metadataworkinggroup.com/schemas/regions/',
  stArea: 'http://ns.adobe.com/xmp/sType/Area#',
  stDim: 'http://ns.adobe.com/xap/1.0/sType/Dimensions#',
  /** Microsoft Photo regions (Windows Photo Gallery; digiKam writes them beside MWG's). */
  mp: 'http://ns.microsoft.com/photo/1.2/',
  mpri: 'http://ns.microsoft.com/photo/1.2/t/RegionInfo#',
  mpreg: 'http://ns.microsoft.com/photo/1.2/t/Region#',
  /** Visage's own marker inside mwg-rs:Extensions (identifies the regions Visage wrote). */
  visage: 'https://visage.app/ns/xmp/1.0/',
} as const;

export class XmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at character ${offset})`);
    this.name = 'XmlError';
  }
}

export interface XmlAttr {
  /** As written, e.g. "stArea:x". */
  qname: string;
  prefix: string;
  local: string;
  /** Namespace URI ('' when unprefixed: attributes do not take the default namespace). */
  ns: string;
  value: string;
}

export interface XmlElement {
  qname: string;
  prefix: string;
  local: string;
  ns: string;
  attrs: XmlAttr[];
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
  parent: XmlElement | null;
  /** Namespace bindings in scope for this element (prefix -> URI; '' = default namespace). */
  scope: Map<string, string>;
  /** Source offsets: the whole element [start, end), and the start tag's end (after '>'). */
  start: number;
  end: number;
  startTagEnd: number;
  selfClosing: boolean;
}

const NAME = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9_.:\u00B7\u00C0-\uFFFF]*/y;

export function decodeEntities(s: string, offset = 0): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!Number.isFinite(cp) || cp > 0x10ffff) throw new XmlError(`bad character reference ${m}`, offset);
      return String.fromCodePoint(cp);
    }
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (!(e in named)) throw new XmlError(`unknown entity ${m}`, offset);
    return named[e]!;
  });
}

/** Escapes text for element content or a double-quoted attribute value. */
export function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped (control characters other than tab/newline).
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this drops
  const clean = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
  return clean.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;');
}

function split(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

/** Parses a document (or an XMP packet) and returns its root element. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const base = new Map<string, string>([
    ['xml', NS.xml],
    ['xmlns', NS.xmlns],
  ]);

  const fail = (msg: string): never => {
    throw new XmlError(msg, i);
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const skipWs = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };

  if (src.charCodeAt(0) === 0xfeff) i = 1;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const raw = src.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw, i);
      else if (raw.trim() !== '') fail('text outside the root element');
      i = textEnd;
      if (lt < 0) break;
    }
    if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i + 4);
      if (e < 0) fail('unterminated comment');
      i = e + 3;
    } else if (src.startsWith('<![CDATA[', i)) {
      const e = src.indexOf(']]>', i + 9);
      if (e < 0) fail('unterminated CDATA section');
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      top!.text += src.slice(i + 9, e);
      i = e + 3;
    } else if (src.startsWith('<?', i)) {
      const e = src.indexOf('?>', i + 2);
      if (e < 0) fail('unterminated processing instruction');
      i = e + 2;
    } else if (src.startsWith('<!DOCTYPE', i)) {
      const e = src.indexOf('>', i);
      if (e < 0 || src.slice(i, e).includes('[')) fail('DOCTYPE with an internal subset is not supported');
      i = e + 1;
    } else if (src.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipWs();
      if (src[i] !== '>') fail('expected > after the end tag name');
      i++;
      const top = stack.pop();
      if (!top || top.qname !== name) fail(`end tag </${name}> does not match <${top?.qname ?? '(none)'}>`);
      top!.end = i;
      if (stack.length === 0) root = top!;
    } else {
      const start = i;
      i++;
      const qname = readName();
      const rawAttrs: { qname: string; value: string }[] = [];
      for (;;) {
        const before = i;
        skipWs();
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (i === before) fail('expected whitespace between attributes');
        const an = readName();
        skipWs();
        if (src[i] !== '=') fail(`expected = after attribute ${an}`);
        i++;
        skipWs();
        const q = src[i];
        if (q !== '"' && q !== "'") fail('expected a quoted attribute value');
        const e = src.indexOf(q!, i + 1);
        if (e < 0) fail('unterminated attribute value');
        const rawValue = src.slice(i + 1, e);
        if (rawValue.includes('<')) fail('< in an attribute value');
        if (rawAttrs.some((a) => a.qname === an)) fail(`duplicate attribute ${an}`);
        rawAttrs.push({ qname: an, value: decodeEntities(rawValue, i) });
        i = e + 1;
      }
      const selfClosing = src.startsWith('/>', i);
      i += selfClosing ? 2 : 1;
      const parent = stack[stack.length - 1] ?? null;
      if (!parent && root) fail('more than one root element');
      const scope = new Map(parent ? parent.scope : base);
      for (const a of rawAttrs) {
        if (a.qname === 'xmlns') scope.set('', a.value);
        else if (a.qname.startsWith('xmlns:')) scope.set(a.qname.slice(6), a.value);
      }
      const [prefix, local] = split(qname);
      const ns = scope.get(prefix);
      if (ns === undefined) fail(`undeclared namespace prefix "${prefix}" on <${qname}>`);
      const attrs: XmlAttr[] = rawAttrs.map((a) => {
        const [p, l] = split(a.qname);
        let ans = '';
        if (a.qname === 'xmlns' || p === 'xmlns') ans = NS.xmlns;
        else if (p) {
          const u = scope.get(p);
          if (u === undefined) fail(`undeclared namespace prefix "${p}" on attribute ${a.qname}`);
          ans = u!;
        }
        return { qname: a.qname, prefix: p, local: l, ns: ans, value: a.value };
      });
      const el: XmlElement = { qname, prefix, local, ns: ns!, attrs, children: [], text: '', parent, scope, start, end: i, startTagEnd: i, selfClosing };
      if (parent) parent.children.push(el);
      if (selfClosing) {
        if (!parent) root = el;
      } else stack.push(el);
    }
  }
  if (stack.length) throw new XmlError(`unclosed element <${stack[stack.length - 1]!.qname}>`, src.length);
  if (!root) throw new XmlError('no root element', 0);
  return root;
}

/** Depth-first search for elements named {ns}local. */
export function findAll(el: XmlElement, ns: string, local: string, out: XmlElement[] = []): XmlElement[] {
  if (el.ns === ns && el.local === local) out.push(el);
  for (const c of el.children) findAll(c, ns, local, out);
  return out;
}

export function attr(el: XmlElement, ns: string, local: string): string | undefined {
  return el.attrs.find((a) => a.ns === ns && a.local === local)?.value;
}

/** The prefix bound to `ns` in this element's scope, if any. */
export function prefixFor(el: XmlElement, ns: string): string | undefined {
  for (const [p, u] of el.scope) if (u === ns && p !== '') return p;
  return undefined;
}
