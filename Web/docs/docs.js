// The API reference, rendered from /openapi.json. Vanilla JS, nothing loaded from elsewhere;
// every text from the document goes in as text, never as HTML.
"use strict";

// `$` and `el` come from /dom.js.

// Endpoint groups, in reading order, by the path's first segment.
const GROUPS = [
  ["Accounts and keys", ["auth"]],
  ["Ingest and jobs", ["ingest", "jobs"]],
  ["Collections", ["collections"]],
  ["Questions", ["ask", "search"]],
  ["OpenAI-compatible chat", ["v1"]],
  ["Agents (MCP)", ["mcp"]],
  ["Plans and executions", ["plans", "execute", "executions", "quota", "providers"]],
  ["Operations", ["health", "ready", "metrics", "openapi.json"]],
];

function groupOf(path) {
  const first = path.split("/")[1];
  const found = GROUPS.find(([, prefixes]) => prefixes.includes(first));
  return found ? found[0] : "Other";
}

function resolve(schema, spec) {
  let current = schema || {};
  for (let depth = 0; current.$ref && depth < 10; depth++) {
    current = current.$ref.replace(/^#\//, "").split("/").reduce((node, key) => (node || {})[key], spec) || {};
  }
  return current;
}

// An example value built from a schema: defaults and enums first, then plausible placeholders.
function example(schema, spec, depth = 0) {
  schema = resolve(schema, spec);
  if (depth > 6) return null;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.oneOf) return example(schema.oneOf[0], spec, depth + 1);
  switch (schema.type) {
    case "object": {
      const value = {};
      for (const [name, property] of Object.entries(schema.properties || {})) value[name] = example(property, spec, depth + 1);
      return value;
    }
    case "array": return [example(schema.items, spec, depth + 1)];
    case "integer": return schema.minimum !== undefined ? Math.max(schema.minimum, 1) : 1;
    case "number": return 0.5;
    case "boolean": return false;
    case "string":
      if (schema.format === "date-time") return "2026-01-01T00:00:00Z";
      if (schema.format === "email") return "you@example.com";
      if (schema.format === "uri") return "https://docs.example.com/";
      return "string";
    default: return null;
  }
}

function pretty(value) { return JSON.stringify(value, null, 2); }

// Text with `code` spans (the document's descriptions use them), as text nodes and <code>.
function withCode(tag, text, className) {
  const node = el(tag, { className });
  String(text || "").split("`").forEach((part, index) => {
    if (part) node.append(index % 2 === 1 ? el("code", { text: part }) : document.createTextNode(part));
  });
  return node;
}

function renderOperation(path, method, operation, spec) {
  const body = el("div");
  const parameters = operation.parameters || [];
  if (parameters.length) {
    body.append(el("h3", { text: "Parameters" }));
    const list = el("ul", { className: "responses" });
    for (const parameter of parameters) {
      const schema = parameter.schema || {};
      const hints = [parameter.in, schema.type, parameter.required ? "required" : "optional",
        schema.default !== undefined ? "default " + JSON.stringify(schema.default) : "",
        schema.enum ? "one of " + schema.enum.join(", ") : ""].filter(Boolean).join(", ");
      list.append(el("li", {}, el("span", { className: "status", text: parameter.name }), document.createTextNode(hints)));
    }
    body.append(list);
  }
  const content = operation.requestBody && operation.requestBody.content;
  const jsonBody = content && content["application/json"];
  if (content) {
    body.append(el("h3", { text: "Request body (" + Object.keys(content).join(", ") + ")" }));
    if (jsonBody) body.append(el("pre", { text: pretty(example(jsonBody.schema, spec)) }));
  }
  body.append(el("h3", { text: "Responses" }));
  const responses = el("ul", { className: "responses" });
  for (const status of Object.keys(operation.responses || {}).sort()) {
    const response = operation.responses[status];
    const item = el("li", {}, el("span", { className: "status", text: status }), withCode("span", response.description));
    responses.append(item);
    const media = response.content && response.content["application/json"];
    if (status.startsWith("2") && media) item.append(el("pre", { text: pretty(example(media.schema, spec)) }));
  }
  body.append(responses);
  body.append(tryIt(path, method, operation, parameters, jsonBody, spec));
  const secured = operation.security && operation.security.length;
  const summary = el("summary", {},
    el("span", { className: "method " + method, text: method }),
    el("span", { className: "path", text: path }),
    withCode("span", operation.summary),
    secured ? el("span", { className: "lock muted", text: "token required" }) : null);
  return el("details", { className: "operation", attrs: { id: method + "-" + path.replace(/[^\w]+/g, "-") } }, summary, body);
}

function tryIt(path, method, operation, parameters, jsonBody, spec) {
  const form = el("form", { className: "try" });
  const inputs = new Map();
  for (const parameter of parameters) {
    const id = "p-" + Math.random().toString(36).slice(2);
    const input = el("input", { attrs: { id, name: parameter.name, autocomplete: "off" } });
    const schema = parameter.schema || {};
    if (schema.default !== undefined) input.value = String(schema.default);
    inputs.set(parameter, input);
    form.append(el("label", { text: parameter.name + " (" + parameter.in + ")", attrs: { for: id } }), input);
  }
  let textarea = null;
  if (jsonBody) {
    const id = "b-" + Math.random().toString(36).slice(2);
    textarea = el("textarea", { attrs: { id, spellcheck: "false" } });
    textarea.value = pretty(example(jsonBody.schema, spec));
    form.append(el("label", { text: "JSON body", attrs: { for: id } }), textarea);
  }
  const output = el("pre", { attrs: { "aria-live": "polite" } });
  output.hidden = true;
  form.append(el("button", { text: "Send " + method.toUpperCase(), attrs: { type: "submit" } }), output);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    for (const [parameter, input] of inputs) {
      if (parameter.in === "path") url = url.replace("{" + parameter.name + "}", encodeURIComponent(input.value));
      else if (parameter.in === "query" && input.value !== "") query.set(parameter.name, input.value);
    }
    if ([...query.keys()].length) url += "?" + query;
    const headers = { "Accept": "application/json" };
    const token = $("docs-token").value.trim();
    if (token) headers["Authorization"] = "Bearer " + token;
    if (textarea) headers["Content-Type"] = "application/json";
    output.hidden = false;
    output.textContent = method.toUpperCase() + " " + url + " …";
    try {
      const response = await fetch(url, { method: method.toUpperCase(), headers, body: textarea ? textarea.value : undefined });
      const text = await response.text();
      let shown = text;
      try { shown = pretty(JSON.parse(text)); } catch { /* not JSON: shown as it came */ }
      output.textContent = response.status + " " + response.statusText + "\n\n" + shown.slice(0, 20000);
    } catch {
      output.textContent = "The server cannot be reached.";
    }
  });
  return form;
}

async function main() {
  $("docs-token").value = sessionStorage.getItem("nextraction.token") || "";
  let spec;
  try {
    const response = await fetch("/openapi.json", { headers: { "Accept": "application/json" } });
    spec = await response.json();
  } catch {
    $("docs-error").textContent = "The API description (/openapi.json) cannot be loaded.";
    return;
  }
  $("api-version").textContent = "version " + spec.info.version;
  $("api-description").replaceWith(withCode("p", spec.info.description));
  const byGroup = new Map(GROUPS.map(([name]) => [name, []]));
  for (const path of Object.keys(spec.paths).sort()) {
    for (const [method, operation] of Object.entries(spec.paths[path])) {
      const group = groupOf(path);
      if (!byGroup.has(group)) byGroup.set(group, []);
      byGroup.get(group).push(renderOperation(path, method, operation, spec));
    }
  }
  const sections = [];
  const toc = [];
  for (const [name, operations] of byGroup) {
    if (!operations.length) continue;
    const id = "group-" + name.toLowerCase().replace(/[^\w]+/g, "-");
    sections.push(el("section", { className: "card group", attrs: { id, "aria-labelledby": id + "-title" } },
      el("h2", { text: name + " (" + operations.length + ")", attrs: { id: id + "-title" } }), ...operations));
    toc.push(el("li", {}, el("a", { text: name, attrs: { href: "#" + id } })));
  }
  $("docs-groups").replaceChildren(...sections);
  $("docs-toc").replaceChildren(...toc);
}

main();
