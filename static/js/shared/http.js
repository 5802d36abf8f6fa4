// JSON over HTTP for the pages: the CSRF token from the page's meta tag on writes, URL
// templates filled from data-* values, and the answer's JSON body read when there is one.

/** The CSRF token the server put in <meta name="csrf-token">. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** "/api/annotations/{id}" with {id: 7} -> "/api/annotations/7". */
export function fillUrl(template, values = {}) {
  let url = template;
  for (const [k, v] of Object.entries(values)) url = url.replace(`{${k}}`, encodeURIComponent(v));
  return url;
}

/**
 * Send a request and read its JSON answer: resolves to {response, data} (data is null when
 * the answer is not JSON); rejects only when the server cannot be reached.
 */
export async function requestJson(method, url, body, csrf, extra = {}) {
  const headers = { Accept: "application/json", ...extra };
  if (method !== "GET") headers["X-CSRFToken"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("application/json")) {
    try { data = await response.json(); } catch { data = null; }
  }
  return { response, data };
}
