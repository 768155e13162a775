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
    csv: await csv.files[0].text(),
    csv_name: csv.files[0].name,
    defaults: defaults ? await defaults.text() : "",
    defaults_name: defaults ? defaults.name : "",
    layout: document.getElementById("layout").value,
    paper: document.getElementById("paper").value,
  };
  say("Uploading…");
  const response = await handouts.post("/pharmacy/batches", body);
  if (!response.ok) {
    say(`Not started: ${await handouts.errorText(response)}`);
    return;
  }
  const batch = await response.json();
  say(`Started: ${batch.total} prescriptions.`);
  await follow(batch.id);
});
