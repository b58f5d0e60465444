// rekognition-mock inspector: polls the server's JSON API and draws what the mock found.
// No framework and no build step; every text from the server goes through textContent.
"use strict";

const API = "inspector/api/";
const POLL_MS = 1500;
const COLLECTIONS_MS = 3000;

const state = {
  latest: 0,            // newest request sequence number seen
  requests: [],         // summaries, newest first
  selected: null,       // seq of the request shown in the detail panel
  view: "requests",
  openCollections: new Set(),  // "account/region/id" of the collections shown open
  lastCollections: "",
  lastControls: "",
  lastJobs: "",
};

// -- small helpers -------------------------------------------------------------------

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJSON(path) {
  const response = await fetch(API + path, { cache: "no-store", credentials: "same-origin" });
  if (!response.ok) throw new Error(`${response.status} ${path}`);
  return response.json();
}

async function post(path) {
  const response = await fetch(API + path, { method: "POST", credentials: "same-origin" });
  if (!response.ok) throw new Error(`${response.status} ${path}`);
  return response.json();
}

function clock(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour12: false });
}

function pct(value) {
  return `${(100 * (value || 0)).toFixed(3)}%`;
}

function number(value, digits = 1) {
  return typeof value === "number" ? value.toFixed(digits) : "";
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : /(x|ch)$/.test(word) ? "es" : "s"}`;
}

function setStatus(text) {
  document.getElementById("status").textContent = text;
}

// -- drawing marks over an image -------------------------------------------------------

// An image with its marks drawn over it as positioned boxes (AWS's boxes are ratios).
function stage(src, marks, alt) {
  const overlay = el("div", { class: "overlay" });
  for (const mark of marks) {
    const box = mark.box || {};
    const node = el("div", { class: `face-box ${mark.kind}`, title: mark.caption, dataset: { kind: mark.kind } },
      el("span", { class: "caption", text: mark.caption }));
    node.style.left = pct(box.Left);
    node.style.top = pct(box.Top);
    node.style.width = pct(box.Width);
    node.style.height = pct(box.Height);
    for (const point of mark.landmarks || []) {
      // Landmarks are placed relative to their box, so hovering the box shows them.
      const dot = el("span", { class: "landmark", title: point.Type });
      dot.style.left = pct(box.Width ? (point.X - box.Left) / box.Width : 0);
      dot.style.top = pct(box.Height ? (point.Y - box.Top) / box.Height : 0);
      node.append(dot);
    }
    overlay.append(node);
  }
  const img = el("img", { src, alt, loading: "lazy" });
  const holder = el("div", { class: "stage" }, img, overlay);
  // An image the server cannot draw (its bytes begin as a JPEG but do not decode) answers 404:
  // show why instead of a broken picture.
  img.addEventListener("error", () => holder.replaceWith(el("div", { class: "stage unreadable", text: "image cannot be drawn" })));
  return holder;
}

function isSearch(operation) {
  return /^Search(Faces|Users)/.test(operation);
}

function foundText(summary) {
  if (summary.error_code) return null;
  const parts = [];
  for (const image of summary.images) {
    const kinds = image.marks.map((m) => m.kind);
    const boxes = kinds.includes("instance") ? "box" : "face";
    parts.push(`${summary.images.length > 1 ? image.role + ": " : ""}${plural(image.marks.length, boxes)}`);
  }
  if (summary.matches.length) {
    parts.push(`${plural(summary.matches.length, "match")} (best ${number(summary.matches[0].similarity)}%)`);
  } else if (isSearch(summary.operation)) {
    parts.push("no match");
  }
  return parts.length ? parts.join(" · ") : null;
}

// -- the requests list -------------------------------------------------------------------

function requestRow(summary) {
  const failed = summary.status >= 400;
  const thumbs = el("div", { class: "thumbs" });
  for (const image of summary.images) {
    if (!image.available) continue;
    thumbs.append(stage(`${API}requests/${summary.seq}/images/${image.index}/thumb`, image.marks, image.role));
  }
  const found = foundText(summary);
  return el("li", {
    class: `request${summary.seq === state.selected ? " selected" : ""}`,
    dataset: { seq: summary.seq, operation: summary.operation },
    onclick: () => select(summary.seq),
  },
  el("div", { class: "head" },
    el("span", { class: "op", text: summary.operation }),
    el("span", { class: `status${failed ? " error" : ""}`, text: summary.status }),
    el("span", { class: "time", text: clock(summary.time) }),
    el("span", { class: "latency", text: `${number(summary.latency_ms, 0)} ms` })),
  failed ? el("div", { class: "errmsg", text: `${summary.error_code}: ${summary.error_message || ""}` }) : null,
  summary.images.length ? thumbs : null,
  found ? el("div", { class: "found", text: found }) : null,
  summary.collection_id ? el("div", { class: "found", text: `collection ${summary.collection_id}` }) : null);
}

// Rows are added and removed one by one, so the thumbnails already shown are not fetched again.
function renderRequests(added) {
  const list = document.getElementById("request-list");
  list.prepend(...added.map(requestRow));
  const kept = new Set(state.requests.map((r) => r.seq));
  for (const row of [...list.children]) {
    if (!kept.has(Number(row.dataset.seq))) row.remove();
  }
  document.getElementById("requests-count").textContent = state.requests.length;
}

async function pollRequests() {
  let data = await getJSON(`requests?after=${state.latest}`);
  if (state.server !== data.server) {  // first poll, or a restarted server: start over
    if (state.server !== undefined && state.latest) {
      state.latest = 0;
      data = await getJSON("requests?after=0");
    }
    state.server = data.server;
    state.requests = [];
    state.selected = null;
    document.getElementById("request-list").replaceChildren();
  }
  let changed = false;
  if (data.requests.length) {
    state.requests = data.requests.concat(state.requests);
    state.latest = Math.max(state.latest, ...data.requests.map((r) => r.seq));
    changed = true;
  }
  if (state.requests.length > data.kept) {  // pushed out of the ring, or cleared
    state.requests = state.requests.slice(0, data.kept);
    changed = true;
  }
  const mb = (data.bytes / 1048576).toFixed(1);
  document.getElementById("ring-info").textContent =
    `${data.kept} of at most ${data.max_requests} requests kept (${mb} of ${(data.max_bytes / 1048576).toFixed(0)} MB)` +
    (data.dropped ? `, ${data.dropped} older ones dropped` : "");
  if (changed) renderRequests(data.requests);
  if (state.selected !== null && !state.requests.some((r) => r.seq === state.selected)) {
    state.selected = null;
    document.getElementById("request-detail").replaceChildren(el("p", { class: "hint", text: "That request is no longer kept." }));
  }
}

// -- one request in detail -------------------------------------------------------------

async function select(seq) {
  state.selected = seq;
  for (const row of document.querySelectorAll(".request")) {
    row.classList.toggle("selected", Number(row.dataset.seq) === seq);
  }
  const panel = document.getElementById("request-detail");
  let detail;
  try {
    detail = await getJSON(`requests/${seq}`);
  } catch (error) {
    panel.replaceChildren(el("p", { class: "hint", text: `Could not load request ${seq}: ${error.message}` }));
    return;
  }
  if (state.selected !== seq) return;
  panel.replaceChildren(...requestDetail(detail));
}

function requestDetail(d) {
  const failed = d.status >= 400;
  const nodes = [
    el("h2", { text: d.operation }),
    el("div", { class: "meta" },
      el("span", { class: `status${failed ? " error" : ""}`, text: d.status }), " ",
      `${clock(d.time)} · ${number(d.latency_ms, 0)} ms · account `, el("b", { text: d.account }),
      " · region ", el("b", { text: d.region }),
      d.collection_id ? [" · collection ", el("b", { text: d.collection_id })] : null),
  ];
  if (failed) nodes.push(el("p", { class: "errmsg" }, el("b", { text: d.error_code }), `: ${d.error_message || ""}`));
  if (d.images.length) {
    const images = el("div", { class: d.images.length > 1 ? "images multi" : "images" });
    for (const image of d.images) {
      const base = `${API}requests/${d.seq}/images/${image.index}`;
      const caption = el("figcaption", {},
        el("b", { text: image.role }), ` · ${image.source}`,
        image.available ? ` · ${image.bytes} bytes · ${plural(image.marks.length, "box")} · ` : ` · ${image.problem}`,
        image.available ? el("a", { href: base, target: "_blank", rel: "noopener", text: "original" }) : null,
        image.available ? " · " : null,
        image.available ? el("a", { href: `${base}/annotated.png`, target: "_blank", rel: "noopener", text: "annotated PNG" }) : null);
      images.append(el("figure", { dataset: { role: image.role } }, image.available ? stage(base, image.marks, image.role) : null, caption));
    }
    nodes.push(images);
    const rows = d.images.flatMap((image) => image.marks.map((m) => el("tr", {},
      el("td", { text: image.role }), el("td", { text: m.kind }),
      el("td", { text: number(m.confidence) }), el("td", { text: number(m.similarity) }),
      el("td", { class: "mono", text: m.face_id || "" }), el("td", { text: m.external_image_id || m.label || "" }),
      el("td", { class: "mono", text: ["Left", "Top", "Width", "Height"].map((k) => number(m.box[k], 3)).join(" ") }),
      el("td", { text: (m.reasons || []).join(", ") }))));
    if (rows.length) {
      nodes.push(el("h3", { text: "Boxes" }), el("table", {},
        el("tr", {}, ...["image", "kind", "confidence", "similarity", "FaceId", "ExternalImageId / label", "left top width height", "reasons"].map((h) => el("th", { text: h }))),
        ...rows));
    }
  }
  if (d.matches.length || (isSearch(d.operation) && !failed)) {
    const users = d.operation.includes("Users");
    nodes.push(el("h3", { text: `Matched ${users ? "users" : "collection faces"} (${d.matches.length})` }));
    if (d.matches.length) {
      const headings = users ? ["similarity", "UserId"] : ["similarity", "FaceId", "ExternalImageId", "ImageId"];
      nodes.push(el("table", { class: "matches" },
        el("tr", {}, ...headings.map((h) => el("th", { text: h }))),
        ...d.matches.map((m) => el("tr", {},
          el("td", { text: `${number(m.similarity)}%` }),
          el("td", { class: "mono", text: (users ? m.user_id : m.face_id) || "" }),
          users ? null : el("td", { text: m.external_image_id || "" }),
          users ? null : el("td", { class: "mono", text: m.image_id || "" })))));
    } else {
      nodes.push(el("p", { class: "empty", text: `No ${users ? "user" : "collection face"} reached the threshold.` }));
    }
  }
  nodes.push(
    el("details", {}, el("summary", { text: "Request JSON" }), el("pre", { text: JSON.stringify(d.request, null, 2) })),
    el("details", { open: failed }, el("summary", { text: "Response JSON" }), el("pre", { text: JSON.stringify(d.response, null, 2) })));
  return nodes;
}

// -- collections -----------------------------------------------------------------------

async function pollCollections() {
  const data = await getJSON("collections");
  document.getElementById("collections-count").textContent = data.collections.length;
  const signature = JSON.stringify(data.collections);
  if (signature === state.lastCollections) {
    return;
  }
  state.lastCollections = signature;
  const container = document.getElementById("collection-list");
  if (!data.collections.length) {
    container.replaceChildren(el("p", { class: "empty", text: "No collections yet. CreateCollection and IndexFaces fill this page." }));
    return;
  }
  const groups = new Map();
  for (const c of data.collections) {
    const key = `${c.account} · ${c.region}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const nodes = [];
  for (const [where, collections] of groups) {
    nodes.push(el("div", { class: "region" }, el("h2", { text: `account ${where}` }), ...collections.map(collectionCard)));
  }
  container.replaceChildren(...nodes);
}

function collectionCard(c) {
  const key = `${c.account}/${c.region}/${c.id}`;
  const body = el("div", { class: "faces" });
  const card = el("details", { class: "collection", dataset: { collection: c.id }, open: state.openCollections.has(key) },
    el("summary", {},
      el("span", { class: "name", text: c.id }),
      el("span", { text: plural(c.face_count, "face") }),
      c.user_count ? el("span", { text: plural(c.user_count, "user") }) : null,
      el("span", {}, ...Object.entries(c.tags).map(([k, v]) => el("span", { class: "tag", text: `${k}=${v}` }))),
      el("span", { class: "small", text: `created ${clock(c.created)}` })),
    body);
  card.addEventListener("toggle", () => {
    if (card.open) {
      state.openCollections.add(key);
      loadFaces(c, body);
    } else {
      state.openCollections.delete(key);
    }
  });
  if (card.open) loadFaces(c, body);
  return card;
}

async function loadFaces(c, body) {
  const path = ["collections", c.account, c.region, c.id, "faces"].map(encodeURIComponent).join("/");
  const data = await getJSON(path);
  if (!data.faces.length) {
    body.replaceChildren(el("p", { class: "empty", text: "No faces indexed." }));
    return;
  }
  const rows = data.faces.map((f) => {
    const crop = f.crop
      ? el("img", { class: "crop", alt: "face", src: `${API}${["crops", c.account, c.region, c.id, f.face_id + ".jpg"].map(encodeURIComponent).join("/")}` })
      : el("span", { class: "crop none", title: "no crop kept (face crops are off, or the face was indexed before this server started keeping them)", text: "—" });
    return el("tr", { dataset: { faceId: f.face_id } },
      el("td", {}, crop), el("td", { class: "mono", text: f.face_id }), el("td", { text: f.external_image_id || "" }),
      el("td", { text: f.user_id || "" }), el("td", { class: "mono", text: f.image_id }),
      el("td", { class: "mono", text: ["Left", "Top", "Width", "Height"].map((k) => number(f.box[k], 3)).join(" ") }),
      el("td", { text: number(f.confidence) }));
  });
  const table = el("table", {},
    el("tr", {}, ...["", "FaceId", "ExternalImageId", "UserId", "ImageId", "left top width height", "confidence"].map((h) => el("th", { text: h }))),
    ...rows);
  const more = el("p", { class: "hint", text: `Showing the first ${data.faces.length} of ${data.face_count} faces.` });
  body.replaceChildren(...(data.next ? [table, more] : [table]));
}

// -- controls (scripted answers and injected faults) ------------------------------------

async function pollControls() {
  const data = await getJSON("controls");
  const signature = JSON.stringify(data);
  document.getElementById("controls-count").textContent = data.controls.length;
  if (signature === state.lastControls) return;
  state.lastControls = signature;
  const info = document.getElementById("controls-info");
  const button = document.getElementById("clear-controls");
  const list = document.getElementById("control-list");
  button.hidden = !data.available;
  if (!data.available) {
    info.textContent = "This version of rekognition-mock has no test-author controls.";
    list.replaceChildren();
    return;
  }
  info.textContent = data.controls.length
    ? `${plural(data.controls.length, "control")} in force`
    : "No scripted answers or injected faults in force.";
  if (!data.controls.length) {
    list.replaceChildren();
    return;
  }
  list.replaceChildren(el("table", { class: "controls-table" },
    el("tr", {}, ...["kind", "applies to", "what", "remaining"].map((h) => el("th", { text: h }))),
    ...data.controls.map((c) => el("tr", {},
      el("td", { text: c.kind }), el("td", { class: "mono", text: c.target }),
      el("td", { text: c.detail }), el("td", { text: c.remaining ?? "" })))));
}

// -- video jobs ---------------------------------------------------------------------------

async function pollJobs() {
  const data = await getJSON("jobs");
  const signature = JSON.stringify(data);
  document.getElementById("jobs-count").textContent = data.jobs.length;
  if (signature === state.lastJobs) return;
  state.lastJobs = signature;
  const list = document.getElementById("job-list");
  document.getElementById("jobs-info").textContent = data.jobs.length
    ? `${plural(data.jobs.length, "video job")}, newest first`
    : "No video job yet: a Start* call (StartFaceSearch, ...) appears here.";
  if (!data.jobs.length) {
    list.replaceChildren();
    return;
  }
  list.replaceChildren(el("table", { class: "controls-table" },
    el("tr", {}, ...["started", "operation", "video", "status", "tag", "results", "job id", "frames"].map((h) => el("th", { text: h }))),
    ...data.jobs.map((j) => el("tr", {},
      el("td", { text: clock(j.started) }), el("td", { text: j.api }), el("td", { class: "mono", text: j.video }),
      el("td", { text: j.status_message ? `${j.status}: ${j.status_message}` : j.status }),
      el("td", { text: j.job_tag ?? "" }), el("td", { text: j.results }),
      el("td", { class: "mono", text: `${j.job_id.slice(0, 12)}…` }),
      el("td", { class: "strip" }, ...j.frames.map((f, i) => el("img", {
        src: `${API}${["jobs", j.account, j.region, j.job_id, "frames", `${i}.jpg`].map(encodeURIComponent).join("/")}`,
        alt: `${f.timestamp} ms: ${plural(f.faces, "face")}`, title: `${f.timestamp} ms: ${plural(f.faces, "face")}`,
      })))))));
}

// -- wiring -------------------------------------------------------------------------------

function show(view) {
  state.view = view;
  for (const tab of document.querySelectorAll(".tab")) {
    tab.setAttribute("aria-selected", String(tab.dataset.view === view));
  }
  for (const section of document.querySelectorAll(".view")) {
    section.hidden = section.id !== `${view}-view`;
  }
  refresh();
}

let lastSlow = 0;
async function refresh() {
  if (document.hidden || !document.getElementById("live").checked) return;
  try {
    await pollRequests();
    const now = Date.now();
    if (state.view !== "requests" || now - lastSlow > COLLECTIONS_MS) {
      lastSlow = now;
      await pollCollections();
      await pollControls();
      await pollJobs();
    }
    setStatus(`updated ${new Date().toLocaleTimeString([], { hour12: false })}`);
  } catch (error) {
    setStatus(`server unreachable (${error.message})`);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => show(tab.dataset.view));
  }
  document.getElementById("landmarks").addEventListener("change", (event) => {
    document.body.classList.toggle("show-landmarks", event.target.checked);
  });
  document.getElementById("live").addEventListener("change", refresh);
  document.getElementById("clear-requests").addEventListener("click", async () => {
    await post("requests/clear");
    await refresh();
  });
  document.getElementById("clear-controls").addEventListener("click", async () => {
    await post("controls/clear");
    state.lastControls = "";
    await refresh();
  });
  document.addEventListener("visibilitychange", refresh);
  refresh();
  setInterval(refresh, POLL_MS);
});
