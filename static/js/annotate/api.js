// Talking to the JSON API: the CSRF header on writes, and every answer sorted into what the
// save queue does with it (done, retry later, log in again, or refused for good).

import { csrfToken, fillUrl, requestJson } from "../shared/http.js";

export class Api {
  constructor(urls) {
    this.urls = urls;
    this.csrf = csrfToken();
  }

  url(name, values = {}) {
    return fillUrl(this.urls[name], values);
  }

  fetchJson(method, url, body) {
    return requestJson(method, url, body, this.csrf);
  }

  /** A fresh CSRF token (the session was renewed while the page stayed open). */
  async refreshCsrf() {
    const { response, data } = await this.fetchJson("GET", this.urls.csrf);
    if (response.ok && data && data.csrf_token) {
      this.csrf = data.csrf_token;
      return true;
    }
    return false;
  }

  /** Send one queue operation; never throws. */
  async send(op, id) {
    let method;
    let url;
    let body;
    switch (op.kind) {
      case "create":
        [method, url, body] = ["POST", this.urls.annotations, op.body];
        break;
      case "patch":
        [method, url, body] = ["PATCH", this.url("annotation", { id }), op.body];
        break;
      case "delete":
        [method, url] = ["DELETE", this.url("annotation", { id })];
        break;
      case "review":
        [method, url] = [op.reviewed ? "PUT" : "DELETE", this.url("review", { index: op.paragraph })];
        break;
      case "submit":
        [method, url] = ["POST", this.urls.submit];
        break;
      default:
        return { fatal: true, status: 0, message: `Unknown change '${op.kind}'.` };
    }
    return this.classify(() => this.fetchJson(method, url, body), op);
  }

  async classify(call, op, csrfRetried = false) {
    let response;
    let data;
    try {
      ({ response, data } = await call());
    } catch (err) {
      return { retry: true, cause: "network", message: "the server cannot be reached" };
    }
    const status = response.status;
    if (response.redirected && new URL(response.url).pathname === this.urls.login) {
      return { auth: true };
    }
    if (status === 401) return { auth: true };
    if (response.ok) return { ok: true, data };
    if (op && op.kind === "delete" && status === 404) return { ok: true, data: null };
    const message = (data && data.error) || `The server answered ${status}.`;
    if (status === 400 && /csrf/i.test(message) && !csrfRetried) {
      try {
        if (await this.refreshCsrf()) return this.classify(call, op, true);
      } catch {
        return { retry: true, cause: "network", message: "the server cannot be reached" };
      }
    }
    if (status === 408 || status === 429 || status >= 500) {
      // 502, 504, 408: no answer through a proxy (the server down or restarting) is the
      // network's kind of failure; 429, 503: busy; any other 5xx: the server itself failed
      let cause = "server";
      if ([408, 502, 504].includes(status)) cause = "network";
      else if (status === 429 || status === 503) cause = "busy";
      return { retry: true, cause, message: `the server answered ${status}` };
    }
    return { fatal: true, status, message, field: data && data.field };
  }
}
