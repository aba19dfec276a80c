import type { CardQuery } from "../../schemas/card.ts";

/** What a card shows and how, with every default filled in: the renderer's one input besides data. */
export interface CardOptions {
  theme: "dark" | "light";
  /** "#rrggbb" replacing the theme's background, or null for the theme's own. */
  background: string | null;
  borderRadius: number;
  hideGlobalName: boolean;
  hideStatus: boolean;
  hideBadges: boolean;
  hideActivity: boolean;
  hideLastSeen: boolean;
  hideServerTag: boolean;
  hideSpotify: boolean;
  hideTimestamp: boolean;
  noActivityTitle: string;
  noActivityMessage: string;
}

export const DEFAULT_BORDER_RADIUS_PX = 16;
export const DEFAULT_NO_ACTIVITY_TITLE = "No activity";
export const DEFAULT_NO_ACTIVITY_MESSAGE = "Not doing anything right now.";

export function cardOptions(query: Omit<CardQuery, "svg">): CardOptions {
  const background = query.bg ?? null;
  return {
    // A background alone picks the theme whose text reads on it: above this luminance dark text
    // has more contrast than white (WCAG contrast ratios cross at about 0.179).
    theme: query.theme ?? (background && relativeLuminance(background) > 0.179 ? "light" : "dark"),
    background,
    borderRadius: query.borderRadius ?? DEFAULT_BORDER_RADIUS_PX,
    hideGlobalName: query.hideGlobalName ?? false,
    hideStatus: query.hideStatus ?? false,
    hideBadges: query.hideBadges ?? false,
    hideActivity: query.hideActivity ?? false,
    hideLastSeen: query.hideLastSeen ?? false,
    hideServerTag: query.hideServerTag ?? false,
    hideSpotify: query.hideSpotify ?? false,
    hideTimestamp: query.hideTimestamp ?? false,
    noActivityTitle: query.noActivityTitle ?? DEFAULT_NO_ACTIVITY_TITLE,
    noActivityMessage: query.noActivityMessage ?? DEFAULT_NO_ACTIVITY_MESSAGE,
  };
}

/**
 * The options as one canonical string, for cache keys: `hideStatus=1` and `hideStatus=true`, or
 * parameters in another order, are the same card and share one entry.
 */
export function optionsKey(options: CardOptions): string {
  return JSON.stringify(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** WCAG relative luminance of "#rrggbb", 0 (black) to 1 (white). */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}
