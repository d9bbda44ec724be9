// QA replay page: stored calls (filters, transcript search), one call's audio + transcript + field timeline + the
// diff of what the assistant filled against what the agent submitted, and QA metrics. Plain JS, no build step.
"use strict";

const params = new URLSearchParams(location.search);
const TOKEN = params.get("token");
const SPEAKER = { agent: "话务员", caller: "市民" };
const STATE = { live: "通话中", ended: "已挂断", dropped: "连接中断", submitted: "已提交" };
const SOURCE = { auto: "自动", agent: "坐席" };
const LIST_LIMIT = 500;  // newest first; narrower filters find older calls
const OUTCOME = { accepted: "采纳", edited: "修改", cleared: "清空", added: "补填", empty: "" };

const state = { facets: { agents: [], templates: [], districts: [] }, names: {}, callId: null, review: null,
                segs: [], active: new Set(), view: "calls" };
const $ = (id) => document.getElementById(id);

// ---------- helpers ----------
function api(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  if (TOKEN) q.set("token", TOKEN);
  const s = q.toString();
  return path + (s ? "?" + s : "");
}

async function getJSON(path, query) {
  const r = await fetch(api(path, query));
  if (r.status === 401) throw new Error("令牌缺失或无效（在地址后加 ?token=…）");
  if (r.status === 404) { const e = new Error("not found"); e.notFound = true; throw e; }
  if (!r.ok) throw new Error(`服务返回 ${r.status}`);
  return r.json();
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

// The store's times carry no offset when they come from SQLite: they are UTC.
function parseTime(iso) {
  if (!iso) return null;
  const s = /[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z";
  return new Date(s.replace(/(\.\d{3})\d+/, "$1"));
}
function localTime(iso) {
  const d = parseTime(iso);
  return d ? d.toLocaleString("zh-CN", { hour12: false }) : "—";
}
function clock(t) {
  if (t === null || t === undefined) return "--:--";
  const m = Math.floor(t / 60), s = t - m * 60;
  return `${String(m).padStart(2, "0")}:${s.toFixed(1).padStart(4, "0")}`;
}
function pct(x) { return x === null || x === undefined ? "—" : Math.round(x * 100) + "%"; }
function secs(x) { return x === null || x === undefined ? "—" : x.toFixed(1) + " 秒"; }
function templateName(id) { return id ? (state.names[id] || id) : "—"; }
function shown(key, value) {
  if (value === null || value === undefined || value === "") return "（空）";
  return key === "template_id" ? templateName(value) : value;
}
function setStatus(text) { $("status").textContent = text || ""; }

// A local date picked in the form, as the UTC instant the API compares with.
function dayStart(value, plusDays = 0) {
  if (!value) return null;
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}
function filterQuery(all) {
  const q = { since: dayStart($("f-since").value), until: dayStart($("f-until").value, 1), agent_id: $("f-agent").value };
  if (all) Object.assign(q, { template_id: $("f-template").value, district: $("f-district").value,
                              state: $("f-state").value, q: $("f-q").value.trim() });
  return q;
}

// ---------- filters ----------
async function loadFacets() {
  try {
    const f = await getJSON("/api/qa/facets");
    state.facets = f;
    for (const t of f.templates) state.names[t.id] = t.name;
    fillSelect($("f-agent"), f.agents.map((a) => [a, a]));
    fillSelect($("f-template"), f.templates.map((t) => [t.id, t.name]));
    fillSelect($("f-district"), f.districts.map((d) => [d, d]));
  } catch (e) { setStatus("筛选项加载失败：" + e.message); }
}
function fillSelect(sel, options) {
  const keep = sel.value;
  sel.replaceChildren(new Option("全部", ""), ...options.map(([v, l]) => new Option(l, v)));
  sel.value = options.some(([v]) => v === keep) ? keep : "";
}

// ---------- call list ----------
async function loadList() {
  const body = $("calls").tBodies[0];
  let calls;
  try {
    calls = await getJSON("/api/calls", { ...filterQuery(true), limit: LIST_LIMIT });
  } catch (e) {
    body.replaceChildren(); $("list-count").textContent = "";
    $("list-empty").hidden = false; $("list-empty").textContent = "通话列表加载失败：" + e.message;
    return;
  }
  body.replaceChildren();
  $("list-count").textContent = calls.length >= LIST_LIMIT ? `显示最新的 ${calls.length} 通（请缩小筛选范围）`
    : calls.length ? `共 ${calls.length} 通` : "";
  $("list-empty").hidden = calls.length > 0;
  $("list-empty").textContent = "没有符合条件的通话";
  for (const c of calls) {
    const tr = el("tr");
    tr.dataset.callId = c.id;
    tr.tabIndex = 0;
    tr.title = c.id;
    tr.append(el("td", null, localTime(c.started_at)), el("td", null, c.agent_id || "—"),
              el("td", "num", clock(c.audio_s)), el("td", null, c.district || "—"),
              el("td", "tpl", templateName(c.template_id)), el("td", "state-" + c.state, STATE[c.state] || c.state));
    tr.classList.toggle("sel", c.id === state.callId);
    tr.addEventListener("click", () => openCall(c.id));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") openCall(c.id); });
    body.append(tr);
  }
}

// ---------- one call ----------
async function openCall(id) {
  state.callId = id;
  for (const tr of $("calls").tBodies[0].rows) tr.classList.toggle("sel", tr.dataset.callId === id);
  const url = new URL(location.href);
  url.searchParams.set("call", id);
  history.replaceState(null, "", url);
  let review;
  try {
    review = await getJSON(`/api/qa/calls/${encodeURIComponent(id)}`);
  } catch (e) {
    $("detail-body").hidden = true;
    $("detail-empty").hidden = false;
    $("detail-empty").textContent = e.notFound ? `未找到通话 ${id}（编号有误，或无权查看）` : "通话加载失败：" + e.message;
    $("player").removeAttribute("src");
    return;
  }
  if (state.callId !== id) return;  // another call was opened meanwhile
  state.review = review;
  Object.assign(state.names, review.templates);
  renderCall(review);
}

function renderCall(r) {
  const c = r.call;
  $("detail-empty").hidden = true;
  $("detail-body").hidden = false;
  $("d-title").textContent = `通话 ${c.id}`;
  $("d-meta").textContent = [`坐席 ${c.agent_id || "—"}`, STATE[c.state] || c.state, localTime(c.started_at),
                             `时长 ${clock(c.audio_s)}`, templateName(c.template_id)].join(" · ");
  const player = $("player");
  player.pause();
  if (c.has_audio) { player.src = api(`/api/calls/${encodeURIComponent(c.id)}/audio`); player.hidden = false; }
  else { player.removeAttribute("src"); player.load(); player.hidden = true; }
  $("no-audio").hidden = c.has_audio;
  renderTranscript(c.segments);
  renderDiff(r.diff, c.state);
  renderTimeline(r.timeline);
}

function renderTranscript(segments) {
  const box = $("transcript");
  box.replaceChildren();
  state.segs = [];
  state.active = new Set();
  if (!segments.length) { box.append(el("p", "notice", "该通话没有转写内容")); return; }
  for (const s of segments) {
    const div = el("div", "seg " + s.speaker);
    div.dataset.segment = s.segment_id;
    div.dataset.start = s.start_s;
    div.title = "点击从这里播放";
    div.append(el("span", "t", clock(s.start_s)), el("span", "who", SPEAKER[s.speaker] || s.speaker),
               el("span", "text", s.text));
    div.addEventListener("click", () => seek(s.start_s));
    box.append(div);
    state.segs.push({ ...s, el: div });
  }
}

function seek(t) {
  const player = $("player");
  if (player.getAttribute("src")) {
    player.currentTime = t;
    const p = player.play();
    if (p) p.catch(() => {});  // autoplay refused: the position still moved
  }
  follow(t, true);
}

// The player's position drives the transcript (current segments lit) and the timeline (changes already made).
function follow(t, force) {
  const now = new Set(state.segs.filter((s) => s.start_s <= t && t < s.end_s).map((s) => s.segment_id));
  const changed = now.size !== state.active.size || [...now].some((id) => !state.active.has(id));
  if (changed || force) {
    for (const s of state.segs) s.el.classList.toggle("playing", now.has(s.segment_id));
    state.active = now;
    const first = state.segs.find((s) => now.has(s.segment_id));
    if (first && $("follow").checked) first.el.scrollIntoView({ block: "nearest" });
  }
  for (const li of $("timeline").children) li.classList.toggle("reached", Number(li.dataset.t) <= t);
}

function renderDiff(diff, callState) {
  const box = $("diff");
  box.replaceChildren();
  if (!diff) { box.append(el("p", "notice", `尚未提交工单，无法对比（${STATE[callState] || callState}）`)); return; }
  const table = el("table", "diff");
  const head = el("tr");
  for (const h of ["字段", "助手填写", "坐席提交", "结果"]) head.append(el("th", null, h));
  table.createTHead().append(head);
  const body = table.createTBody();
  for (const d of diff) {
    if (d.outcome === "empty") continue;
    const tr = el("tr", "o-" + d.outcome + (d.derived ? " derived" : ""));
    tr.dataset.key = d.key;
    tr.append(el("td", "label", d.label), el("td", "auto", shown(d.key, d.auto)), el("td", "final", shown(d.key, d.final)));
    const res = el("td"); res.append(el("span", "badge " + d.outcome, OUTCOME[d.outcome])); tr.append(res);
    body.append(tr);
  }
  box.append(table);
}

function renderTimeline(entries) {
  const list = $("timeline");
  list.replaceChildren();
  list.classList.toggle("hide-conf", !$("show-conf").checked);
  if (!entries.length) { list.append(el("li", "notice", "助手未填写任何字段")); return; }
  for (const e of entries) {
    const li = el("li", `tl ${e.source} kind-${e.kind}`);
    li.dataset.t = e.t ?? "";
    li.dataset.key = e.key;
    li.append(el("span", "t", clock(e.t)), el("span", "src " + e.source, SOURCE[e.source] || e.source),
              el("span", "label", e.label));
    const val = el("span", "val");
    if (e.kind === "set") val.append(el("span", "new", shown(e.key, e.new)));
    else if (e.kind === "clear") val.append(el("s", "old", shown(e.key, e.old)), el("span", "arrow", " → "), el("span", "new", "（清空）"));
    else if (e.kind === "confidence") val.append(el("span", "new", shown(e.key, e.new)), el("span", "muted", "（置信度更新）"));
    else val.append(el("s", "old", shown(e.key, e.old)), el("span", "arrow", " → "), el("span", "new", shown(e.key, e.new)));
    li.append(val);
    if (e.source === "auto" && e.confidence !== null && e.confidence !== undefined) li.append(el("span", "conf", pct(e.confidence)));
    if (e.evidence && e.evidence.length) {
      const ev = el("div", "ev", "依据：");
      for (const x of e.evidence) {
        const q = el("span", "quote");
        q.append((SPEAKER[x.speaker] || "") + "「", el("mark", null, x.text), "」");
        ev.append(q);
      }
      li.append(ev);
      li.title = "点击播放依据所在的话";
    }
    li.addEventListener("click", () => {
      const starts = (e.evidence || []).map((x) => x.segment_start_s).filter((x) => x !== null && x !== undefined);
      highlightEvidence(e.evidence || []);
      seek(starts.length ? Math.min(...starts) : (e.t || 0));
    });
    list.append(li);
  }
  follow($("player").currentTime || 0);
}

function highlightEvidence(evidence) {
  const ids = new Set(evidence.map((x) => x.segment_id));
  for (const s of state.segs) s.el.classList.toggle("evidence", ids.has(s.segment_id));
}

// ---------- metrics ----------
async function loadMetrics() {
  const q = filterQuery(false);
  $("x-json").href = api("/api/qa/metrics", q);
  $("x-csv-fields").href = api("/api/qa/metrics", { ...q, format: "csv", table: "fields" });
  $("x-csv-calls").href = api("/api/qa/metrics", { ...q, format: "csv", table: "calls" });
  let m;
  try { m = await getJSON("/api/qa/metrics", q); }
  catch (e) { $("m-cards").replaceChildren(el("p", "notice", "指标加载失败：" + e.message)); return; }
  const t = m.template_top1, f = m.fields_overall;
  const cards = [
    ["通话", `${m.calls.total}`, `已提交 ${m.calls.submitted}`],
    ["模板首选采纳率", pct(t.rate), `${t.accepted} / ${t.suggested}`],
    ["字段原样采纳率", pct(f.accepted_rate), `修改 ${pct(f.edited_rate)} · 清空 ${pct(f.cleared_rate)}`],
    ["完成用时（中位数）", secs(m.time_to_complete.median_s), `P90 ${secs(m.time_to_complete.p90_s)}`],
    ["提交用时（中位数）", secs(m.time_to_submit.median_s), `P90 ${secs(m.time_to_submit.p90_s)}`],
  ];
  $("m-cards").replaceChildren(...cards.map(([label, value, sub]) => {
    const d = el("div", "card"); d.append(el("div", "muted", label), el("div", "big", value), el("div", "muted small", sub));
    return d;
  }));
  const body = $("m-fields").tBodies[0];
  body.replaceChildren();
  for (const r of m.fields) {
    const tr = el("tr");
    tr.dataset.key = r.key;
    tr.append(el("td", null, r.label), el("td", "num", r.auto_filled), el("td", "num", r.accepted),
              el("td", "num", r.edited), el("td", "num", r.cleared), el("td", "num", r.added));
    const rate = el("td", "rate");
    const box = el("span", "barbox"), bar = el("span", "bar");
    bar.style.width = Math.round((r.accepted_rate || 0) * 100) + "%";
    box.append(bar);
    rate.append(box, el("span", null, pct(r.accepted_rate)));
    tr.append(rate);
    body.append(tr);
  }
  $("m-empty").hidden = m.calls.submitted > 0;
}

// ---------- views ----------
function showView(view) {
  state.view = view;
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("on", b.dataset.view === view);
  $("calls-view").hidden = view !== "calls";
  $("metrics-view").hidden = view !== "metrics";
  document.body.classList.toggle("metrics", view === "metrics");
  return view === "metrics" ? loadMetrics() : loadList();
}

for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => showView(b.dataset.view));
$("filters").addEventListener("submit", (e) => { e.preventDefault(); showView(state.view); });
$("player").addEventListener("timeupdate", () => follow($("player").currentTime));
$("player").addEventListener("seeked", () => follow($("player").currentTime, true));
$("player").addEventListener("error", () => { if ($("player").getAttribute("src")) setStatus("录音加载失败"); });
$("show-conf").addEventListener("change", () => $("timeline").classList.toggle("hide-conf", !$("show-conf").checked));

(async () => {
  await loadFacets();
  await loadList();
  if (params.get("call")) await openCall(params.get("call"));
})();
