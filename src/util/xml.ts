// A deliberately small XML reader for documents fetched from other servers (SAML metadata, S3
// error bodies). It refuses any DOCTYPE — so no DTD, no entity declarations and nothing to expand
// (the "billion laughs" and external-entity attacks need one) — knows only the five predefined
// entities and character references, and caps input size, nesting depth and element count.
// Namespaces are not resolved: elements keep their qualified name and expose the local part.

export class XmlError extends Error {
  constructor(
    readonly kind: 'too-large' | 'dtd' | 'malformed' | 'too-deep' | 'too-many-elements' | 'too-many-attributes' | 'entity',
    message: string,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

export interface XmlElement {
  name: string;
  /** The name without its namespace prefix. */
  local: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside this element (CDATA included), entities decoded. */
  text: string;
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
}

const DEFAULT_LIMITS: XmlLimits = { maxBytes: 1 << 20, maxDepth: 64, maxElements: 20_000 };
/** Far more than any metadata element carries (SAML's have under ten). */
const MAX_ATTRIBUTES = 64;
const NAME = /^[A-Za-z_][\w.:-]*/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(input: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  if (Buffer.byteLength(input, 'utf8') > lim.maxBytes) throw new XmlError('too-large', `larger than ${lim.maxBytes} bytes`);
  const s = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let i = 0;
  const fail = (kind: XmlError['kind'], what: string): never => {
    throw new XmlError(kind, `${what} at offset ${i}`);
  };
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    if (lt < 0) {
      addText(s.slice(i));
      break;
    }
    if (lt > i) addText(s.slice(i, lt));
    i = lt;
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      if (end < 0) fail('malformed', 'unterminated comment');
      i = end + 3;
    } else if (s.startsWith('<![CDATA[', i)) {
      const end = s.indexOf(']]>', i + 9);
      if (end < 0) fail('malformed', 'unterminated CDATA section');
      if (!stack.length) fail('malformed', 'text outside the root element');
      stack.at(-1)!.text += s.slice(i + 9, end);
      i = end + 3;
    } else if (s.startsWith('<!', i)) {
      // DOCTYPE, ENTITY, ELEMENT, ATTLIST: a DTD in any form is refused, not skipped.
      fail('dtd', 'a document type declaration (DTD) is not accepted');
    } else if (s.startsWith('<?', i)) {
      const end = s.indexOf('?>', i + 2);
      if (end < 0) fail('malformed', 'unterminated processing instruction');
      i = end + 2;
    } else if (s.startsWith('</', i)) {
      const end = s.indexOf('>', i);
      if (end < 0) fail('malformed', 'unterminated end tag');
      const name = s.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== name) fail('malformed', `end tag </${name}> does not match <${open?.name ?? ''}>`);
      i = end + 1;
    } else {
      i++;
      const m = NAME.exec(s.slice(i, i + 256));
      if (!m) fail('malformed', 'bad element name');
      const name = m![0];
      i += name.length;
      // No prototype: attribute names such as __proto__ or constructor are plain keys here.
      const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
      let attrCount = 0;
      for (;;) {
        while (i < s.length && /\s/.test(s[i]!)) i++;
        if (s.startsWith('/>', i) || s[i] === '>') break;
        const a = NAME.exec(s.slice(i, i + 256));
        if (!a) fail('malformed', `bad attribute in <${name}>`);
        i += a![0].length;
        while (i < s.length && /\s/.test(s[i]!)) i++;
        if (s[i] !== '=') fail('malformed', `attribute ${a![0]} without a value`);
        i++;
        while (i < s.length && /\s/.test(s[i]!)) i++;
        const q = s[i];
        if (q !== '"' && q !== "'") fail('malformed', `unquoted value for ${a![0]}`);
        const end = s.indexOf(q!, i + 1);
        if (end < 0) fail('malformed', 'unterminated attribute value');
        if (a![0] in attrs) fail('malformed', `attribute ${a![0]} given twice in <${name}>`);
        if (++attrCount > MAX_ATTRIBUTES) fail('too-many-attributes', `more than ${MAX_ATTRIBUTES} attributes in <${name}>`);
        attrs[a![0]] = decodeEntities(s.slice(i + 1, end));
        i = end + 1;
      }
      if (++count > lim.maxElements) fail('too-many-elements', `more than ${lim.maxElements} elements`);
      const el: XmlElement = { name, local: name.slice(name.indexOf(':') + 1), attrs, children: [], text: '' };
      if (stack.length) stack.at(-1)!.children.push(el);
      else if (root) fail('malformed', 'a second root element');
      else root = el;
      if (s.startsWith('/>', i)) {
        i += 2;
      } else {
        i += 1;
        stack.push(el);
        if (stack.length > lim.maxDepth) fail('too-deep', `nested deeper than ${lim.maxDepth}`);
      }
    }
  }
  if (stack.length) throw new XmlError('malformed', `<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new XmlError('malformed', 'no root element');
  return root;

  function addText(text: string): void {
    if (!stack.length) {
      if (text.trim()) fail('malformed', 'text outside the root element');
      return;
    }
    stack.at(-1)!.text += decodeEntities(text);
  }
}

function decodeEntities(text: string): string {
  return text.replace(/&([^;\s&]{0,32});/g, (_, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return codePoint(parseInt(ref.slice(2), 16), ref);
    if (ref.startsWith('#')) return codePoint(parseInt(ref.slice(1), 10), ref);
    const v = PREDEFINED[ref];
    if (v === undefined) throw new XmlError('entity', `unknown entity &${ref};`);
    return v;
  });
}

function codePoint(n: number, ref: string): string {
  if (!Number.isInteger(n) || n <= 0 || n > 0x10ffff) throw new XmlError('entity', `bad character reference &${ref};`);
  return String.fromCodePoint(n);
}

/** Every descendant (depth first, the element itself included) whose local name is `local`. */
export function findAll(el: XmlElement, local: string, out: XmlElement[] = []): XmlElement[] {
  if (el.local === local) out.push(el);
  for (const c of el.children) findAll(c, local, out);
  return out;
}

export function child(el: XmlElement, local: string): XmlElement | undefined {
  return el.children.find((c) => c.local === local);
}
