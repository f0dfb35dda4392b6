// unscathed web app: keyboard shortcuts, visible-time measurement, and the red-team workbench.
// Text from the server is always inserted with textContent, never as HTML.
"use strict";

const csrf = () => document.body.dataset.csrf;

// Seconds the page was visible: what "time spent" means for a labeler who switches tabs.
function visibleTimer() {
  let total = 0, since = document.hidden ? null : performance.now();
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && since !== null) { total += performance.now() - since; since = null; }
    else if (!document.hidden && since === null) { since = performance.now(); }
  });
  return () => (total + (since === null ? 0 : performance.now() - since)) / 1000;
}

function shortcuts(form, keys) {
  const seconds = visibleTimer();
  form.addEventListener("submit", () => { document.getElementById("seconds").value = seconds().toFixed(2); });
  document.addEventListener("keydown", (event) => {
    const typing = ["TEXTAREA", "INPUT", "SELECT"].includes(document.activeElement.tagName);
    if (event.key === "Escape" && typing) { document.activeElement.blur(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = keys[event.key.toLowerCase()];
    if (typeof target === "function") { event.preventDefault(); target(); }
    else if (target) { event.preventDefault(); document.getElementById(target).click(); }
  });
}

async function postJSON(url, body) {
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() }, body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `${response.status} ${response.statusText}`);
  return data;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function redTeam() {
  const $ = (id) => document.getElementById(id);
  const status = (text) => { $("rt-status").textContent = text; };
  let attempt = null, threshold = null;

  $("rt-start").addEventListener("submit", async (event) => {
    event.preventDefault();
    status("Sampling…");
    try {
      const data = await postJSON("/api/redteam/attempts", { prompt: $("rt-prompt").value });
      attempt = data.attempt_id; threshold = data.threshold;
      $("rt-version").textContent = data.classifier_version;
      $("rt-threshold").textContent = threshold.toFixed(4);
      const body = $("rt-candidates").querySelector("tbody");
      body.replaceChildren();
      data.candidates.forEach((c, k) => {
        const row = el("tr", undefined, k === data.returned ? { class: "returned" } : {});
        row.append(el("td", c.completion, { class: "text" }), el("td", c.p_injury.toFixed(4)),
          el("td", k === data.returned ? "returned" : (c.accepted ? "accepted" : "rejected")));
        const edit = el("button", "Edit", { type: "button", class: "rt-edit" });
        edit.addEventListener("click", () => { $("rt-completion").value = c.completion; rescore(); });
        const cell = el("td");
        cell.append(edit);
        row.append(cell);
        body.append(row);
      });
      $("rt-work").hidden = false;
      status(data.returned === null ? "The filter returned nothing for this prompt (fail closed)." : "The highlighted row is what the filter returned.");
    } catch (error) { status(`Could not sample: ${error.message}`); }
  });

  const rescore = debounce(async () => {
    const completion = $("rt-completion").value;
    if (!completion.trim()) return;
    try {
      const data = await postJSON("/api/redteam/score", { prompt: $("rt-prompt").value, completion });
      if ($("rt-completion").value !== completion) return;  // a newer edit is on its way
      $("rt-score").textContent = data.p_injury.toFixed(4);
      $("rt-verdict").textContent = data.accepted ? "accepted by the filter" : "rejected by the filter";
      showTokens(completion, data.tokens || []);
    } catch (error) { status(`Could not score: ${error.message}`); }
  }, 300);
  $("rt-completion").addEventListener("input", rescore);

  function showTokens(text, tokens) {
    const box = $("rt-tokens");
    box.replaceChildren();
    const top = Math.max(1e-9, ...tokens.map((t) => Math.abs(t.saliency)));
    let at = 0;
    for (const t of tokens) {
      if (t.start > at) box.append(document.createTextNode(text.slice(at, t.start)));
      const share = t.saliency / top;
      const span = el("span", text.slice(t.start, t.end), { class: "token", title: `saliency ${t.saliency.toFixed(4)}` });
      span.style.background = share > 0 ? `rgba(220,40,40,${share * 0.6})` : `rgba(40,120,220,${-share * 0.6})`;
      span.addEventListener("click", () => substitutions(text, t.start, t.end));
      box.append(span);
      at = Math.max(at, t.end);
    }
    if (at < text.length) box.append(document.createTextNode(text.slice(at)));
  }

  async function substitutions(text, start, end) {
    const list = $("rt-subs");
    list.replaceChildren(el("li", "Ranking replacements…"));
    try {
      const data = await postJSON("/api/redteam/substitutions", { prompt: $("rt-prompt").value, completion: text, start, end, saliency: false });
      list.replaceChildren();
      for (const s of data.substitutions) {
        const item = el("li");
        const use = el("button", `${s.replacement}  (${s.p_injury.toFixed(4)})`, { type: "button", class: "rt-sub" });
        use.addEventListener("click", () => { $("rt-completion").value = s.completion; list.replaceChildren(); rescore(); });
        item.append(use);
        list.append(item);
      }
    } catch (error) { list.replaceChildren(el("li", `Could not rank replacements: ${error.message}`)); }
  }

  $("rt-submit").addEventListener("click", async () => {
    try {
      const data = await postJSON(`/api/redteam/attempts/${attempt}/submit`, { completion: $("rt-completion").value });
      status(`Submitted after ${Math.round(data.seconds_to_submit)} s; labelers will verify it. Sample again for a new attempt.`);
      $("rt-submit").disabled = true;
    } catch (error) { status(`Not submitted: ${error.message}`); }
  });
  $("rt-start").addEventListener("submit", () => { $("rt-submit").disabled = false; });
}

document.addEventListener("DOMContentLoaded", () => {
  const label = document.getElementById("label-form");
  if (label) shortcuts(label, { "1": "answer-1", "0": "answer-0", "u": "answer-unsure", "n": () => document.getElementById("note").focus() });
  const compare = document.getElementById("compare-form");
  if (compare) shortcuts(compare, { "a": "choice-first", "b": "choice-second", "t": "choice-tie" });
  if (document.getElementById("rt-start")) redTeam();
});
