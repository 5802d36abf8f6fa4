// The save queue: every change the reviewer makes becomes an operation, written to
// localStorage at once (keyed by user and document) and sent to the server in order, one at a
// time, retried with growing waits while the network or the server fails.
//
// Operations:
//   {kind: "create", key, body}          POST a span; body.client_id = key, so a repeat after a
//                                        lost answer returns the stored span instead of a copy
//   {kind: "patch",  key, body}          PATCH fields of a span
//   {kind: "delete", key}                DELETE a span
//   {kind: "review", paragraph, reviewed} PUT / DELETE the paragraph's review mark
//   {kind: "submit"}                     POST the submission
//   {kind: "accept", key, sid, span, body} POST a suggestion's acceptance: a create (of the
//                                        span ``span``) whose body holds the client_id
//   {kind: "reject", sid}                POST a suggestion's rejection
// Spans are named by their key (the client id); `ids` maps keys to server ids once known.
// A patch or delete of a span whose create has not been answered yet waits behind it (the
// queue is strictly in order) and is sent with the id the create returned. Before a create has
// ever been sent, later patches are folded into it and a delete simply removes it.

const VERSION = 1;

/** A create of a span: by hand, or by accepting a suggestion. */
export const isCreate = (op) => op.kind === "create" || op.kind === "accept";

/**
 * Send one operation through the page's Api (shared/api.js): its answer, with `message` a
 * short phrase for the save status while the queue retries ("the server answered 503").
 */
export async function sendOperation(api, op, id) {
  let result;
  switch (op.kind) {
    case "create":
      result = await api.call("POST", api.urls.annotations, op.body);
      // 410: this client_id's span was created and deleted since (another tab): settled.
      if (result.status === 410) return { ok: true, status: 410, data: null };
      break;
    case "patch":
      result = await api.call("PATCH", api.url("annotation", { id }), op.body);
      break;
    case "delete":
      result = await api.remove(api.url("annotation", { id }));
      break;
    case "review":
      result = await api.call(op.reviewed ? "PUT" : "DELETE", api.url("review", { index: op.paragraph }));
      break;
    case "submit":
      result = await api.call("POST", api.urls.submit);
      break;
    case "accept":
      result = await api.call("POST", api.url("suggestion_accept", { sid: op.sid }), op.body);
      if (result.status === 410) return { ok: true, status: 410, data: null };
      break;
    case "reject":
      result = await api.call("POST", api.url("suggestion_reject", { sid: op.sid }));
      // 404: the suggestion is no longer made (the rules or the project's settings changed)
      if (result.status === 404) return { ok: true, status: 404, data: null };
      break;
    case "answers":
      result = await api.call("PUT", api.urls.answers, op.body);
      break;
    default:
      return { ok: false, status: 0, message: `Unknown change '${op.kind}'.` };
  }
  if (result.retry) {
    result.message = result.status ? `the server answered ${result.status}` : "the server cannot be reached";
  }
  return result;
}

export class SaveQueue {
  /**
   * @param {object} o
   * @param {string} o.storageKey   localStorage key
   * @param {(op, id) => Promise<object>} o.send  sends one op (``sendOperation``); resolves
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

  create(key, body, id = undefined) {
    if (id != null) this.ids[key] = id;
    this.push({ kind: "create", key, body: { ...body, client_id: key } });
    this.changed();
  }

  patch(key, fields, { delay = 0 } = {}) {
    const notBefore = delay ? Date.now() + delay : 0;
    for (let i = this.ops.length - 1; i >= 0; i -= 1) {
      const op = this.ops[i];
      if (op.key !== key) continue;
      if (isCreate(op) && op.attempts === 0 && this.pending(op)) {
        Object.assign(op.body, fields);
        if (op.span) Object.assign(op.span, fields);
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
    this.push({ kind: "patch", key, body: { ...fields }, notBefore });
    this.changed();
  }

  remove(key) {
    let neverSent = false;
    this.ops = this.ops.filter((op) => {
      if (op.key !== key || !this.pending(op)) return true;
      if (op.kind === "patch") return false;
      if (isCreate(op) && op.attempts === 0) {
        neverSent = true;
        return false;
      }
      return true;
    });
    if (!neverSent) this.push({ kind: "delete", key });
    this.changed();
  }

  /** Accept suggestion ``sid``: span ``key`` (``span``: its place, label and attributes, for
   *  drawing it before the server answers). */
  accept(key, sid, span) {
    this.push({ kind: "accept", key, sid, span: { ...span }, body: { client_id: key } });
    this.changed();
  }

  reject(sid) {
    this.push({ kind: "reject", sid });
    this.changed();
  }

  review(paragraph, reviewed) {
    this.ops = this.ops.filter((op) => !(op.kind === "review" && op.paragraph === paragraph
      && this.pending(op)));
    this.push({ kind: "review", paragraph, reviewed });
    this.changed();
  }

  /** The reviewer's answers to the article-level questions, replaced whole: an unsent
   *  earlier version is dropped (only the latest matters). */
  answers(body, { delay = 0 } = {}) {
    const notBefore = delay ? Date.now() + delay : 0;
    this.ops = this.ops.filter((op) => !(op.kind === "answers" && this.pending(op)));
    // before a queued submit, which needs them
    const at = this.ops.findIndex((op) => op.kind === "submit" && this.pending(op));
    const op = { kind: "answers", body: { ...body }, notBefore };
    op.seq = ++this.seq;
    op.attempts = 0;
    if (at === -1) this.ops.push(op);
    else this.ops.splice(at, 0, op);
    this.changed();
  }

  submit() {
    if (!this.ops.some((op) => op.kind === "submit")) this.push({ kind: "submit" });
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
        if (op.key && !isCreate(op)) {
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
          if (isCreate(op) && result.data && result.data.id != null) {
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
        if (isCreate(op)) {
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
