// Small DOM helpers shared by the pages.

/**
 * An element: el("button", {type: "button", class: "small", onclick: fn}, "Save").
 * `class` and `text` set className and textContent; `onX` adds a listener for X; a non-string
 * value of a property the element has is set as that property (checked, disabled, value...);
 * anything else is an attribute (true: present and empty; false or null: left out).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

/** A stored value as people read it: "security_defense" -> "security defense". */
export const humanize = (value) => String(value).replace(/_/g, " ");
