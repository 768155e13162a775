// The pharmacy page: upload a manifest, follow the batch, fetch the ZIP.
"use strict";

const batchForm = document.getElementById("batch");
const progress = document.getElementById("progress");
const statusLine = document.getElementById("status");
const problems = document.getElementById("problems");

function say(text) {
  statusLine.textContent = text;
}

function listProblems(items) {
  problems.textContent = "";
  for (const problem of items) {
    const li = document.createElement("li");
    li.textContent = `${problem.file}${problem.line ? `:${problem.line}` : ""}: ${problem.message}. ${problem.fix}`;
    problems.appendChild(li);
  }
}

// The file's bytes as they are: the server reads them by handout batch's rules (UTF-8, or UTF-16 with its
// mark; another code page is refused with a message), where file.text() would turn a Windows-1252 "é"
// into "\uFFFD" on the handout without a word.
async function base64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

async function follow(id) {
  for (;;) {
    const response = await fetch(`/pharmacy/batches/${encodeURIComponent(id)}`, { credentials: "same-origin" });
    if (!response.ok) {
      say(`Lost the batch: ${await handouts.errorText(response)}`);
      return;
    }
    const batch = await response.json();
    progress.max = Math.max(batch.total, 1);
    progress.value = batch.done;
    if (batch.state === "done") {
      const c = batch.counts;
      say(`Done: ${c.written || 0} written, ${c.refused || 0} refused (see report.csv in the ZIP).`);
      const link = document.getElementById("zip");
      link.href = batch.zip;
      document.getElementById("result").hidden = false;
      link.focus();
      return;
    }
    if (batch.state === "refused") {
      say("The defaults file was refused; nothing was made.");
      listProblems(batch.problems);
      return;
    }
    if (batch.state === "failed") {
      say("The batch stopped unexpectedly; nothing was kept. Try again.");
      return;
    }
    say(`${batch.done} of ${batch.total} handouts done…`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

batchForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const csv = document.getElementById("csv");
  const error = document.getElementById("e-csv");
  document.getElementById("result").hidden = true;
  problems.textContent = "";
  if (!csv.files.length) {
    error.textContent = "Error: choose the CSV manifest.";
    error.hidden = false;
    csv.setAttribute("aria-invalid", "true");
    csv.focus();
    say("Choose the CSV manifest first.");
    return;
  }
  error.hidden = true;
  csv.removeAttribute("aria-invalid");
  const defaults = document.getElementById("defaults").files[0];
  const body = {
    csv_base64: await base64(csv.files[0]),
    csv_name: csv.files[0].name,
    defaults_base64: defaults ? await base64(defaults) : "",
    defaults_name: defaults ? defaults.name : "",
    layout: document.getElementById("layout").value,
    paper: document.getElementById("paper").value,
  };
  say("Uploading…");
  const response = await handouts.post("/pharmacy/batches", body);
  if (!response.ok) {
    const refused = await response.clone().json().catch(() => ({}));
    say(`Not started: ${await handouts.errorText(response)}`);
    listProblems(refused.problems || []);
    return;
  }
  const batch = await response.json();
  say(`Started: ${batch.total} prescriptions.`);
  await follow(batch.id);
});
