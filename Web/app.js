// NexTraction web client. Vanilla JS, no build step. Text from the server is always inserted
// with textContent, never innerHTML.
"use strict";

// The token lives in sessionStorage: it survives reloads of this tab, is not sent
// automatically with requests (so no CSRF), and disappears when the tab closes.
const TOKEN_KEY = "nextraction.token";

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch { data = null; }
  }
  if (!response.ok) {
    const message = data && data.error ? data.error.message : "HTTP " + response.status;
    const error = new Error(message);
    error.status = response.status;
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return data;
}

function showError(id, error) {
  let text = error.message;
  if (error.status === 429 && error.retryAfter) text = "Too many attempts. Try again in " + error.retryAfter + " s.";
  $(id).textContent = text;
}

async function refresh() {
  const signedIn = Boolean(sessionStorage.getItem(TOKEN_KEY));
  if (signedIn) {
    try {
      const me = await api("GET", "/auth/me");
      $("who").textContent = me.email;
      $("me-email").textContent = me.email;
      $("me-id").textContent = String(me.id);
      $("me-created").textContent = new Date(me.created_at).toLocaleString();
    } catch (error) {
      if (error.status === 401) sessionStorage.removeItem(TOKEN_KEY);
      return refresh();
    }
  }
  $("auth").hidden = signedIn;
  $("account").hidden = !signedIn;
  $("session").hidden = !signedIn;
}

function credentials(form) {
  return { email: form.elements.email.value.trim(), password: form.elements.password.value };
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const session = await api("POST", "/auth/login", credentials(event.target));
    sessionStorage.setItem(TOKEN_KEY, session.token);
    event.target.reset();
    await refresh();
  } catch (error) {
    showError("login-error", error);
  }
});

$("register-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("register-error").textContent = "";
  try {
    const session = await api("POST", "/auth/register", credentials(event.target));
    sessionStorage.setItem(TOKEN_KEY, session.token);
    event.target.reset();
    await refresh();
  } catch (error) {
    showError("register-error", error);
  }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/auth/logout"); } catch { /* the token is dropped either way */ }
  sessionStorage.removeItem(TOKEN_KEY);
  await refresh();
});

refresh();
