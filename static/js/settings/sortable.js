// Reordering the items of a list by a handle: drag it (mouse, pen or finger: pointer events),
// or focus it and press ↑ / ↓ (Home / End for the first and last place). The list announces
// each move through `announce(item, position, count)`.

/**
 * Make the direct children of `list` that match `itemSelector` sortable by their
 * `handleSelector` (a button inside each item). Works for items added later too.
 */
export function sortable(list, { itemSelector, handleSelector, announce = () => {} }) {
  const items = () => [...list.children].filter((child) => child.matches(itemSelector));
  const handleOf = (item) => item.querySelector(handleSelector);
  const ownHandle = (target) => {
    const handle = target instanceof Element ? target.closest(handleSelector) : null;
    const item = handle && handle.closest(itemSelector);
    return item && item.parentElement === list ? { handle, item } : null;
  };
  const moved = (item) => {
    const all = items();
    announce(item, all.indexOf(item) + 1, all.length);
    list.dispatchEvent(new CustomEvent("sortable:moved", { bubbles: true, detail: { item } }));
  };

  list.addEventListener("keydown", (event) => {
    const own = ownHandle(event.target);
    if (!own || event.altKey || event.ctrlKey || event.metaKey) return;
    const all = items();
    const i = all.indexOf(own.item);
    let to = null;
    if (event.key === "ArrowUp") to = i - 1;
    else if (event.key === "ArrowDown") to = i + 1;
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = all.length - 1;
    else return;
    event.preventDefault();
    if (to < 0 || to >= all.length || to === i) return;
    if (to < i) all[to].before(own.item);
    else all[to].after(own.item);
    handleOf(own.item).focus();
    moved(own.item);
  });

  let drag = null;
  list.addEventListener("pointerdown", (event) => {
    const own = ownHandle(event.target);
    if (!own || event.button !== 0) return;
    event.preventDefault();
    own.handle.setPointerCapture(event.pointerId);
    own.item.classList.add("is-dragging");
    drag = { ...own, pointerId: event.pointerId, start: items().indexOf(own.item) };
  });
  list.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    // The item under the pointer takes the dragged one's place: before it when the pointer
    // is in its upper half, after it otherwise.
    for (const other of items()) {
      if (other === drag.item) continue;
      const box = other.getBoundingClientRect();
      if (event.clientY < box.top || event.clientY > box.bottom) continue;
      if (event.clientY < box.top + box.height / 2) {
        if (other.previousElementSibling !== drag.item) other.before(drag.item);
      } else if (other.nextElementSibling !== drag.item) other.after(drag.item);
      break;
    }
  });
  const end = (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const { item, handle, start } = drag;
    drag = null;
    item.classList.remove("is-dragging");
    if (handle.hasPointerCapture(event.pointerId)) handle.releasePointerCapture(event.pointerId);
    handle.focus();
    if (items().indexOf(item) !== start) moved(item);
  };
  list.addEventListener("pointerup", end);
  list.addEventListener("pointercancel", end);
}
