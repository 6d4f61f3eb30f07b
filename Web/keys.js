// Loaded after app.js, whose helpers (api, el, showError, state…) it uses.
"use strict";

// ---------------------------------------------------------------------------------------
// API keys

function formatDate(value, fallback) {
  return value ? new Date(value).toLocaleDateString() : fallback;
}

async function loadKeys() {
  let keys;
  try {
    keys = (await api("GET", "/auth/keys")).keys;
  } catch (error) {
    showError("keys-error", error);
    return;
  }
  $("keys-error").textContent = "";
  const rows = keys.map((key) => {
    const revoke = el("button", { className: "quiet", text: "Revoke", attrs: { type: "button", "aria-label": "Revoke key " + key.name } });
    revoke.addEventListener("click", () => confirmAction({
      title: "Revoke API key?",
      text: "“" + key.name + "” (" + key.prefix + "…) stops working at once, everywhere it is used.",
      ok: "Revoke",
    }, async () => {
      try {
        await api("DELETE", "/auth/keys/" + key.id);
      } catch (error) {
        showError("keys-error", error);
      }
      await loadKeys();
    }));
    return el("tr", {},
      el("td", { text: key.name }),
      el("td", { className: "mono", text: key.prefix + "…" }),
      el("td", { text: key.scopes.join(", ") }),
      el("td", { text: formatDate(key.created_at) }),
      el("td", { text: formatDate(key.last_used_at, "never") }),
      el("td", { text: formatDate(key.expires_at, "never") }),
      el("td", {}, revoke));
  });
  $("keys").replaceChildren(...rows);
  $("keys-table").hidden = rows.length === 0;
  $("keys-empty").hidden = rows.length > 0;
}

$("key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("key-error").textContent = "";
  const name = form.elements.name.value.trim();
  const scopes = ["read", "write"].filter((scope) => form.elements[scope].checked);
  if (!name) { $("key-error").textContent = "Give the key a name, so you can tell it apart later."; form.elements.name.focus(); return; }
  if (!scopes.length) { $("key-error").textContent = "Choose at least one scope."; return; }
  const body = { name, scopes };
  if (form.elements.expires_in.value) body.expires_in = form.elements.expires_in.value;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const created = await api("POST", "/auth/keys", body);
    $("new-key-value").value = created.key;
    $("copy-status").textContent = "";
    $("new-key").hidden = false;
    $("new-key-value").select();
    form.elements.name.value = "";
    await loadKeys();
  } catch (error) {
    showError("key-error", error);
  } finally {
    button.disabled = false;
  }
});

$("copy-key").addEventListener("click", async () => {
  const field = $("new-key-value");
  try {
    await navigator.clipboard.writeText(field.value);
    $("copy-status").textContent = "Copied to the clipboard.";
  } catch {
    field.select();
    $("copy-status").textContent = "Select the key and copy it (Ctrl+C).";
  }
});
