/**
 * A strict, minimal XML parser for the card tests (workerd has no DOMParser): it throws on anything
 * that is not well-formed (unbalanced tags, a raw "<" or "&" in text, an unknown entity, a
 * duplicate attribute, a character XML forbids, a DOCTYPE, content after the root), so a test that
 * parses a card proves a browser's XML parser would accept it too. The browser test checks the
 * same with Chromium's own parser.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*/;
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes("<")) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;]*);?/g, (whole, entity: string) => {
    if (!whole.endsWith(";")) throw new Error(`unterminated entity in ${where}: ${whole}`);
    if (entity in ENTITIES) return ENTITIES[entity]!;
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(entity);
    if (!numeric) throw new Error(`unknown entity &${entity}; in ${where}`);
    return String.fromCodePoint(numeric[1] ? Number.parseInt(numeric[1], 16) : Number(numeric[2]));
  });
}

export function parseXml(source: string): XmlElement {
  if (NOT_XML.test(source)) throw new Error("a character XML forbids");
  let at = 0;
  const skipMisc = () => {
    for (;;) {
      const rest = source.slice(at);
      const space = /^\s+/.exec(rest);
      if (space) at += space[0].length;
      else if (rest.startsWith("<?")) at = source.indexOf("?>", at) + 2;
      else if (rest.startsWith("<!--")) at = source.indexOf("-->", at) + 3;
      else if (rest.startsWith("<!")) throw new Error("DOCTYPE or CDATA outside the root");
      else return;
    }
  };
  const element = (): XmlElement => {
    if (source[at] !== "<") throw new Error(`expected "<" at ${at}`);
    at++;
    const name = NAME.exec(source.slice(at))?.[0];
    if (!name) throw new Error(`bad tag name at ${at}`);
    at += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const rest = source.slice(at);
      const attribute = /^\s+([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(rest);
      if (attribute) {
        const key = attribute[1]!;
        if (key in attributes) throw new Error(`duplicate attribute ${key} on <${name}>`);
        attributes[key] = decode(attribute[3] ?? attribute[4] ?? "", `${name}@${key}`);
        at += attribute[0].length;
        continue;
      }
      const end = /^\s*(\/?)>/.exec(rest);
      if (!end) throw new Error(`malformed tag <${name}> at ${at}: ${rest.slice(0, 40)}`);
      at += end[0].length;
      if (end[1]) return { name, attributes, children: [] };
      break;
    }
    const children: (XmlElement | string)[] = [];
    for (;;) {
      const next = source.indexOf("<", at);
      if (next < 0) throw new Error(`<${name}> is never closed`);
      const raw = source.slice(at, next);
      if (raw) children.push(decode(raw, `<${name}> text`));
      at = next;
      if (source.startsWith("</", at)) {
        const close = new RegExp(`^</${name}\\s*>`).exec(source.slice(at));
        if (!close) throw new Error(`</${name}> expected at ${at}: ${source.slice(at, at + 40)}`);
        at += close[0].length;
        return { name, attributes, children };
      }
      if (source.startsWith("<!--", at)) {
        at = source.indexOf("-->", at) + 3;
        continue;
      }
      if (source.startsWith("<!", at) || source.startsWith("<?", at))
        throw new Error(`markup declaration at ${at}`);
      children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (at !== source.length) throw new Error(`content after the root element at ${at}`);
  return root;
}

/** Every element named `name` under `root` (root included), in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = root.name === name ? [root] : [];
  for (const child of root.children) if (typeof child !== "string") out.push(...findAll(child, name));
  return out;
}

export function textOf(element: XmlElement): string {
  return element.children.map((child) => (typeof child === "string" ? child : textOf(child))).join("");
}

/** The text of every <text> element, in order: what the card says. */
export function texts(root: XmlElement): string[] {
  return findAll(root, "text").map(textOf);
}
