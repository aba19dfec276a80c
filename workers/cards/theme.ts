import type { CardOptions } from "./options.ts";

/** The card's colours: Discord's own for its dark and light themes. */
export interface Palette {
  background: string;
  border: string;
  text: string;
  muted: string;
  faint: string;
  divider: string;
  /** Behind a missing image, and the server tag's pill. */
  placeholder: string;
  track: string;
  fill: string;
}

const DARK: Palette = {
  background: "#1e1f22",
  border: "#2e3035",
  text: "#f2f3f5",
  muted: "#b5bac1",
  faint: "#949ba4",
  divider: "#3f4147",
  placeholder: "#313338",
  track: "#4e5058",
  fill: "#f2f3f5",
};

const LIGHT: Palette = {
  background: "#ffffff",
  border: "#d0d7de",
  text: "#060607",
  muted: "#4e5058",
  faint: "#5c5e66",
  divider: "#e3e5e8",
  placeholder: "#ebedef",
  track: "#d4d7dc",
  fill: "#060607",
};

export function palette(options: Pick<CardOptions, "theme" | "background">): Palette {
  const base = options.theme === "light" ? LIGHT : DARK;
  return options.background ? { ...base, background: options.background } : base;
}

/** Discord's status colours; streaming is the purple Discord shows while live. */
export const STATUS_COLOURS = {
  online: "#23a55a",
  idle: "#f0b232",
  dnd: "#f23f43",
  offline: "#80848e",
  streaming: "#593695",
} as const;
