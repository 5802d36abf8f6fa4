// The annotate page's operations of the shared save queue (../shared/queue.js):
//   {kind: "create", key, body}          POST a span; client_id = key, so a repeat after a
//                                        lost answer returns the stored span instead of a copy
//   {kind: "patch",  key, body}          PATCH fields of a span
//   {kind: "delete", key}                DELETE a span
//   {kind: "review", paragraph, reviewed} PUT / DELETE the paragraph's review mark
//   {kind: "answers", body}              PUT the answers to the article-level questions
//   {kind: "submit"}                     POST the submission
//   {kind: "create", key, body, suggestion} accept suggestion `suggestion`: a create of the
//                                        span `body` through POST …/suggestions/SID/accept
//   {kind: "reject", sid}                POST a suggestion's rejection
// Spans are named by their key (the client id); the queue maps keys to server ids.

import { phrased, SaveQueue as SharedQueue } from "../shared/queue.js";

/**
 * Send one operation through the page's Api (shared/api.js): its answer, with `message` a
 * short phrase for the save status while the queue retries ("the server answered 503").
 */
export async function sendOperation(api, op, id) {
  let result;
  switch (op.kind) {
    case "create":
      if (op.suggestion) {
        // the place is the suggestion's; what the body says beyond it changes the suggestion
        const { paragraph: _paragraph, ...fields } = op.body;
        result = await api.call("POST", api.url("suggestion_accept", { sid: op.suggestion }),
          { ...fields, client_id: op.key });
        if (result.status === 410) return { ok: true, status: 410, data: null };
        break;
      }
      // client_id: a repeat after a lost answer returns the stored span instead of a copy
      result = await api.call("POST", api.urls.annotations, { ...op.body, client_id: op.key });
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
    case "answers":
      result = await api.call("PUT", api.urls.answers, op.body);
      break;
    case "reject":
      result = await api.call("POST", api.url("suggestion_reject", { sid: op.sid }));
      // 404: the suggestion is no longer made (the rules or the project's settings changed)
      if (result.status === 404) return { ok: true, status: 404, data: null };
      break;
    default:
      return { ok: false, status: 0, message: `Unknown change '${op.kind}'.` };
  }
  return phrased(result);
}

/** The shared queue with the reviewer's own operations: review marks, answers, submitting. */
export class SaveQueue extends SharedQueue {
  review(paragraph, reviewed) {
    this.setState("review", { paragraph }, { reviewed });
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

  /** Accept suggestion `sid` as span `key` (`span`: its place, label and attributes): a
   *  create like any span's, sent to the suggestion's accept address. */
  accept(key, sid, span) {
    this.create(key, span, undefined, { suggestion: sid });
  }

  reject(sid) {
    this.setState("reject", { sid }, {});
  }

  submit() {
    if (!this.ops.some((op) => op.kind === "submit")) this.push({ kind: "submit" });
    this.changed();
  }
}
