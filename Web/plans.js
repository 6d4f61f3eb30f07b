// Loaded after app.js, whose helpers (api, el, showError, state…) it uses.
"use strict";

// ---------------------------------------------------------------------------------------
// Plans: upload (drop or choose a file), run with a workflow, watch steps over SSE

async function loadPlans() {
  try {
    const [plans, quota, providers] = await Promise.all([api("GET", "/plans"), api("GET", "/quota"), api("GET", "/providers")]);
    $("quota-line").textContent = "Generations left: " + quota.remaining + " of " + quota.limit;
    state.hasLLM = providers.length > 0;
    $("plans-llm").hidden = state.hasLLM;
    const picker = $("plan-select");
    const previous = picker.value;
    picker.replaceChildren(...plans.map((p) => el("option", { text: p.title + " (" + p.steps + " steps)", attrs: { value: p.plan_id } })));
    if (plans.some((p) => p.plan_id === previous)) picker.value = previous;
    $("run-plan").disabled = plans.length === 0 || !state.hasLLM;
  } catch (error) {
    showError("plans-error", error);
  }
}

async function uploadPlan(file) {
  $("plans-error").textContent = "";
  if (file.size > 512 * 1024) { $("plans-error").textContent = "A plan file is at most 512 KiB."; return; }
  const text = await file.text();
  let body;
  try { body = JSON.parse(text); } catch { $("plans-error").textContent = file.name + " is not valid JSON."; return; }
  try {
    const created = await api("POST", "/plans", body);
    await loadPlans();
    $("plan-select").value = created.plan_id;
  } catch (error) {
    showError("plans-error", error);
  }
}

dropTarget($("dropzone"), $("plan-file"), (files) => { if (files[0]) uploadPlan(files[0]); });

$("run-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("plans-error").textContent = "";
  const planID = $("plan-select").value;
  const workflow = event.target.elements.workflow.value;
  if (!planID) { $("plans-error").textContent = "Upload a plan first."; return; }
  $("run-plan").disabled = true;
  try {
    const started = await api("POST", "/execute", { plan_id: planID, workflow });
    await watchExecution(started.execution_id);
    await loadPlans();
  } catch (error) {
    showError("plans-error", error);
  } finally {
    $("run-plan").disabled = !state.hasLLM;
  }
});

async function watchExecution(id) {
  $("execution").hidden = false;
  const response = await fetch("/executions/" + encodeURIComponent(id) + "/events", { headers: authHeaders({ "Accept": "text/event-stream" }) });
  if (!response.ok) throw await failure(response);
  await readEvents(response, (name, payload) => { if (name === "state") renderExecution(payload); });
}

function renderExecution(view) {
  const state = view.state;
  if (!state) return;
  $("execution-title").textContent = state.title + " — " + state.workflow.toUpperCase();
  $("execution-status").className = "badge " + state.status;
  $("execution-status").textContent = state.status;
  $("execution-error").textContent = state.error || "";
  $("execution-steps").replaceChildren(...state.steps.map((step) => {
    const stages = el("div", { className: "stages" }, ...step.stages.map((stage) =>
      el("span", { className: "chip", text: stage.stage + " · " + stage.provider + (stage.cache !== "none" ? " · cached (" + stage.cache + ")" : "") })));
    const sources = step.sources.length ? el("p", { className: "muted small", text: "Sources: " + step.sources.map((s) => "[" + s.n + "] " + s.title).join(", ") }) : null;
    return el("li", { className: "step " + step.status, attrs: { "data-step": step.id } },
      el("div", { className: "job-head" }, el("strong", { text: step.title + " (" + step.id + ")" }),
        el("span", { className: "badge " + step.status, text: step.status })),
      step.depends_on.length ? el("p", { className: "muted small", text: "after " + step.depends_on.join(", ") }) : null,
      stages,
      step.output ? renderOutput(step.output) : null,
      step.error ? el("p", { className: "error", text: step.error }) : null,
      sources);
  }));
  const rows = state.steps.map((step) => {
    const m = step.metrics;
    const seconds = step.started_at && step.finished_at ? (step.finished_at - step.started_at).toFixed(1) : "";
    return metricsRow(step.id, step.status, seconds, m, [...new Set(step.stages.map((s) => s.provider))].join(", "));
  });
  rows.push(metricsRow("total", state.status, state.metrics.wall_seconds ? state.metrics.wall_seconds.toFixed(1) : "", state.metrics, ""));
  $("execution-metrics").tBodies[0].replaceChildren(...rows);
}

function metricsRow(name, status, seconds, m, providers) {
  const cells = [name, status, seconds, String(m.prompt_tokens), String(m.completion_tokens), m.cost.toFixed(4), providers,
    String(m.retries), String(m.cache_hits)];
  return el("tr", {}, ...cells.map((text, i) => el("td", { className: [2, 3, 4, 5, 7, 8].includes(i) ? "num" : "", text })));
}

// Step output: paragraphs as text, ``` fenced blocks as monospace code with a small highlighter.
function renderOutput(text) {
  const box = el("div", { className: "output" });
  const parts = text.split(/```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      const newline = part.indexOf("\n");
      const code = newline >= 0 && /^[\w+-]*$/.test(part.slice(0, newline).trim()) ? part.slice(newline + 1) : part;
      box.append(el("pre", {}, highlightCode(code)));
    } else if (part.trim()) {
      for (const paragraph of part.trim().split(/\n{2,}/)) box.append(el("p", { text: paragraph }));
    }
  });
  return box;
}

const CODE_TOKENS = /(\/\/[^\n]*|#[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\b\d+(?:\.\d+)?\b|\b(?:func|let|var|if|else|for|while|return|import|class|struct|enum|def|function|const|true|false|null|nil|None|in|try|catch|throw|async|await|public|private|static|new|SELECT|FROM|WHERE)\b)/g;

function highlightCode(code) {
  const node = el("code");
  let last = 0;
  for (const match of code.matchAll(CODE_TOKENS)) {
    if (match.index > last) node.append(document.createTextNode(code.slice(last, match.index)));
    const token = match[0];
    const kind = /^(\/\/|#)/.test(token) ? "c" : /^["']/.test(token) ? "s" : /^\d/.test(token) ? "n" : "k";
    node.append(el("span", { className: "tok-" + kind, text: token }));
    last = match.index + token.length;
  }
  if (last < code.length) node.append(document.createTextNode(code.slice(last)));
  return node;
}
