import { raw } from "hono/html";

/**
 * Descriptions as the routes write them, in HTML: `code` in backticks, and lines starting "- " as
 * a list (the proxy lists its error codes so). Everything else is text, escaped.
 */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** One line of text, for a table cell or a heading. */
export function phrase(text: string | undefined) {
  return raw(inline(text ?? ""));
}

/** Paragraphs and lists. */
export function prose(text: string | undefined) {
  const blocks: string[] = [];
  let items: string[] = [];
  const endList = () => {
    if (items.length > 0) blocks.push(`<ul>${items.map((item) => `<li>${item}</li>`).join("")}</ul>`);
    items = [];
  };
  for (const line of (text ?? "").split("\n")) {
    if (line.startsWith("- ")) {
      items.push(inline(line.slice(2)));
      continue;
    }
    endList();
    if (line.trim() !== "") blocks.push(`<p>${inline(line)}</p>`);
  }
  endList();
  return raw(blocks.join(""));
}
