// The clinician's form: narrows pickers from the content library, checks as you type,
// previews, prints and downloads. Only the clinic's details are remembered (localStorage);
// nothing about the patient is kept in the browser.
"use strict";

const CLINIC_KEY = "handouts.clinic";
const form = document.getElementById("rx");
const choices = JSON.parse(document.getElementById("choices").textContent);
const statusLine = document.getElementById("status");
const summary = document.getElementById("summary");
const touched = new Set();
let showAll = false;
let current = null;      // {pdf: Blob} of the last preview, until the form changes
let checkTimer = null;
let checkSeq = 0;

// ---- reading and writing the form ------------------------------------------------

function fieldsOf(root) {
  return [...root.querySelectorAll("[data-path]")].filter((el) => !el.closest("template"));
}

function setPath(obj, path, value) {
  const parts = path.split(".");
  let node = obj;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]);
    if (last) node[part] = value;
    else {
      if (node[part] === undefined) node[part] = nextIsIndex ? [] : {};
      node = node[part];
    }
  });
}

function valueOf(el) {
  if (el.dataset.type === "boolean") return el.checked ? true : undefined;
  const text = el.value.trim();
  if (text === "") return undefined;
  if (el.dataset.type === "integer" && /^\d+$/.test(text)) return parseInt(text, 10);
  return text;
}

function collect() {
  const data = {};
  for (const el of fieldsOf(form)) {
    if (el.dataset.multi !== undefined) continue;
    const value = valueOf(el);
    if (value !== undefined) setPath(data, el.dataset.path, value);
  }
  for (const group of form.querySelectorAll("[data-multi]")) {
    const picked = [...group.querySelectorAll("input:checked")].map((box) => box.value);
    if (picked.length) setPath(data, group.dataset.multi, picked);
  }
  if (data.schedule && Array.isArray(data.schedule.phases)) {
    data.schedule.phases = data.schedule.phases.filter((phase) => phase);
  }
  return data;
}

function leaves(obj, prefix, out) {
  for (const [key, value] of Object.entries(obj || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value)) leaves(value, path, out);
    else if (Array.isArray(value) && value.length && typeof value[0] === "object") {
      value.forEach((item, i) => leaves(item, `${path}.${i}`, out));
    } else out.push([path, value]);
  }
  return out;
}

function setSelect(select, value) {
  const text = String(value);
  let option = [...select.options].find((o) => o.value.toLowerCase() === text.toLowerCase());
  if (!option) {
    option = new Option(text, text);      // keep what the file says; the check will judge it
    select.add(option);
  }
  select.value = option.value;
}

function fill(data) {
  form.reset();
  form.querySelectorAll("[data-list] .items").forEach((list) => (list.textContent = ""));
  const phases = (data.schedule && data.schedule.phases) || [];
  phases.forEach(() => addItem(form.querySelector("[data-list]")));
  if (!phases.length) addItem(form.querySelector("[data-list]"));
  const pending = [];
  for (const [path, value] of leaves(data, "", [])) {
    if (path === "sites" || path === "confirm" && Array.isArray(value)) {
      pending.push([path, value]);
      continue;
    }
    const el = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
    if (!el) continue;
    if (el.dataset.type === "boolean") el.checked = Boolean(value);
    else if (el.tagName === "SELECT") {
      setSelect(el, value);
      el.dispatchEvent(new Event("change", { bubbles: true }));
    } else el.value = Array.isArray(value) ? value.join(", ") : value;
  }
  for (const [path, value] of pending) {
    if (path === "sites") pickSites([].concat(value));
    else form.querySelector(`[data-path="${path}"]`).value = value.join(", ");
  }
  restoreClinic(false);
}

// ---- the pickers: medication → routes → sites and needles ----------------------------

function byWidget(name) {
  return form.querySelector(`[data-widget="${name}"]`);
}

function options(select, items, placeholder) {
  const keep = select.value;
  select.textContent = "";
  select.add(new Option(placeholder, ""));
  for (const item of items) select.add(new Option(item.label, item.value));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

function medicationChanged() {
  const med = choices.medications[byWidget("medication").value];
  const routes = med ? Object.entries(med.routes) : [];
  options(byWidget("route"), routes.map(([value, kind]) => ({
    value, label: kind === "off-label" ? `${value} (off-label: tick Off label to print it)` : value,
  })), med ? "Choose a route…" : "Pick a medication first");
  const strength = byWidget("strength");
  if (strength) options(strength, (med ? med.strengths : []).map((s) => ({ value: s, label: s })), "Choose…");
  if (strength && med && med.strengths.length === 1) strength.value = med.strengths[0];
  routeChanged();
}

function routeChanged() {
  const route = choices.routes[byWidget("route").value];
  const gauge = byWidget("gauge");
  if (gauge) options(gauge, (route ? route.gauges : []).map((g) => ({ value: String(g), label: `${g} gauge` })),
    route ? "Choose…" : "Pick a route first");
  const length = byWidget("needle-length");
  if (length) options(length, route ? route.lengths : [], route ? "Choose…" : "Pick a route first");
  const box = form.querySelector("[data-sites]");
  const picked = [...box.querySelectorAll("input:checked")].map((b) => b.value);
  box.textContent = "";
  (route ? route.sites : []).forEach((site, i) => box.appendChild(siteBox(site.value, site.label, site.discouraged, i)));
  pickSites(picked, false);
}

function siteBox(value, label, discouraged, i) {
  const wrap = document.createElement("div");
  wrap.className = "field check";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.id = `site-${i}`;
  box.value = value;
  box.dataset.multiItem = "";
  const text = document.createElement("label");
  text.htmlFor = box.id;
  text.textContent = discouraged ? `${label} (discouraged: needs confirm)` : label;
  wrap.append(box, text);
  return wrap;
}

function pickSites(values, addMissing = true) {
  const box = form.querySelector("[data-sites]");
  for (const value of values) {
    let input = [...box.querySelectorAll("input")].find((b) => b.value.toLowerCase() === String(value).toLowerCase());
    if (!input && addMissing) {
      box.appendChild(siteBox(value, value, false, box.children.length));
      input = box.lastElementChild.querySelector("input");
    }
    if (input) input.checked = true;
  }
}

// ---- the phase builder -------------------------------------------------------------

function addItem(list) {
  const template = document.getElementById(`t-${list.id}`);
  const items = list.querySelector(".items");
  items.appendChild(template.content.cloneNode(true));
  renumber(list);
  return items.lastElementChild;
}

function renumber(list) {
  [...list.querySelectorAll(".items > .item")].forEach((item, n) => {
    item.querySelectorAll("[data-number]").forEach((el) => (el.textContent = n + 1));
    item.querySelectorAll("[id], [for], [aria-describedby], [data-path]").forEach((el) => {
      for (const [attr, key] of [["id", "tid"], ["for", "tfor"], ["aria-describedby", "tdescribed"]]) {
        if (el.hasAttribute(attr)) {
          const original = el.dataset[key] || el.getAttribute(attr);
          el.dataset[key] = original;
          el.setAttribute(attr, original.replace(/-N-/g, `-${n}-`));
        }
      }
      if (el.dataset.path) {
        el.dataset.tpath = el.dataset.tpath || el.dataset.path;
        el.dataset.path = el.dataset.tpath.replace("*", n);
      }
    });
  });
}

// ---- checks, shown next to each field --------------------------------------------

function pathOf(field) {
  return field.replace(/\[(\d+)\]/g, ".$1");
}

function elementFor(field) {
  let path = pathOf(field);
  while (path) {
    const el = form.querySelector(`[data-path="${CSS.escape(path)}"]`)
      || form.querySelector(`[data-multi="${CSS.escape(path)}"]`)
      || form.querySelector(`[data-group="${CSS.escape(path)}"]`)
      || form.querySelector(`[data-list="${CSS.escape(path)}"]`)
      || itemFor(path);
    if (el) return el;
    path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
  }
  return null;
}

function itemFor(path) {
  const match = /^(.*)\.(\d+)$/.exec(path);
  if (!match) return null;
  const list = form.querySelector(`[data-list="${CSS.escape(match[1])}"]`);
  return list ? list.querySelectorAll(".items > .item > fieldset")[match[2]] || null : null;
}

function errorBox(el) {
  const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/);
  const id = ids.find((i) => i.startsWith("e-"));
  if (id) return document.getElementById(id);
  let box = el.querySelector(":scope > .problem");
  if (!box) {
    box = document.createElement("p");
    box.className = "problem";
    box.id = `e-item-${Math.random().toString(36).slice(2)}`;
    el.querySelector("legend").after(box);
    el.setAttribute("aria-describedby", box.id);
  }
  return box;
}

function labelOf(el) {
  const label = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
  const source = label || el.querySelector(":scope > legend");
  if (!source) return "";
  const copy = source.cloneNode(true);
  copy.querySelectorAll(".req").forEach((r) => r.remove());
  return copy.textContent.trim();
}

function wording(problem, el) {
  const kind = problem.severity === "warning" ? "Warning" : "Error";
  const name = el ? labelOf(el) : problem.field;
  const fix = problem.fix ? ` To fix: ${problem.fix}` : "";
  return `${kind}: ${name ? `${name} ` : ""}${problem.message}.${fix}`;
}

function isTouched(el) {
  if (showAll) return true;
  if (!el) return false;
  const path = el.dataset.path || el.dataset.multi || el.dataset.group || el.dataset.list || "";
  return [...touched].some((t) => t === path || t.startsWith(`${path}.`) || path.startsWith(`${t}.`));
}

function showProblems(problems) {
  form.querySelectorAll(".problem").forEach((p) => {
    p.hidden = true;
    p.textContent = "";
  });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const shown = [];
  for (const problem of problems) {
    const el = elementFor(problem.field);
    if (!isTouched(el) && !(showAll && !el)) continue;
    shown.push([problem, el]);
    if (!el) continue;
    const box = errorBox(el);
    box.hidden = false;
    box.classList.toggle("warning", problem.severity === "warning" && !box.classList.contains("error"));
    if (problem.severity === "error") box.classList.add("error");
    box.textContent = box.textContent ? `${box.textContent} ${wording(problem, el)}` : wording(problem, el);
    if (problem.severity === "error") el.setAttribute("aria-invalid", "true");
  }
  return shown;
}

function describe(problems) {
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}

async function check() {
  const seq = ++checkSeq;
  const response = await handouts.post("/api/check", collect());
  if (seq !== checkSeq) return null;     // a newer check is under way
  if (!response.ok) {
    statusLine.textContent = `Could not check: ${await handouts.errorText(response)}`;
    return null;
  }
  const result = await response.json();
  const shown = showProblems(result.problems);
  if (shown.length) statusLine.textContent = `Checked: ${describe(shown.map(([p]) => p))}.`;
  else if (!current) statusLine.textContent = result.ok ? "No problems so far." : "Keep filling in the form.";
  return result;
}

function showSummary(problems) {
  const list = summary.querySelector("ul");
  list.textContent = "";
  for (const problem of problems.filter((p) => p.severity === "error")) {
    const item = document.createElement("li");
    const el = elementFor(problem.field);
    const text = wording(problem, el);
    if (el && el.id) {
      const link = document.createElement("a");
      link.href = `#${el.id}`;
      link.textContent = text;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        el.focus();
      });
      item.appendChild(link);
    } else item.textContent = text;
    list.appendChild(item);
  }
  summary.hidden = !list.children.length;
  if (!summary.hidden) summary.focus();
}

function scheduleCheck() {
  current = null;
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, 300);
}

// ---- the handout -----------------------------------------------------------------

function outputQuery() {
  const layout = document.getElementById("layout").value;
  const paper = document.getElementById("paper").value;
  return `?layout=${encodeURIComponent(layout)}&paper=${encodeURIComponent(paper)}`;
}

async function makeHandout() {
  showAll = true;
  clearTimeout(checkTimer);
  const result = await check();
  if (!result) return null;
  if (!result.ok) {
    showSummary(result.problems);
    statusLine.textContent = `No handout: ${describe(result.problems)}. The list above links to each field.`;
    return null;
  }
  summary.hidden = true;
  statusLine.textContent = "Making the handout…";
  const response = await handouts.post(`/api/preview${outputQuery()}`, collect());
  if (response.status === 422) {
    const data = await response.json();
    showProblems(data.problems);
    showSummary(data.problems);
    statusLine.textContent = `No handout: ${describe(data.problems)}.`;
    return null;
  }
  if (!response.ok) {
    statusLine.textContent = `No handout: ${await handouts.errorText(response)}`;
    return null;
  }
  const data = await response.json();
  current = { pdf: new Blob([handouts.bytes(data.pdf)], { type: "application/pdf" }) };
  const pages = document.getElementById("pages");
  pages.textContent = "";
  data.pages.forEach((png, i) => {
    const img = document.createElement("img");
    img.src = `data:image/png;base64,${png}`;
    img.alt = `Page ${i + 1} of ${data.pages.length} of the handout`;
    pages.appendChild(img);
  });
  const warnings = data.problems.length ? ` ${describe(data.problems)}: see the fields.` : "";
  statusLine.textContent = `Handout ready: ${data.pages.length} page${data.pages.length === 1 ? "" : "s"}.${warnings}`;
  return current;
}

async function ensureHandout() {
  return current || (await makeHandout());
}

// The PDF itself is printed, not this page: the browser opens it in its PDF viewer inside a frame
// out of sight, and the frame's print() prints that document. One frame at a time.
function printPdf(blob) {
  const old = document.querySelector(".print-frame");
  if (old) {
    URL.revokeObjectURL(old.src);
    old.remove();
  }
  const frame = document.createElement("iframe");
  frame.className = "print-frame";
  frame.title = "Handout for printing";
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  frame.src = URL.createObjectURL(blob);
  frame.addEventListener("load", () => {
    statusLine.textContent = "Printing the handout: choose the printer in the print dialog.";
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch (e) {
      window.open(frame.src);      // a browser that will not print a frame: the PDF in a tab, to print from there
    }
  });
  document.body.appendChild(frame);
}

// ---- the clinic's details, remembered in this browser ---------------------------------

function clinicFields() {
  return [...form.querySelectorAll("[data-remember][data-path], [data-remember] [data-path], [data-remember] [data-option]")]
    .filter((el) => !el.closest("template"));
}

function saveClinic() {
  const saved = {};
  for (const el of clinicFields()) saved[el.dataset.path || `option.${el.dataset.option}`] = el.value;
  localStorage.setItem(CLINIC_KEY, JSON.stringify(saved));
}

function restoreClinic(overwrite = true) {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(CLINIC_KEY) || "{}");
  } catch (e) {
    return;
  }
  for (const el of clinicFields()) {
    const value = saved[el.dataset.path || `option.${el.dataset.option}`];
    if (value !== undefined && (overwrite || !el.value)) el.value = value;
  }
}

// ---- wiring --------------------------------------------------------------------------

form.addEventListener("input", (event) => {
  if (event.target.closest("[data-remember]")) saveClinic();
  scheduleCheck();
});
form.addEventListener("change", (event) => {
  const el = event.target;
  const path = el.dataset.path || (el.closest("[data-multi]") || {}).dataset?.multi;
  if (path) touched.add(path);
  if (el.dataset.widget === "medication") medicationChanged();
  if (el.dataset.widget === "route") routeChanged();
  if (el.closest("[data-remember]")) saveClinic();
  scheduleCheck();
});
form.addEventListener("focusout", (event) => {
  const path = event.target.dataset.path;
  if (path && event.target.value) {
    touched.add(path);
    scheduleCheck();
  }
});
form.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add]");
  const remove = event.target.closest("[data-remove]");
  if (add) {
    const item = addItem(add.closest("[data-list]"));
    item.querySelector("input, select").focus();
    scheduleCheck();
  } else if (remove) {
    const list = remove.closest("[data-list]");
    remove.closest(".item").remove();
    renumber(list);
    list.focus();
    scheduleCheck();
  }
});
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  await makeHandout();
});
document.getElementById("download").addEventListener("click", async () => {
  const handout = await ensureHandout();
  if (handout) handouts.save(handout.pdf, "handout.pdf");
});
document.getElementById("print").addEventListener("click", async () => {
  const handout = await ensureHandout();
  if (handout) printPdf(handout.pdf);
});
document.getElementById("patient-download").addEventListener("click", async () => {
  if (!(await ensureHandout())) return;
  const password = document.getElementById("password").value;
  const response = await handouts.post(`/api/render${outputQuery()}`, collect(), "application/json",
    password ? { "X-PDF-Password": password } : {});
  if (!response.ok) {
    statusLine.textContent = `No patient copy: ${await handouts.errorText(response)}`;
    return;
  }
  handouts.save(await response.blob(), password ? "handout-protected.pdf" : "handout.pdf");
  statusLine.textContent = password ? "Patient copy ready, protected by the password." : "Patient copy ready.";
});
document.getElementById("save-yaml").addEventListener("click", async () => {
  const response = await handouts.post("/api/yaml", collect());
  if (response.ok) handouts.save(await response.blob(), "prescription.yaml");
  else statusLine.textContent = `Could not save: ${await handouts.errorText(response)}`;
});
document.getElementById("open-yaml").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const response = await handouts.post("/api/parse", await file.text(), "application/yaml");
  event.target.value = "";
  if (!response.ok) {
    statusLine.textContent = `Could not open ${file.name}: ${await handouts.errorText(response)}`;
    return;
  }
  fill(await response.json());
  clearTimeout(checkTimer);          // the pickers' change events asked for one; this one covers them
  showAll = true;
  current = null;
  const result = await check();
  const found = result && result.problems.length ? `${describe(result.problems)}, shown by each field` : "no problems";
  statusLine.textContent = `Opened ${file.name}: ${found}.`;
});
document.getElementById("new-patient").addEventListener("click", () => {
  fill({});
  showAll = false;
  touched.clear();
  current = null;
  document.getElementById("pages").textContent = "";
  summary.hidden = true;
  showProblems([]);
  statusLine.textContent = "Form cleared for the next patient; your clinic's details are kept.";
  form.querySelector("[data-path]").focus();
});

addItem(form.querySelector("[data-list]"));
restoreClinic();
medicationChanged();
