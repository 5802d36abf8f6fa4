// The JSON API as the pages call it: URLs from the page's data block, the CSRF token on
// writes (fetched again once when the session was renewed while the page stayed open), and
// every answer sorted into what a caller does with it. `call` never throws; it resolves to
//   {ok: true, status, data}                                  done
//   {ok: false, auth: true, status, message}                  the session has ended
//   {ok: false, retry: true, cause, status, message}          try again later; cause:
//        network (no answer, or a proxy's 408, 502 or 504), busy (429, 503), server (other 5xx)
//   {ok: false, status, message, field, data}                 refused (4xx): the server's
//        sentence, and the field at fault when one is
// with `message` a sentence a person can act on.

import { csrfToken, fillUrl, requestJson } from "./http.js";

const UNREACHABLE = "The server cannot be reached: check the connection and try again.";
const SESSION_ENDED = "Your session has ended: reload the page and log in again.";

export class Api {
  /** `urls`: name -> URL or URL template ("/api/annotations/{id}"); `csrf` (where a fresh
   *  token is fetched) and `login` (where an ended session is sent) are used when given.
   *  `headers`: more headers for every request (the annotate page's paragraph layout). */
  constructor(urls, { headers = {} } = {}) {
    this.urls = urls;
    this.headers = headers;
    this.csrf = csrfToken();
  }

  url(name, values = {}) {
    return fillUrl(this.urls[name], values);
  }

  async call(method, url, body, csrfRetried = false) {
    let response;
    let data;
    try {
      ({ response, data } = await requestJson(method, url, body, this.csrf, this.headers));
    } catch {
      return { ok: false, retry: true, cause: "network", status: 0, message: UNREACHABLE };
    }
    const status = response.status;
    if (status === 401 || (this.urls.login && response.redirected
        && new URL(response.url).pathname === this.urls.login)) {
      return { ok: false, auth: true, status, message: SESSION_ENDED };
    }
    if (response.ok) return { ok: true, status, data };
    const message = (data && data.error) || `The server answered ${status}.`;
    if (status === 400 && /csrf/i.test(message) && !csrfRetried && this.urls.csrf) {
      const fresh = await this.call("GET", this.urls.csrf, undefined, true);
      if (fresh.ok && fresh.data && fresh.data.csrf_token) {
        this.csrf = fresh.data.csrf_token;
        return this.call(method, url, body, true);
      }
      if (fresh.retry || fresh.auth) return fresh;
    }
    if (status === 408 || status === 429 || status >= 500) {
      let cause = "server";
      if ([408, 502, 504].includes(status)) cause = "network";
      else if (status === 429 || status === 503) cause = "busy";
      return { ok: false, retry: true, cause, status, message };
    }
    return { ok: false, status, message, field: data && data.field, data };
  }

  /** DELETE, where a 404 is done too: what was to go is gone. */
  async remove(url) {
    const result = await this.call("DELETE", url);
    return result.status === 404 ? { ok: true, status: 404, data: null } : result;
  }
}
