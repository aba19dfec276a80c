/**
 * Markup that is safe by construction. Every piece of the card is a Markup, made only by `el` (an
 * element whose attribute values are escaped) or `text` (escaped character data), so a user's
 * string cannot reach the SVG unescaped: no renderer can forget to escape, because a plain string
 * is not accepted where markup goes.
 */

export interface Markup {
  readonly markup: string;
}

/**
 * Every character outside XML 1.0's Char production (#x9 | #xA | #xD | [#x20-#xD7FF] |
 * [#xE000-#xFFFD] | [#x10000-#x10FFFF]): most C0 controls, U+FFFE, U+FFFF, and unpaired surrogates
 * (which the u flag sees as code points of their own). One of them makes the whole document
 * unparseable, even escaped, so a crafted activity name carrying one would otherwise break the image.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Any string as XML character data or an attribute value (quotes escaped too). */
export function escapeXml(value: string): string {
  return value.replace(NOT_XML, "").replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

export function text(value: string): Markup {
  return { markup: escapeXml(value) };
}

export type Attributes = Record<string, string | number | null | undefined | false>;

/** An element; null, undefined and false attributes are left out, numbers are rounded to 0.01. */
export function el(name: string, attributes: Attributes = {}, ...children: (Markup | null)[]): Markup {
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    open += ` ${key}="${escapeXml(typeof value === "number" ? formatNumber(value) : value)}"`;
  }
  const inner = join(children);
  return { markup: inner.markup === "" ? `${open}/>` : `${open}>${inner.markup}</${name}>` };
}

/** Several pieces in order; null pieces (a hidden part) are skipped. */
export function join(pieces: readonly (Markup | null)[]): Markup {
  return { markup: pieces.map((piece) => piece?.markup ?? "").join("") };
}

/** Two decimals are sub-pixel at any zoom, and keep 1/3 from printing as 0.3333333333333333. */
function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}
