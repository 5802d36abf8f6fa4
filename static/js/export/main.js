// The downloads page: the Download button follows the form at once (format, reviewers, gold
// only, submitted only) with each format's own file name; the documents' filters, which the
// server resolves to document ids, still need "Update the selection".

const form = document.querySelector("[data-export-form]");
const link = form && form.querySelector("[data-download]");

function chosen(name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

function update() {
  const url = new URL(link.href, window.location.href);
  const params = url.searchParams;
  const fmt = chosen("format")[0] || params.get("format") || "jsonl";
  params.set("format", fmt);
  const reviewers = chosen("reviewer");
  // a blind project has no reviewer boxes: the server's choice stays in the link
  if (form.querySelector('input[name="reviewer"]')) {
    if (reviewers.length) params.set("reviewers", reviewers.join(","));
    else params.delete("reviewers");
  }
  for (const option of ["gold_only", "submitted_only"]) {
    if (!form.querySelector(`input[name="${option}"]`)) continue;
    if (chosen(option).length) params.set(option, "1");
    else params.delete(option);
  }
  const gold = params.has("gold_only");
  const submitted = params.has("submitted_only");
  const files = JSON.parse(form.dataset.files);
  const slug = form.dataset.slug;
  // the format's file name, with the options as the server names them (exports.filename)
  const suffix = [gold ? "gold" : null, submitted ? "submitted" : null].filter(Boolean).join("-");
  const file = suffix ? files[fmt].replace(/(\.[a-z]+)$/, `-${suffix}$1`) : files[fmt];
  link.href = url.pathname + "?" + params.toString();
  link.setAttribute("download", file);
  link.querySelector("[data-download-format]").textContent = fmt;
  link.querySelector("[data-download-file]").textContent = `(${file})`;
  const cli = form.querySelector("[data-cli]");
  if (cli) {
    cli.textContent = `annotator export ${slug} --format ${fmt}${gold ? " --gold-only" : ""}`
      + `${submitted ? " --submitted-only" : ""}${fmt === "brat" ? ` -o ${file}` : ""}`;
  }
  const api = form.querySelector("[data-api]");
  if (api) api.textContent = `GET ${link.getAttribute("href")}`;
}

if (form && link) {
  form.addEventListener("change", (event) => {
    if (event.target.matches('input[name="format"], input[name="reviewer"], '
      + 'input[name="gold_only"], input[name="submitted_only"]')) update();
  });
  update();
}
