// The project settings page: the codebook edited as a form (codebook-form.js), or as JSON in
// the textarea the page has without JavaScript. The form posts the textarea either way: the
// form's codebook is written into it on submit, with the keys renamed in a hidden field.

import { CodebookForm, renamesOfCodebook } from "./codebook-form.js";
import { QuestionsForm } from "./questions-form.js";

const form = document.getElementById("settings-form");
const config = JSON.parse(document.getElementById("codebook-editor-data").textContent);
const textarea = document.getElementById("codebook_json");
const renamesField = document.getElementById("codebook_renames");
const fileInput = document.getElementById("codebook_file");
const editorBox = document.querySelector("[data-codebook-editor]");
const rawBox = document.querySelector("[data-codebook-raw]");
const modeButton = document.querySelector("[data-codebook-mode]");
const status = document.querySelector("[data-codebook-status]");

function say(text, kind = "info") {
  status.textContent = text;
  status.dataset.kind = kind;
  status.hidden = !text;
}

const editor = new CodebookForm(editorBox, config, (text) => say(text));
const questionsBox = document.createElement("section");
questionsBox.className = "qf";
questionsBox.setAttribute("aria-labelledby", "qf-title");
editorBox.append(questionsBox);
const questions = new QuestionsForm(questionsBox, config.key_pattern, (text) => say(text));

/** The codebook the form holds: the labels' form and the questions' form together. */
function formCodebook() {
  const codebook = editor.read();
  const asked = questions.read();
  if (asked.length) codebook.questions = asked;
  else delete codebook.questions;
  return codebook;
}
let pending = {};
let formMode = false;

function parse(text) {
  const data = JSON.parse(text);
  const codebook = Array.isArray(data) ? { labels: data } : data;
  if (!codebook || typeof codebook !== "object" || !Array.isArray(codebook.labels)) {
    throw new Error('it must be an object with a list "labels"');
  }
  return codebook;
}

function showForm(codebook) {
  editor.load(codebook, pending);
  questions.load(codebook.questions || []);
  formMode = true;
  editorBox.hidden = false;
  rawBox.hidden = true;
  modeButton.textContent = "Edit as JSON";
  modeButton.setAttribute("aria-pressed", "false");
}

function showJson() {
  if (formMode) {
    textarea.value = JSON.stringify(formCodebook(), null, 2);
    pending = editor.renames();
  }
  formMode = false;
  editorBox.hidden = true;
  rawBox.hidden = false;
  modeButton.textContent = "Back to the form";
  modeButton.setAttribute("aria-pressed", "true");
}

modeButton.addEventListener("click", () => {
  if (formMode) {
    showJson();
    textarea.focus();
    return;
  }
  try {
    showForm(parse(textarea.value));
    say("");
  } catch (error) {
    say(`The JSON cannot be shown as a form: ${error.message}. Fix it here, or save to see what the server says.`, "error");
  }
});

fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  if (!file) return;
  let codebook;
  try {
    codebook = parse(await file.text());
  } catch (error) {
    say(`${file.name}: not a codebook (${error.message}).`, "error");
    fileInput.value = "";
    return;
  }
  fileInput.value = ""; // the form's codebook is posted, not the file
  pending = {}; // an imported codebook renames nothing: a changed key is a new label
  textarea.value = JSON.stringify(codebook, null, 2);
  showForm(codebook);
  say(`Loaded ${file.name} into the form: check it, then save the settings.`);
});

form.addEventListener("submit", (event) => {
  if (formMode) {
    const bad = editor.validate();
    const badQuestions = questions.validate();
    if (bad.length || badQuestions.length) {
      event.preventDefault();
      const count = bad.length + badQuestions.length;
      say(`${count} field${count === 1 ? " needs" : "s need"} attention: see the messages in red.`, "error");
      if (bad.length) editor.focusFirst(bad);
      else questions.focusFirst(badQuestions);
      return;
    }
    textarea.value = JSON.stringify(formCodebook(), null, 2);
    const renames = editor.renames();
    renamesField.value = Object.keys(renames).length ? JSON.stringify(renames) : "";
    return;
  }
  try {
    const renames = renamesOfCodebook(parse(textarea.value), config.saved, pending);
    renamesField.value = Object.keys(renames).length ? JSON.stringify(renames) : "";
  } catch {
    renamesField.value = ""; // the server names what is wrong with the JSON
  }
});

// The error summary links to the textarea; in the form, its message above the form is shown.
for (const link of document.querySelectorAll('.error-box a[href="#codebook_json"]')) {
  link.addEventListener("click", (event) => {
    if (!formMode) return;
    event.preventDefault();
    const message = document.getElementById("codebook_json-error");
    if (message) message.scrollIntoView({ block: "center" });
    modeButton.focus();
  });
}

// Start: the form when the textarea holds a codebook (also the one posted back with an
// error), the JSON otherwise.
try {
  pending = renamesField.value ? JSON.parse(renamesField.value) : {};
} catch {
  pending = {};
}
modeButton.hidden = false;
try {
  showForm(parse(textarea.value));
} catch {
  showJson();
}
