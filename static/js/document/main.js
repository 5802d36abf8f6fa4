// The document page (admins): "Split here" cuts a paragraph where the cursor is. A click in a
// paragraph's text fills its "cut at" field with the code point under the caret (the server
// counts code points, as Python does); the field can be typed in as well.

import { offsetIn, textIndex } from "../shared/offsets.js";

for (const para of document.querySelectorAll("[data-paragraph-index]")) {
  const textEl = para.querySelector(".paragraph-text");
  const field = para.querySelector("[data-split-at]");
  if (!textEl || !field) continue;
  const index = textIndex(textEl.textContent);
  const fill = () => {
    const sel = window.getSelection();
    if (!sel.rangeCount || !textEl.contains(sel.anchorNode)) return;
    const u = offsetIn(textEl, sel.anchorNode, sel.anchorOffset);
    field.value = String(index.toCp(u));
    para.classList.add("has-cut");
  };
  textEl.addEventListener("mouseup", fill);
  textEl.addEventListener("keyup", fill);
}
