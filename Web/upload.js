// Loaded after app.js. Document uploads in the Ingest view: files dropped on the zone (or chosen) are sent as one
// multipart request; each file's outcome is listed, and the job joins the job list.
"use strict";

const docDropzone = $("doc-dropzone");

function uploadOutcome(file) {
  const text = file.status === "accepted"
    ? file.name + " — " + file.type + ", " + Math.max(1, Math.round(file.bytes / 1024)) + " KiB"
    : file.name + " — " + sentence(file.error ? file.error.message : "rejected");
  return el("li", { className: file.status, text });
}

async function uploadDocuments(files) {
  $("upload-error").textContent = "";
  $("upload-files").replaceChildren();
  const collection = $("upload-collection").value.trim();
  if (!collection) { $("upload-error").textContent = "Name the collection the files go into."; return; }
  if (files.length === 0) return;
  if (files.length > 20) { $("upload-error").textContent = "Up to 20 files at once; you chose " + files.length + "."; return; }
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  docDropzone.setAttribute("aria-busy", "true");
  try {
    let response;
    try {
      response = await fetch("/collections/" + encodeURIComponent(collection) + "/documents",
                             { method: "POST", headers: authHeaders(), body: form });
    } catch {
      throw new APIError("The server cannot be reached. Check your connection and try again.", 0, null);
    }
    if (!response.ok) throw await failure(response);
    const accepted = await response.json();
    $("upload-files").replaceChildren(...accepted.files.map(uploadOutcome));
    upsertJob(await api("GET", "/jobs/" + encodeURIComponent(accepted.job_id)), true);
    startPolling();
    loadCollections();
  } catch (error) {
    showError("upload-error", error);
  } finally {
    docDropzone.removeAttribute("aria-busy");
  }
}

dropTarget(docDropzone, $("doc-file"), uploadDocuments);
$("upload-form").addEventListener("submit", (event) => event.preventDefault());
