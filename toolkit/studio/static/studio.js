// Reel Studio page: shows the frame at the scrubber's time, the scenes, the issues; follows saves.
"use strict";
const $ = (id) => document.getElementById(id);
let film = null;   // the state's film (the last good plan), or null before the first one
let current = 0;   // the frame shown (or being fetched)

function seconds(n) { return film ? n / film.fps : 0; }

function show(n) {
  if (!film) return;
  current = Math.max(0, Math.min(film.frames - 1, Math.round(n)));
  $("scrubber").value = String(current);
  $("clock").textContent = `${seconds(current).toFixed(2)} s · frame ${current}`;
  fetchFrame();
  for (const b of document.querySelectorAll("#strip button")) {
    b.classList.toggle("current", current >= Number(b.dataset.start) && current < Number(b.dataset.end));
  }
}

// One frame request at a time: while one is being drawn, only the newest wanted frame waits, so
// dragging the scrubber never queues dozens of drawings on the server (or the browser's six sockets).
let loading = false;

function fetchFrame() {
  if (loading || !film) return;
  const img = $("frame"), src = `/frame?n=${current}&k=${film.key}`;
  img.dataset.wanted = String(current);
  if (img.getAttribute("src") === src && img.complete) { frameLoaded(); return; }
  loading = true;
  img.src = src;
}

function frameDone() {
  loading = false;
  if (film && $("frame").getAttribute("src") !== `/frame?n=${current}&k=${film.key}`) fetchFrame();
}

async function frameFailed() {
  frameDone();
  // the image did not come: ask again for the server's words (a deleted clip, no plan yet)
  const img = $("frame");
  try {
    const r = await fetch(img.src, { cache: "no-store" });
    const body = r.ok ? null : await r.json();
    if (body) { $("frame-error").textContent = body.error; $("frame-error").hidden = false; }
  } catch (e) { $("frame-error").textContent = String(e); $("frame-error").hidden = false; }
}

function frameLoaded() {
  const img = $("frame");
  $("frame-error").hidden = true;
  img.dataset.shown = img.dataset.wanted;   // read by the browser test
  img.dataset.key = film ? film.key : "";
  frameDone();
  if (!thumbing) nextThumb();
}

let thumbing = false;

function nextThumb() {
  // thumbnails after the frame, one at a time (the server draws them all in one batch anyway)
  const t = document.querySelector("#strip img[data-src]");
  thumbing = Boolean(t);
  if (!t) return;
  t.addEventListener("load", nextThumb, { once: true });
  t.addEventListener("error", nextThumb, { once: true });
  t.src = t.dataset.src;
  delete t.dataset.src;
}

function placeSafe() {
  const box = $("safe");
  if (!film) { box.hidden = true; return; }
  const s = film.safe;
  box.style.left = `${100 * s.x / film.width}%`;
  box.style.top = `${100 * s.y / film.height}%`;
  box.style.width = `${100 * s.w / film.width}%`;
  box.style.height = `${100 * s.h / film.height}%`;
  box.hidden = !$("safe-toggle").checked;
}

function where(issue) {
  let at = issue.file ? issue.file.split("/").pop() : "";
  if (issue.line != null) at += `:${issue.line}`;
  if (issue.line != null && issue.col != null) at += `:${issue.col}`;
  return at;
}

function listIssues(issues) {
  const list = $("issues");
  list.replaceChildren();
  for (const issue of issues) {
    const li = document.createElement("li");
    li.className = issue.severity;
    const loc = document.createElement("span");
    loc.className = "where";
    loc.textContent = where(issue) + (issue.path ? ` ${issue.path}` : "");
    li.append(loc, document.createElement("br"), issue.message);
    if (issue.frame != null) {
      li.classList.add("jump");
      li.tabIndex = 0;
      li.title = `show ${(issue.frame / (film ? film.fps : 1)).toFixed(2)} s`;
      li.dataset.frame = String(issue.frame);
      li.addEventListener("click", () => show(issue.frame));
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") show(issue.frame); });
    }
    list.append(li);
  }
  $("issue-count").textContent = issues.length ? `(${issues.length})` : "(none)";
}

function strip() {
  const list = $("strip");
  list.replaceChildren();
  thumbing = false;
  if (!film) return;
  for (const scene of film.scenes) {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.dataset.start = scene.start; b.dataset.end = scene.end;
    const img = document.createElement("img");
    img.alt = scene.name;
    img.dataset.src = `/frame?n=${scene.thumb}&k=${film.key}&thumb=1`;
    const label = document.createElement("span");
    label.textContent = `${scene.name} · ${seconds(scene.start).toFixed(1)} s`;
    b.append(img, label);
    b.addEventListener("click", () => show(scene.start));
    li.append(b);
    list.append(li);
  }
}

async function refresh() {
  const r = await fetch("/api/state", { cache: "no-store" });
  const state = await r.json();
  film = state.film;
  document.body.dataset.version = String(state.version);
  $("status").textContent = state.stale
    ? (film ? "— the storyboard does not plan now: showing the last good preview" : "— no preview yet")
    : "";
  $("status").className = state.stale ? "stale" : "";
  if (film) {
    $("title").textContent = film.title;
    document.title = `${film.title} — Reel Studio`;
    $("duration").textContent = `${film.duration.toFixed(2)} s · ${film.frames} frames at ${film.fps} fps`;
    $("scrubber").max = String(film.frames - 1);
  }
  placeSafe();
  strip();
  listIssues(state.issues);
  showDraft();
  show(current);
}

function showDraft() {
  // the draft of the plan on screen, rendered by the normal draft render (every gate), with sound
  const d = film ? film.draft : null, status = $("draft-status"), player = $("player");
  $("render-draft").disabled = !film || !d || d.state === "rendering";
  status.className = d && d.state === "failed" ? "failed" : "";
  const words = { none: "no draft of this version yet", rendering: "rendering the draft…",
                  ready: `draft ready (rendered in ${d && d.seconds} s): play it below`, failed: "" };
  status.textContent = !d ? "" : d.state === "failed" ? `the draft failed: ${d.message}`
    : d.state === "rendering" && !d.current ? "rendering the draft of an earlier version…" : words[d.state];
  const src = d && d.state === "ready" ? `/draft.mp4?k=${film.key}` : "";
  if (player.getAttribute("src") !== src) {
    if (src) player.src = src; else { player.pause(); player.removeAttribute("src"); player.load(); }
  }
  player.hidden = !src;
}

async function renderDraft() {
  $("render-draft").disabled = true;
  const r = await fetch("/draft", { method: "POST" });
  if (!r.ok) { $("draft-status").textContent = (await r.json()).error; $("render-draft").disabled = false; return; }
  await refresh();
}

function keys(e) {
  if (e.target && e.target.tagName === "VIDEO") return;  // the player's own keys
  if (!film || e.altKey || e.ctrlKey || e.metaKey) return;
  const step = e.shiftKey ? Math.round(film.fps) : 1;
  if (e.key === "ArrowRight") show(current + step);
  else if (e.key === "ArrowLeft") show(current - step);
  else if (e.key === "Home") show(0);
  else if (e.key === "End") show(film.frames - 1);
  else if (e.key === "s" || e.key === "S") { $("safe-toggle").checked = !$("safe-toggle").checked; placeSafe(); }
  else return;
  e.preventDefault();
}

window.addEventListener("DOMContentLoaded", () => {
  $("frame").addEventListener("load", frameLoaded);
  $("frame").addEventListener("error", frameFailed);
  $("scrubber").addEventListener("input", (e) => show(Number(e.target.value)));
  $("safe-toggle").addEventListener("change", placeSafe);
  document.addEventListener("keydown", keys);
  const events = new EventSource("/events");
  events.addEventListener("refresh", refresh);
  events.addEventListener("draft", refresh);
  $("render-draft").addEventListener("click", renderDraft);
  // paused or moved in the draft: the preview shows that exact frame
  $("player").addEventListener("pause", () => show($("player").currentTime * (film ? film.fps : 30)));
  events.addEventListener("open", refresh);  // after a reconnect too: catch what was missed
});
