// The WCAG contrast maths of annotator/colours.py, for pages that check a colour as it is
// typed (the codebook form). The same formulas, the same rounding (Python's round half to
// even); the constants (inks, tint weight, ratios needed) come from the server with the page.
// tests/browser/test_settings_browser.py checks that both give the same figures.

const HEX = /^#[0-9a-fA-F]{6}$/;
const FALLBACK = "#888888";

/** "#rrggbb" -> [r, g, b] (a malformed colour reads as the fallback grey, as on the server). */
export function rgb(color) {
  const c = HEX.test(color) ? color : FALLBACK;
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

/** Python's round(): halves go to the even neighbour. */
function pyRound(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff === 0.5) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(x);
}

function hexColour(values) {
  return `#${values.map((c) => Math.max(0, Math.min(255, pyRound(c))).toString(16).padStart(2, "0")).join("")}`;
}

/** WCAG relative luminance of "#rrggbb". */
export function luminance(color) {
  const channel = (c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = rgb(color);
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio (1 to 21). */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The colour mixed into another (white by default): weight 1 is the colour itself. */
export function mix(color, weight, other = "#ffffff") {
  const c = rgb(color);
  const o = rgb(other);
  return hexColour(c.map((v, i) => weight * v + (1 - weight) * o[i]));
}

/** Dark or light ink, whichever contrasts more with the background (dark on a tie). */
export function readableInk(background, dark, light) {
  return contrast(light, background) > contrast(dark, background) ? light : dark;
}

/**
 * How a label colour reads where the pages draw it (colours.contrast_checks): text on its
 * highlight tint, and the colour itself on the page. `rule` is the server's
 * {dark_ink, light_ink, page, tint_weight, text, graphic}.
 */
export function contrastChecks(color, rule) {
  const label = HEX.test(color) ? color.toLowerCase() : FALLBACK;
  const tint = mix(label, rule.tint_weight);
  const ink = readableInk(tint, rule.dark_ink, rule.light_ink);
  return {
    tint,
    ink,
    checks: [
      { check: "highlight", what: "Text on its highlight", ratio: contrast(tint, ink), needed: rule.text },
      { check: "page", what: "Swatches and borders on the page", ratio: contrast(label, rule.page), needed: rule.graphic },
    ],
  };
}

/** "2.99:1": rounded down, as the server words it (colours.ratio_text). */
export function ratioText(ratio) {
  return `${(Math.floor(ratio * 100) / 100).toFixed(2)}:1`;
}
