// The JSON API of adjudication: the CSRF header on writes, and every answer turned into
// {ok, status, data, message}, with a sentence a person can act on when it failed.

import { csrfToken, fillUrl, requestJson } from "../shared/http.js";

export class Api {
  constructor(urls) {
    this.urls = urls;
    this.csrf = csrfToken();
  }

  url(name, values = {}) {
    return fillUrl(this.urls[name], values);
  }

  async call(method, url, body) {
    let response;
    let data;
    try {
      ({ response, data } = await requestJson(method, url, body, this.csrf));
    } catch (err) {
      return {
        ok: false, status: 0, data: null,
        message: "The server cannot be reached: check the connection and try again.",
      };
    }
    if (response.ok) return { ok: true, status: response.status, data, message: "" };
    let message = data && data.error ? data.error : `The server answered ${response.status}.`;
    if (response.status === 401) message = "Your session has ended: reload the page and log in again.";
    return { ok: false, status: response.status, data, message, field: data && data.field };
  }
}
