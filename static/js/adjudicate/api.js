// The JSON API of adjudication: the CSRF header on writes, and every answer turned into
// {ok, status, data, message}, with a sentence a person can act on when it failed.

export class Api {
  constructor(urls) {
    this.urls = urls;
    const meta = document.querySelector('meta[name="csrf-token"]');
    this.csrf = meta ? meta.content : "";
  }

  url(name, values = {}) {
    let url = this.urls[name];
    for (const [k, v] of Object.entries(values)) url = url.replace(`{${k}}`, encodeURIComponent(v));
    return url;
  }

  async call(method, url, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = this.csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (err) {
      return {
        ok: false, status: 0, data: null,
        message: "The server cannot be reached: check the connection and try again.",
      };
    }
    let data = null;
    if ((response.headers.get("Content-Type") || "").includes("application/json")) {
      try { data = await response.json(); } catch { data = null; }
    }
    if (response.ok) return { ok: true, status: response.status, data, message: "" };
    let message = data && data.error ? data.error : `The server answered ${response.status}.`;
    if (response.status === 401) message = "Your session has ended: reload the page and log in again.";
    return { ok: false, status: response.status, data, message, field: data && data.field };
  }
}
