// NexTraction web client. Vanilla JS, no build step, nothing loaded from elsewhere.
// Everything that comes from the server or from crawled pages is inserted with textContent
// or as text nodes, never as HTML.
"use strict";

// The token lives in sessionStorage: it survives reloads of this tab, is never sent
// automatically with requests (so no CSRF), and is gone when the tab closes. Logging out
// also revokes it on the server.
const TOKEN_KEY = "nextraction.token";
// The collection last asked (not sensitive: kept in localStorage across reloads).
const COLLECTION_KEY = "nextraction.collection";
// The picker's value for asking every collection at once (the server takes up to 10).
const ALL = "*";   // no collection name holds "*"

function allCollections() {
  return state.collections.slice().sort((a, b) => b.documents - a.documents).slice(0, 10).map((c) => c.name);
}
const POLL_MS = 1500;
const ACTIVE = new Set(["queued", "running"]);

// `$` and `el` come from dom.js.

class APIError extends Error {
  constructor(message, status, retryAfter) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function authHeaders(extra = {}) {
  const headers = { "Accept": "application/json", ...extra };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  return headers;
}

async function failure(response) {
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  const message = data && data.error ? sentence(data.error.message) : "The server answered " + response.status + ".";
  if (response.status === 401 && sessionStorage.getItem(TOKEN_KEY)) sessionExpired();
  return new APIError(message, response.status, response.headers.get("Retry-After"));
}

// Server messages are lowercase phrases ("collection docs not found"); shown as sentences,
// like the page's own messages.
function sentence(text) {
  const trimmed = String(text || "").trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : capital + ".";
}

async function api(method, path, body) {
  const headers = authHeaders(body === undefined ? {} : { "Content-Type": "application/json" });
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new APIError("The server cannot be reached. Check your connection and try again.", 0, null);
  }
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

function showError(id, error) {
  let text = error.message;
  if (error.status === 429) {
    text = error.retryAfter ? "Too many attempts. Try again in " + error.retryAfter + " s." : "Too many requests. Wait a moment and try again.";
  }
  $(id).textContent = text;
}

// ---------------------------------------------------------------------------------------
// Session

// history: the current conversation's turns, oldest first (as a conversation reads); conversationID: its id on the
// server (null until its first question is answered).
const state = { collections: [], jobs: new Map(), pollTimer: null, history: [], current: null, conversationID: null };

async function refresh() {
  const signedIn = Boolean(sessionStorage.getItem(TOKEN_KEY));
  if (signedIn) {
    try {
      const me = await api("GET", "/auth/me");
      $("who").textContent = me.email;
    } catch (error) {
      if (error.status === 401) return;   // sessionExpired() already showed the sign-in form
      $("login-error").textContent = error.message;
      return;
    }
  }
  $("auth").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("session").hidden = !signedIn;
  if (signedIn) {
    await loadCollections();
    await loadConversations(true);
    await loadJobs();
    selectTab(state.collections.length ? "ask" : "ingest", false);
  } else {
    stopPolling();
  }
}

function sessionExpired() {
  sessionStorage.removeItem(TOKEN_KEY);
  stopPolling();
  state.jobs.clear();
  $("auth").hidden = false;
  $("app").hidden = true;
  $("session").hidden = true;
  $("login-error").textContent = "Your session has ended. Please sign in again.";
}

function credentials(form) {
  return { email: form.elements.email.value.trim(), password: form.elements.password.value };
}

async function signIn(form, path, errorID) {
  $(errorID).textContent = "";
  const { email, password } = credentials(form);
  if (!email || !password) { $(errorID).textContent = "Enter your email and password."; return; }
  if (path === "/auth/register" && password.length < 8) { $(errorID).textContent = "The password needs at least 8 characters."; return; }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const session = await api("POST", path, { email, password });
    sessionStorage.setItem(TOKEN_KEY, session.token);
    form.reset();
    await refresh();
  } catch (error) {
    showError(errorID, error);
  } finally {
    button.disabled = false;
  }
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("register-error").textContent = "";
  signIn(event.target, "/auth/login", "login-error");
});
$("register-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  signIn(event.target, "/auth/register", "register-error");
});
// An old message of one form is stale once the other is being filled in.
$("register-form").addEventListener("input", () => { $("login-error").textContent = ""; });
$("login-form").addEventListener("input", () => { $("register-error").textContent = ""; });

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/auth/logout"); } catch { /* the token is dropped either way */ }
  sessionStorage.removeItem(TOKEN_KEY);
  stopPolling();
  state.jobs.clear();
  $("jobs").replaceChildren();
  state.history = [];
  state.conversationID = null;
  renderHistory();
  $("answer").hidden = true;
  $("new-key").hidden = true;
  $("new-key-value").value = "";
  $("login-error").textContent = "";
  await refresh();
  $("login-email").focus();
});

// ---------------------------------------------------------------------------------------
// Tabs (roving tabindex; arrow keys move between tabs)

const TABS = ["ask", "ingest", "collections", "plans", "keys"];

function selectTab(name, focus = true) {
  for (const tab of TABS) {
    const selected = tab === name;
    $("tab-" + tab).setAttribute("aria-selected", String(selected));
    $("tab-" + tab).tabIndex = selected ? 0 : -1;
    $("view-" + tab).hidden = !selected;
  }
  if (focus) $("tab-" + name).focus();
  if (name === "collections") loadCollections();
  if (name === "plans") loadPlans();
  if (name === "keys") loadKeys();
}

for (const tab of TABS) {
  $("tab-" + tab).addEventListener("click", () => selectTab(tab));
  $("tab-" + tab).addEventListener("keydown", (event) => {
    const index = TABS.indexOf(tab);
    if (event.key === "ArrowRight") selectTab(TABS[(index + 1) % TABS.length]);
    else if (event.key === "ArrowLeft") selectTab(TABS[(index + TABS.length - 1) % TABS.length]);
    else return;
    event.preventDefault();
  });
}

// ---------------------------------------------------------------------------------------
// Collections

async function loadCollections() {
  try {
    state.collections = await api("GET", "/collections");
  } catch (error) {
    showError("collections-error", error);
    return;
  }
  $("collections-error").textContent = "";
  renderCollections();
}

function renderCollections() {
  const rows = state.collections.map((collection) => {
    const remove = el("button", { className: "quiet", text: "Delete", attrs: { type: "button", "aria-label": "Delete collection " + collection.name } });
    remove.addEventListener("click", () => confirmDelete(collection.name));
    const sources = collection.sources || [];
    const resync = el("button", { className: "quiet", text: "Re-sync now", attrs: { type: "button", "aria-label": "Re-sync collection " + collection.name } });
    resync.hidden = sources.length === 0;
    resync.addEventListener("click", () => resyncCollection(collection.name, resync));
    return el("tr", {},
      el("td", { text: collection.name }),
      el("td", { className: "num", text: String(collection.documents) }),
      el("td", { className: "num", text: String(collection.chunks) }),
      el("td", { className: "sources-cell" }, ...sources.map((source) => el("div", { className: "small" },
        el("span", { className: "u", text: source.url }),
        el("span", { className: "muted", text: " · " + syncLine(source) }))),
        ...(collection.files || []).map((file) => uploadedFileLine(collection.name, file))),
      el("td", { text: new Date(collection.created_at).toLocaleDateString() }),
      el("td", { className: "actions" }, resync, remove));
  });
  $("collections").replaceChildren(...rows);
  $("collections-table").hidden = rows.length === 0;
  $("collections-empty").hidden = rows.length > 0;

  // The ask picker keeps its selection, else the last one used (kept across reloads), else
  // the collection with the most pages.
  const picker = $("ask-collection");
  const previous = picker.value || localStorage.getItem(COLLECTION_KEY);
  picker.replaceChildren(...state.collections.map((c) => el("option", { text: c.name + " (" + c.documents + " pages)", attrs: { value: c.name } })),
    ...(state.collections.length > 1 ? [el("option", { text: "All collections (answered from the best fit)", attrs: { value: ALL } })] : []));
  const largest = state.collections.reduce((best, c) => (!best || c.documents > best.documents ? c : best), null);
  if (state.collections.some((c) => c.name === previous) || (previous === ALL && state.collections.length > 1)) picker.value = previous;
  else if (largest) picker.value = largest.name;
  $("ask-submit").disabled = state.collections.length === 0;
  $("ask-empty").hidden = state.collections.length > 0;
  $("ask-collection-field").hidden = state.collections.length === 0;
  $("collection-names").replaceChildren(...state.collections.map((c) => el("option", { attrs: { value: c.name } })));
}

// An uploaded file in the collections table, with a button that removes it (after a confirmation).
function uploadedFileLine(collection, file) {
  const remove = el("button", { className: "quiet small-button", text: "Remove", attrs: { type: "button", "aria-label": "Remove " + file.name } });
  remove.addEventListener("click", () => confirmAction({
    title: "Remove file?",
    text: "“" + file.name + "” (" + file.pages + (file.pages === 1 ? " page" : " pages") + ") will no longer be searched or cited in “" + collection + "”.",
    ok: "Remove",
  }, async () => {
    try {
      await api("DELETE", "/collections/" + encodeURIComponent(collection) + "/files/" + encodeURIComponent(file.name));
    } catch (error) {
      showError("collections-error", error);
    }
    await loadCollections();
  }));
  return el("div", { className: "small file-line" }, el("span", { className: "u", text: file.name }),
    el("span", { className: "muted", text: " · uploaded, " + file.pages + (file.pages === 1 ? " page" : " pages") + " " }), remove);
}

// Asks in the modal dialog; runs `action` when confirmed.
function confirmAction({ title, text, ok }, action) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = ok;
  dialog.returnValue = "";
  dialog.addEventListener("close", async function closed() {
    dialog.removeEventListener("close", closed);
    if (dialog.returnValue === "ok") await action();
  });
  dialog.showModal();
  $("confirm-cancel").focus();
}

// "every 24 h · last … · next …" for a collection's source.
function syncLine(source) {
  const when = (value) => (value ? new Date(value).toLocaleString() : "—");
  const period = (seconds) => (seconds % 86400 === 0 ? seconds / 86400 + " d" : seconds % 3600 === 0 ? seconds / 3600 + " h"
    : Math.round(seconds / 60) + " min");
  const every = source.refresh_every ? "every " + period(source.refresh_every) : "on request";
  return every + " · last " + when(source.last_sync_at) + (source.refresh_every ? " · next " + when(source.next_sync_at) : "");
}

async function resyncCollection(name, button) {
  button.disabled = true;
  $("collections-error").textContent = "";
  try {
    const started = await api("POST", "/collections/" + encodeURIComponent(name) + "/sync");
    for (const id of started.job_ids) upsertJob(await api("GET", "/jobs/" + encodeURIComponent(id)), true);
    startPolling();
    button.textContent = "Re-sync queued";
  } catch (error) {
    showError("collections-error", error);
    button.disabled = false;
  }
}

function confirmDelete(name) {
  confirmAction({
    title: "Delete collection?",
    text: "“" + name + "” and all its pages, chunks and index will be deleted. This cannot be undone.",
    ok: "Delete",
  }, async () => {
    try {
      await api("DELETE", "/collections/" + encodeURIComponent(name));
    } catch (error) {
      showError("collections-error", error);
    }
    await loadCollections();
  });
}

// ---------------------------------------------------------------------------------------
// Ingest and jobs

$("ingest-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("ingest-error").textContent = "";
  const url = form.elements.url.value.trim();
  if (!/^https?:\/\/[^\s]+$/i.test(url)) { $("ingest-error").textContent = "Enter a full http:// or https:// URL."; form.elements.url.focus(); return; }
  const body = {
    url,
    collection: form.elements.collection.value.trim() || "default",
    max_pages: Number(form.elements.max_pages.value) || 50,
    max_depth: Number(form.elements.max_depth.value),
  };
  const domain = form.elements.domain.value.trim();
  if (domain) body.domain = domain;
  if (form.elements.refresh_every.value) body.refresh_every = form.elements.refresh_every.value;
  for (const name of ["include", "exclude"]) {
    const prefixes = form.elements[name].value.split(",").map((part) => part.trim()).filter(Boolean);
    if (prefixes.length) body[name] = prefixes;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const queued = await api("POST", "/ingest", body);
    const job = await api("GET", "/jobs/" + encodeURIComponent(queued.job_id));
    upsertJob(job, true);
    form.elements.url.value = "";
    startPolling();
  } catch (error) {
    showError("ingest-error", error);
  } finally {
    button.disabled = false;
  }
});

async function loadJobs() {
  try {
    const jobs = await api("GET", "/jobs");
    for (const job of jobs.slice().reverse()) upsertJob(job, true);
  } catch (error) {
    showError("ingest-error", error);
  }
  startPolling();
}

const isUpload = (job) => job.kind === "upload";

// Pages handled so far; for an upload, files read (a PDF's pages are counted separately).
function processed(job) {
  const p = job.progress;
  return isUpload(job) ? p.fetched : p.indexed + p.unchanged + p.skipped + p.failed + p.removed;
}

// The pages a job will handle: its limit, or fewer when the site has fewer; an upload's files.
function expected(job) {
  if (isUpload(job)) return Math.max(1, job.max_pages);
  const p = job.progress;
  return Math.max(1, Math.min(job.max_pages, Math.max(p.discovered, processed(job))));
}

function percent(job) {
  if (job.status === "completed") return 100;
  return Math.min(99, Math.floor((processed(job) / expected(job)) * 100));
}

// What a job works on: the crawl's start URL, or the uploaded files.
function jobSubject(job) {
  return isUpload(job) ? "Upload: " + (job.files || []).join(", ") : job.url;
}

function seconds(job) {
  const start = Date.parse(job.started_at || job.created_at);
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  return Math.max(0, (end - start) / 1000);
}

function duration(total) {
  const s = Math.round(total);
  return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
}

function upsertJob(job, prepend = false) {
  let entry = state.jobs.get(job.id);
  if (!entry) {
    entry = buildJobCard(job);
    state.jobs.set(job.id, entry);
    if (prepend) $("jobs").prepend(entry.root); else $("jobs").append(entry.root);
  }
  entry.job = job;
  const p = job.progress;
  const value = percent(job);
  entry.root.className = "job " + job.status;
  entry.root.dataset.status = job.status;
  entry.badge.className = "badge " + job.status;
  entry.badge.textContent = job.status;
  entry.fill.style.width = value + "%";
  entry.meter.setAttribute("aria-valuenow", String(value));
  const done = Math.min(processed(job), expected(job));
  const unit = isUpload(job) ? " files" : " pages";
  entry.meter.setAttribute("aria-valuetext", value + "% — " + done + " of " + expected(job) + unit);
  const elapsed = seconds(job);
  const rate = elapsed > 0 ? (p.fetched / elapsed).toFixed(1) : "0.0";
  entry.stats.textContent = isUpload(job)
    ? done + " of " + expected(job) + " files read · pages indexed " + p.indexed + (p.unchanged ? " · unchanged " + p.unchanged : "") +
      (p.removed ? " · removed " + p.removed : "") + " · failed " + p.failed + " · " + p.chunks + " chunks · " + duration(elapsed)
    : done + " of " + expected(job) + " pages done (limit " + job.max_pages + ", " + p.discovered + " discovered) · fetched " + p.fetched +
      " · indexed " + p.indexed + (p.unchanged ? " · unchanged " + p.unchanged : "") + " · skipped " + p.skipped +
      " · failed " + p.failed + " · " + p.chunks + " chunks · " + rate + " pages/s · " + duration(elapsed);
  entry.error.textContent = job.error || "";
  entry.error.hidden = !job.error;
  entry.cancel.hidden = !ACTIVE.has(job.status);
  entry.clear.hidden = ACTIVE.has(job.status);
  $("clear-finished").hidden = ![...state.jobs.values()].some((other) => !ACTIVE.has(other.job.status));
  $("jobs-empty").hidden = state.jobs.size > 0;
  if (entry.details.open) loadJobLog(entry);
}

function buildJobCard(job) {
  const badge = el("span", { className: "badge" });
  const cancel = el("button", { className: "quiet", text: "Cancel", attrs: { type: "button" } });
  const fill = el("div");
  const meter = el("div", { className: "meter", attrs: { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0",
                                                          "aria-label": "Progress of " + jobSubject(job) } }, fill);
  const stats = el("p", { className: "job-stats" });
  const error = el("p", { className: "error" });
  const log = el("ul", { className: "job-log" });
  const filter = el("select", { attrs: { "aria-label": "Show pages of this status" } },
    ...["all", "fetched", "unchanged", "skipped", "failed", "removed"].map((status) => el("option", { text: status, attrs: { value: status } })));
  const more = el("button", { className: "quiet", text: "Show more", attrs: { type: "button" } });
  more.hidden = true;
  const details = el("details", {}, el("summary", { text: "Pages log (fetched, skipped and failed URLs with reasons)" }),
    el("div", { className: "row log-tools" }, filter), log, more);
  const clear = el("button", { className: "quiet", text: "Clear", attrs: { type: "button", "aria-label": "Clear this job from the list" } });
  const root = el("li", { className: "job", attrs: { "data-job": job.id } },
    el("div", { className: "job-head" },
      el("div", {}, el("div", { className: "job-url", text: jobSubject(job) }),
         el("div", { className: "muted small", text: "into “" + job.collection + "” · " +
           (isUpload(job) ? job.max_pages + (job.max_pages === 1 ? " file" : " files") : "max " + job.max_pages + " pages, depth " + job.max_depth) })),
      el("div", { className: "row" }, badge, cancel, clear)),
    meter, stats, error, details);
  const entry = { root, badge, cancel, clear, fill, meter, stats, error, details, log, filter, more, rows: [], job };
  filter.addEventListener("change", () => loadJobLog(entry));
  more.addEventListener("click", () => loadJobLog(entry, true));
  clear.addEventListener("click", () => clearJob(entry));
  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      await api("POST", "/jobs/" + encodeURIComponent(job.id) + "/cancel");
      startPolling();
    } catch (failed) {
      entry.error.hidden = false;
      entry.error.textContent = failed.message;
    } finally {
      cancel.disabled = false;
    }
  });
  details.addEventListener("toggle", () => { if (details.open) loadJobLog(entry); });
  return entry;
}

// The job's per-URL log, 200 lines at a time (`more`: the next 200), of one status or all.
const LOG_PAGE = 200;

$("clear-finished").addEventListener("click", async () => {
  for (const entry of [...state.jobs.values()].filter((other) => !ACTIVE.has(other.job.status))) await clearJob(entry);
  $("clear-finished").hidden = true;
});

async function loadJobLog(entry, more = false) {
  if (entry.loading) return;
  entry.loading = true;
  try {
    const status = entry.filter.value === "all" ? "" : "&status=" + entry.filter.value;
    const offset = more ? entry.rows.length : 0;
    const page = await api("GET", "/jobs/" + encodeURIComponent(entry.job.id) + "/pages?limit=" + LOG_PAGE + "&offset=" + offset + status);
    entry.rows = (more ? entry.rows : []).concat(page.pages);
    const items = entry.rows.map((row) => el("li", {},
      el("span", { className: "st " + row.status, text: row.status }),
      el("span", { className: "u", text: row.url + (row.reason ? " — " + row.reason : "") + (row.detail ? " (" + row.detail + ")" : "") })));
    entry.log.replaceChildren(...(items.length ? items : [el("li", { className: "muted", text: "No pages here yet." })]));
    entry.more.hidden = page.total <= entry.rows.length;
    entry.more.textContent = "Show more (" + (page.total - entry.rows.length) + " left)";
  } catch (error) {
    entry.log.replaceChildren(el("li", { className: "error", text: error.message }));
  } finally {
    entry.loading = false;
  }
}

// Clears a finished job from the list (the server forgets it and its log; its pages stay).
async function clearJob(entry) {
  try {
    await api("DELETE", "/jobs/" + encodeURIComponent(entry.job.id));
    state.jobs.delete(entry.job.id);
    entry.root.remove();
    $("jobs-empty").hidden = state.jobs.size > 0;
  } catch (error) {
    entry.error.hidden = false;
    entry.error.textContent = error.message;
  }
}

function startPolling() {
  if (state.pollTimer === null) state.pollTimer = setTimeout(poll, POLL_MS);
}

function stopPolling() {
  if (state.pollTimer !== null) clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

async function poll() {
  state.pollTimer = null;
  const active = [...state.jobs.values()].filter((entry) => ACTIVE.has(entry.job.status));
  if (active.length === 0 || !sessionStorage.getItem(TOKEN_KEY)) return;   // nothing left to watch
  let finished = false;
  for (const entry of active) {
    try {
      const job = await api("GET", "/jobs/" + encodeURIComponent(entry.job.id));
      upsertJob(job);
      if (!ACTIVE.has(job.status)) finished = true;
    } catch (error) {
      if (error.status === 401) return;
    }
  }
  if (finished) await loadCollections();
  startPolling();
}

// ---------------------------------------------------------------------------------------
// Ask

$("ask-question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("ask-form").requestSubmit();
  }
});

$("ask-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("ask-error").textContent = "";
  const question = $("ask-question").value.trim();
  const collection = $("ask-collection").value;
  if (!question) { $("ask-error").textContent = "Type a question first."; return; }
  if (!collection) { $("ask-error").textContent = "Add a website in Ingest first: there is no collection to ask."; return; }
  $("ask-submit").disabled = true;
  localStorage.setItem(COLLECTION_KEY, collection);
  const entry = { question, collection, answer: "", answerable: true, citations: [], sources: [], timings: null };
  beginAnswer(entry);
  try {
    await streamAnswer(entry);
    state.history.push(entry);
    renderHistory();
  } catch (error) {
    $("answer").hidden = true;
    showError("ask-error", error);
  } finally {
    $("answer").setAttribute("aria-busy", "false");
    $("ask-submit").disabled = state.collections.length === 0;
  }
});

$("go-ingest").addEventListener("click", (event) => { event.preventDefault(); selectTab("ingest"); });

// POST /ask as server-sent events: `sources`, `citations`, then `answer` deltas, then `done`.
async function streamAnswer(entry) {
  let response;
  try {
    response = await fetch("/ask", {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json", "Accept": "text/event-stream" }),
      body: JSON.stringify({ question: entry.question, stream: true, conversation_id: state.conversationID || "new",
                             ...(entry.collection === ALL ? { collections: allCollections() } : { collection: entry.collection }) }),
    });
  } catch {
    throw new APIError("The server cannot be reached. Check your connection and try again.", 0, null);
  }
  if (!response.ok) throw await failure(response);
  await readEvents(response, (name, payload) => handleEvent(entry, name, payload));
}

// Reads a server-sent event stream, calling onEvent(name, parsed JSON data) per event.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const dispatch = (block) => {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length) onEvent(name, JSON.parse(data.join("\n")));
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      dispatch(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
    }
    if (done) break;
  }
  if (buffer.trim()) dispatch(buffer);
}

function handleEvent(entry, name, payload) {
  if (name === "citations") {
    entry.citations = payload;
    renderCitations(entry);
  } else if (name === "sources") {
    entry.sources = payload;
    renderSources(entry);
  } else if (name === "answer") {
    entry.answer += payload.delta;
    appendAnswer(payload.delta);
  } else if (name === "done") {
    if (payload.collection) entry.collection = payload.collection;   // the one answered from
    if (payload.conversation_id && payload.conversation_id !== state.conversationID) {
      state.conversationID = payload.conversation_id;
      loadConversations(false);
    }
    entry.answerable = payload.answerable;
    entry.timings = payload.timings;
    entry.mode = payload.mode;
    // An LLM answer streams as written; the final one has unsupported citations removed.
    if (typeof payload.answer === "string" && payload.answer !== entry.answer) {
      entry.answer = payload.answer;
      $("answer-text").replaceChildren();
      appendAnswer(entry.answer);
    }
    finishAnswer(entry);
  } else if (name === "error") {
    throw new APIError(payload.message || "The answer failed.", 500, null);
  }
}

function beginAnswer(entry) {
  state.current = entry;
  $("answer").hidden = false;
  $("answer").setAttribute("aria-busy", "true");
  $("answer-question").textContent = entry.question;
  $("answer-status").hidden = true;
  $("answer-text").replaceChildren();
  $("answer-text").hidden = false;
  $("citations").replaceChildren();
  $("sources").replaceChildren();
  $("sources-section").hidden = true;
  $("answer-timings").textContent = "";
}

// Appends answer text, turning "[n]" markers into links to citation n.
function appendAnswer(text) {
  const target = $("answer-text");
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    if (match.index > last) target.append(document.createTextNode(text.slice(last, match.index)));
    const link = el("a", { text: "[" + match[1] + "]", attrs: { href: "#cite-" + match[1], "aria-label": "source " + match[1] } });
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const card = $("cite-" + match[1]);
      if (card) { card.scrollIntoView({ block: "nearest" }); card.classList.add("flash"); setTimeout(() => card.classList.remove("flash"), 1200); }
    });
    target.append(el("sup", {}, link));
    last = match.index + match[0].length;
  }
  if (last < text.length) target.append(document.createTextNode(text.slice(last)));
}

function finishAnswer(entry) {
  if (!entry.answerable) {
    $("answer-text").hidden = true;
    $("answer-status").hidden = false;
    // The server's text says why, and names the closest pages (listed below it).
    $("answer-status").textContent = entry.answer;
  }
  renderSources(entry);
  const t = entry.timings;
  if (t) {
    $("answer-timings").textContent = (entry.mode === "llm" ? "written by a language model · " : "") +
      "embed " + t.embed_ms.toFixed(0) + " ms · search " + t.search_ms.toFixed(0) +
      " ms · answer " + t.answer_ms.toFixed(0) + " ms · total " + t.total_ms.toFixed(0) + " ms";
  }
}

// Question words (3+ letters, no stopwords) highlighted in a snippet, as <mark> elements.
const STOPWORDS = new Set(["the", "and", "for", "are", "was", "how", "what", "when", "where", "which", "who", "why", "does", "did",
  "can", "should", "would", "could", "with", "from", "that", "this", "these", "those", "into", "about", "there", "their", "have", "has"]);

function highlighted(text, question) {
  const words = [...new Set(question.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) || [])].filter((w) => !STOPWORDS.has(w));
  const fragment = document.createDocumentFragment();
  if (words.length === 0) { fragment.append(document.createTextNode(text)); return fragment; }
  // Matches a question word or a longer word starting with its stem ("water" → "watering").
  const stems = words.map((w) => (w.length > 5 ? w.slice(0, w.length - 2) : w).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp("(?<![\\p{L}\\p{N}])(?:" + stems.join("|") + ")[\\p{L}\\p{N}]*", "giu");
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) fragment.append(document.createTextNode(text.slice(last, match.index)));
    fragment.append(el("mark", { text: match[0] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) fragment.append(document.createTextNode(text.slice(last)));
  return fragment;
}

function safeURL(url) {
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

// An uploaded file's address ("upload:guide.pdf#page=3") as a reader says it ("guide.pdf, page 3").
function displayURL(url) {
  const match = /^upload:([^#]*)(?:#page=(\d+))?$/.exec(url || "");
  if (!match) return url;
  let name = match[1];
  try { name = decodeURIComponent(name); } catch { /* shown as stored */ }
  return match[2] ? name + ", page " + match[2] : name;
}

// "In context": the passage with its neighbours, its heading path and a link to the page.
function contextButton(entry, item) {
  if (!item.chunk_id || !entry.collection) return null;
  const button = el("button", { className: "quiet in-context", text: "In context",
                                attrs: { type: "button", "aria-label": "Show the passage of " + (item.title || item.url) + " in context" } });
  button.addEventListener("click", () => openPassage(entry.collection, item.chunk_id));
  return button;
}

async function openPassage(collection, chunkID) {
  const dialog = $("passage");
  $("passage-error").textContent = "";
  $("passage-text").replaceChildren();
  try {
    const passage = await api("GET", "/collections/" + encodeURIComponent(collection) + "/chunks/" + chunkID + "?around=2");
    $("passage-title").textContent = passage.title || displayURL(passage.url);
    if (passage.url.startsWith("upload:")) $("passage-title").textContent += " — " + displayURL(passage.url);
    const target = passage.chunks.find((part) => part.target) || passage.chunks[0];
    $("passage-heading").textContent = sectionOf({ title: passage.title, heading: target ? target.heading : "" });
    const href = safeURL(passage.url);
    $("passage-link").hidden = !href;
    if (href) $("passage-link").setAttribute("href", href);
    let lastHeading = null;
    for (const part of passage.chunks) {
      const section = el("section", { className: part.target ? "target" : "", attrs: part.target ? { id: "passage-target" } : {} });
      const heading = sectionOf({ title: passage.title, heading: part.heading });
      if (heading && heading !== lastHeading) section.append(el("h3", { text: heading }));
      lastHeading = heading;
      section.append(document.createTextNode(part.text));
      $("passage-text").append(section);
    }
  } catch (error) {
    showError("passage-error", error);
  }
  if (!dialog.open) dialog.showModal();
  const target = document.getElementById("passage-target");
  if (target) target.scrollIntoView({ block: "center" });
}

// A heading path without the page title it often starts with ("Backup › Backup › Restore").
function sectionOf(item) {
  const title = (item.title || "").trim();
  let parts = (item.heading || "").split(" › ").map((part) => part.trim()).filter(Boolean);
  while (parts.length && parts[0] === title) parts = parts.slice(1);
  return parts.join(" › ");
}

function renderCitations(entry) {
  const cards = entry.citations.map((citation) => {
    const href = safeURL(citation.url);
    const title = citation.title || citation.url;
    const link = href ? el("a", { text: title, attrs: { href, target: "_blank", rel: "noopener noreferrer" } }) : el("span", { text: title });
    return el("li", { className: "citation", attrs: { id: "cite-" + citation.n } },
      el("div", {}, el("span", { className: "num", text: "[" + citation.n + "]" }), link, contextButton(entry, citation)),
      sectionOf(citation) ? el("p", { className: "heading", text: sectionOf(citation) }) : null,
      el("p", { className: "snippet" }, highlighted(citation.snippet, entry.question)),
      el("div", { className: "url", text: displayURL(citation.url) + " · score " + Number(citation.score).toFixed(2) }));
  });
  $("citations").replaceChildren(...cards);
}

// The pages behind the answer (or, when it was not found, the closest ones), best first.
function renderSources(entry) {
  const items = (entry.sources || []).map((source) => {
    const href = safeURL(source.url);
    const upload = String(source.url).startsWith("upload:");
    const title = upload ? (source.title ? source.title + " (" + displayURL(source.url) + ")" : displayURL(source.url)) : source.title || source.url;
    const link = href ? el("a", { text: title, attrs: { href, target: "_blank", rel: "noopener noreferrer" } }) : el("span", { text: title });
    return el("li", { className: "source" }, link,
      sectionOf(source) ? el("span", { className: "heading", text: " — " + sectionOf(source) }) : null, contextButton(entry, source),
      source.passage ? el("p", { className: "passage" }, highlighted(source.passage, entry.question)) : null);
  });
  $("sources").replaceChildren(...items);
  $("sources-title").textContent = entry.answerable ? "Sources" : "Closest pages";
  $("sources-section").hidden = items.length === 0;
}

// The conversations kept on the server; `openLatest` (after signing in or a reload) continues
// the most recent one.
async function loadConversations(openLatest) {
  let conversations;
  try {
    conversations = await api("GET", "/conversations?limit=30");
  } catch {
    return;   // the Ask view works without them
  }
  const picker = $("conversation-picker");
  picker.replaceChildren(el("option", { text: "— new conversation —", attrs: { value: "" } }),
    ...conversations.map((c) => el("option", { text: c.title + " (" + c.turns + ", " + new Date(c.updated_at).toLocaleDateString() + ")",
                                               attrs: { value: c.id } })));
  if (openLatest && conversations.length) await openConversation(conversations[0].id);
  picker.value = state.conversationID || "";
}

async function openConversation(id) {
  state.history = [];
  state.conversationID = id || null;
  if (id) {
    try {
      const detail = await api("GET", "/conversations/" + encodeURIComponent(id));
      state.history = detail.turns.map((turn) => ({
        question: turn.question, collection: turn.collection, answer: turn.answer, answerable: turn.answerable,
        citations: turn.citations, sources: turn.sources, mode: turn.mode, timings: null,
      }));
    } catch (error) {
      showError("ask-error", error);
      state.conversationID = null;
    }
  }
  $("answer").hidden = true;
  renderHistory();
}

$("conversation-picker").addEventListener("change", (event) => openConversation(event.target.value));
$("new-conversation").addEventListener("click", () => {
  openConversation(null);
  $("conversation-picker").value = "";
  $("ask-question").focus();
});

function renderHistory() {
  const items = state.history.map((entry) => {
    const button = el("button", { text: entry.question, attrs: { type: "button" } });
    button.addEventListener("click", () => {
      beginAnswer(entry);
      renderCitations(entry);
      appendAnswer(entry.answer);
      finishAnswer(entry);
      $("answer").setAttribute("aria-busy", "false");
    });
    return el("li", {}, button, entry.answerable ? null : el("span", { className: "no", text: " — not found" }));
  });
  $("history").replaceChildren(...items);
  $("history-empty").hidden = items.length > 0;
}

// Starts once every script of the page has run (the views' code is split over several files).
document.addEventListener("DOMContentLoaded", refresh);
