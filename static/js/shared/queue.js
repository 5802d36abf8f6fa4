// The save queue, for every page whose changes save themselves (the annotate page's spans and
// marks, the adjudication page's gold): every change becomes an operation, written to
// localStorage at once (keyed by user and document, and by tab) and sent to the server in
// order, one at a time, retried with growing waits while the network or the server fails.
// The page says how an operation is sent (`send`) and hears what came of it (`onSent`,
// `onFailed`, `onAuth`, `onStatus`: statusLine below draws the shared status line).
//
// Operations a page makes with the methods below:
//   {kind: "create", key, body, ...extra}  store a thing (a span); its server id is remembered
//                                          under `key` (`ids`) when the answer comes
//   {kind: "patch",  key, body, ...extra}  change fields of it
//   {kind: "delete", key, ...extra}        delete it
//   {kind, ...subject, ...state}           set a state (`setState`): only the latest unsent
//                                          one per kind and subject is kept
// `extra` (e.g. {what: "rejection"}) tells the page's `send` what the key names.
// A patch or delete of a thing whose create has not been answered yet waits behind it (the
// queue is strictly in order) and is sent with the id the create returned. Before a create has
// ever been sent, later patches are folded into it and a delete simply removes it.
//
// Each tab keeps its own stored queue (`tabKey`; tabs would otherwise write over each other's
// copy); what a tab left unsent (closed, or reloaded) is taken over by the next page of the
// document that opens (`takeLeftovers`). A Web Lock named after a tab's queue says the tab is
// alive. Without Web Locks (a page served over plain HTTP to another machine), tabs share one
// queue.

const VERSION = 1;

export class SaveQueue {
  /**
   * @param {object} o
   * @param {string} o.storageKey   localStorage key
   * @param {(op, id) => Promise<object>} o.send  sends one op (the page's); resolves
   *        to {ok, data} | {retry, cause, message} | {auth} | {status, message} (refused)
   * @param {(op, data) => void} o.onSent
   * @param {(op, result) => Promise|void} o.onFailed  a change the server refused (dropped)
   * @param {() => void} o.onAuth   the session has expired
   * @param {(state) => void} o.onStatus  {state: saved|saving|offline, unsent, message,
   *        cause}: while retrying, cause says why (network: no answer, or a proxy's 502 or
   *        504; busy: 429 or 503; server: the server itself failed, e.g. 500)
   */
  constructor(o) {
    Object.assign(this, o);
    this.ops = [];
    this.ids = {};
    this.seq = 0;
    this.inflight = null;
    this.failures = 0;
    this.running = false;
    this.stopped = false;
    this.held = false; // not sent yet (while other tabs' leftovers are taken over)
    this.wake = null;
    this.storageOk = true;
    this.lastError = "";
    this.lastCause = "";
    this.load();
  }

  load() {
    try {
      const raw = window.localStorage.getItem(this.storageKey);
      if (!raw) return;
      const saved = JSON.parse(raw);
      if (saved && saved.v === VERSION && Array.isArray(saved.ops)) {
        this.ops = saved.ops;
        this.ids = saved.ids || {};
        this.seq = saved.seq || this.ops.length;
      }
    } catch (err) {
      console.warn("The saved queue could not be read:", err);
    }
  }

  persist() {
    // Store only the ids the remaining operations still need.
    const needed = {};
    for (const op of this.ops) {
      if (op.key && this.ids[op.key] != null) needed[op.key] = this.ids[op.key];
    }
    try {
      if (this.ops.length) {
        window.localStorage.setItem(this.storageKey, JSON.stringify(
          { v: VERSION, ops: this.ops, ids: needed, seq: this.seq }));
      } else {
        window.localStorage.removeItem(this.storageKey);
      }
      this.storageOk = true;
    } catch (err) {
      if (this.storageOk) console.warn("Changes cannot be kept in this browser:", err);
      this.storageOk = false;
    }
  }

  get size() { return this.ops.length; }

  /**
   * Take over the operations another queue left unsent (a tab closed, or this tab before a
   * reload: its stored copy, as ``persist`` writes it). They go before this queue's own, which
   * are newer; call it while nothing is in flight (``held``). Returns the operations taken.
   */
  adopt(saved) {
    if (this.inflight) throw new Error("adopt() while an operation is in flight");
    if (!saved || saved.v !== VERSION || !Array.isArray(saved.ops) || !saved.ops.length) return [];
    const ops = saved.ops.map((op) => ({ ...op, attempts: op.attempts || 0 }));
    for (const [key, id] of Object.entries(saved.ids || {})) {
      if (this.ids[key] == null) this.ids[key] = id;
    }
    this.ops = [...ops, ...this.ops];
    this.seq = 0;
    for (const op of this.ops) op.seq = ++this.seq;
    this.changed();
    return ops;
  }

  /** Server id of a span key, when known. */
  idOf(key) {
    return this.ids[key];
  }

  rememberId(key, id) {
    this.ids[key] = id;
  }

  // --- adding operations ---------------------------------------------------------------------

  push(op) {
    op.seq = ++this.seq;
    op.attempts = 0;
    this.ops.push(op);
  }

  pending(op) {
    return op !== this.inflight;
  }

  create(key, body, id = undefined, extra = {}) {
    if (id != null) this.ids[key] = id;
    this.push({ ...extra, kind: "create", key, body: { ...body } });
    this.changed();
  }

  patch(key, fields, { delay = 0, ...extra } = {}) {
    const notBefore = delay ? Date.now() + delay : 0;
    for (let i = this.ops.length - 1; i >= 0; i -= 1) {
      const op = this.ops[i];
      if (op.key !== key) continue;
      if (op.kind === "create" && op.attempts === 0 && this.pending(op)) {
        Object.assign(op.body, fields);
        this.changed();
        return;
      }
      if (op.kind === "patch" && this.pending(op)) {
        Object.assign(op.body, fields);
        op.notBefore = Math.max(op.notBefore || 0, notBefore);
        this.changed();
        return;
      }
      break;
    }
    this.push({ ...extra, kind: "patch", key, body: { ...fields }, notBefore });
    this.changed();
  }

  remove(key, extra = {}) {
    let neverSent = false;
    this.ops = this.ops.filter((op) => {
      if (op.key !== key || !this.pending(op)) return true;
      if (op.kind === "patch") return false;
      if (op.kind === "create" && op.attempts === 0) {
        neverSent = true;
        return false;
      }
      return true;
    });
    if (!neverSent) this.push({ ...extra, kind: "delete", key });
    this.changed();
  }

  /** A state of something (a paragraph's mark): `subject` names it ({paragraph: 3}), `state`
   *  is what it becomes ({reviewed: true}); an unsent earlier state of it is dropped. */
  setState(kind, subject, state) {
    const same = (op) => op.kind === kind
      && Object.entries(subject).every(([k, v]) => op[k] === v);
    this.ops = this.ops.filter((op) => !(same(op) && this.pending(op)));
    this.push({ kind, ...subject, ...state });
    this.changed();
  }

  changed() {
    this.persist();
    this.report();
    this.run();
  }

  // --- sending -------------------------------------------------------------------------------

  report() {
    let state = "saved";
    if (this.ops.length) state = this.failures > 0 ? "offline" : "saving";
    this.onStatus({ state, unsent: this.ops.length, message: this.lastError,
      cause: this.lastCause });
  }

  /** Send now instead of waiting for the next retry (the network came back, a click). */
  retryNow() {
    if (this.wake) this.wake();
    this.run();
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wake === done) self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  backoff() {
    const base = Math.min(this.retryMaxMs || 15000, 500 * 2 ** Math.min(this.failures - 1, 10));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  async run() {
    if (this.running || this.stopped || this.held) return;
    this.running = true;
    try {
      while (this.ops.length && !this.stopped) {
        const op = this.ops[0];
        const wait = (op.notBefore || 0) - Date.now();
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        let id;
        if (op.key && op.kind !== "create") {
          id = this.ids[op.key];
          if (id == null) {
            // Its create was refused or never happened: nothing to change on the server.
            this.ops.shift();
            this.persist();
            continue;
          }
        }
        this.inflight = op;
        op.attempts += 1;
        this.persist();
        this.report();
        let result;
        try {
          result = await this.send(op, id);
        } catch (err) {
          result = { retry: true, cause: "network", message: String(err && err.message || err) };
        }
        this.inflight = null;
        if (result.ok) {
          this.ops.shift();
          this.failures = 0;
          this.lastError = "";
          this.lastCause = "";
          if (op.kind === "create" && result.data && result.data.id != null) {
            this.ids[op.key] = result.data.id;
          }
          this.persist();
          this.onSent(op, result.data);
          this.report();
          continue;
        }
        if (result.auth) {
          this.persist();
          this.stopped = true;
          this.onAuth();
          return;
        }
        if (result.retry) {
          this.failures += 1;
          this.lastError = result.message || "";
          this.lastCause = result.cause || "network";
          this.report();
          await this.sleep(this.backoff());
          continue;
        }
        // Refused (422, 409, 403...): drop it, and whatever depended on a refused create.
        this.ops.shift();
        if (op.kind === "create") {
          this.ops = this.ops.filter((o) => o.key !== op.key);
        }
        this.failures = 0;
        this.persist();
        await this.onFailed(op, result);
        this.report();
      }
    } finally {
      this.running = false;
      this.report();
    }
  }
}

/** A failed answer that will be retried, with `message` a short phrase for the status line
 *  ("the server answered 503"). */
export function phrased(result) {
  if (result.retry) {
    result.message = result.status ? `the server answered ${result.status}` : "the server cannot be reached";
  }
  return result;
}

/** A new key for a thing made on the page (a client id: unique, never reused). */
export function newKey() {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return `c${Date.now().toString(36)}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// --- the status line (templates/_span_pages.html, save_status) --------------------------------

const STATUS_TEXT = { saved: "saved", saving: "saving", offline: "offline — retrying" };
// while retrying: a server that answers with an error is not the network (the remedy differs)
const RETRY_TEXT = { server: "server error — retrying", busy: "server busy — retrying" };

/**
 * The queue's `onStatus` for the shared status line inside `root` ([data-save-status],
 * #save-detail, #retry-now): "saved", "saving", "offline — retrying" with the unsent
 * changes, "server error — retrying" with the server's answer; `root.dataset.saveState` for
 * the styles (root holds the one status line). Retry now sends at once (`queue()`: the
 * queue, once made).
 */
export function statusLine(root, queue) {
  const status = root.querySelector("[data-save-status]");
  const detail = root.querySelector("#save-detail");
  const retry = root.querySelector("#retry-now");
  retry.addEventListener("click", () => queue() && queue().retryNow());
  return ({ state, unsent, message, cause }) => {
    status.textContent = (state === "offline" && RETRY_TEXT[cause]) || STATUS_TEXT[state];
    status.dataset.state = state;
    status.dataset.cause = state === "offline" ? (cause || "network") : "";
    status.dataset.unsent = String(unsent);
    root.dataset.saveState = state;
    if (state === "offline") {
      const changes = `${unsent} unsent change${unsent === 1 ? "" : "s"}`;
      // the server's own failure is named (worth telling an admin); no answer speaks for itself
      detail.textContent = RETRY_TEXT[cause] && message ? `${changes} · ${message}` : changes;
      detail.title = message ? `Last attempt: ${message}` : "";
    } else {
      detail.textContent = "";
      detail.title = "";
    }
    retry.hidden = state !== "offline";
  };
}

/** Send again as soon as the network is back or the tab is looked at again; warn before the
 *  page is left with unsent changes (unless `leaving()`: the page leaves on purpose). */
export function keepSending(queue, leaving = () => false) {
  window.addEventListener("beforeunload", (event) => {
    if (leaving() || !queue() || queue().size === 0) return;
    event.preventDefault();
    event.returnValue = "";
  });
  window.addEventListener("online", () => queue() && queue().retryNow());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && queue() && queue().failures > 0) {
      queue().retryNow();
    }
  });
}

// --- tabs: each its own stored queue, leftovers taken over -----------------------------------

export const locks = navigator.locks && navigator.locks.request ? navigator.locks : null;

/** The storage key of this tab's queue under `base` (one per user and document). */
export function tabKey(base) {
  return locks ? `${base}:tab:${newKey()}` : base;
}

/** The stored queues under `base` but `queue`'s own (the old shared one too). */
export function otherStoredQueues(queue, base) {
  return Object.keys(window.localStorage).filter((key) => key !== queue.storageKey
    && (key === base || key.startsWith(`${base}:tab:`)));
}

/** Hold this tab's lock, then take out of storage the stored queues under `base` that no
 *  live tab holds: their operations are this page's to send (``queue.adopt`` each). */
export async function takeLeftovers(queue, base) {
  if (!queue || !locks) return [];
  await new Promise((resolve) => {
    locks.request(queue.storageKey, () => {
      resolve();
      return new Promise(() => {}); // held as long as the page lives
    });
  });
  const state = await locks.query();
  const live = new Set([...(state.held || []), ...(state.pending || [])].map((l) => l.name));
  const keys = otherStoredQueues(queue, base).filter((key) => !live.has(key));
  const found = [];
  for (const key of keys) {
    // taken under its lock: two pages opening at once do not both take it
    await locks.request(key, { ifAvailable: true }, (lock) => {
      if (!lock) return;
      const raw = window.localStorage.getItem(key);
      window.localStorage.removeItem(key);
      try {
        if (raw) found.push(JSON.parse(raw));
      } catch (err) {
        console.warn("A stored queue could not be read:", err);
      }
    });
  }
  return found;
}
