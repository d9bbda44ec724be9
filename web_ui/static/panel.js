// Agent side panel: live transcript + auto-filled ticket. Plain JS, no build step.
// Never overwrites what the agent is typing; every auto value shows its confidence and the words it came from.
"use strict";

const params = new URLSearchParams(location.search);
const SPEAKER = { agent: "话务员", caller: "市民" };
const STATE = { live: "通话中", ended: "已挂断", dropped: "连接中断", submitted: "已提交" };

const state = {
  callId: null, ws: null, retry: 0, segments: new Map(), partials: new Map(),
  values: {}, fields: {}, form: [], meta: {}, editing: new Set(), submitted: false,
};

const $ = (id) => document.getElementById(id);

function wsUrl() {
  const q = new URLSearchParams();
  for (const k of ["call_id", "agent_id", "token"]) if (params.get(k)) q.set(k, params.get(k));
  if (state.callId && !params.get("call_id") && !params.get("agent_id")) q.set("call_id", state.callId);
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/panel?${q}`;
}

function connect() {
  const ws = new WebSocket(wsUrl());
  state.ws = ws;
  ws.onopen = () => { state.retry = 0; setConn(true); };
  ws.onmessage = (m) => handle(JSON.parse(m.data));
  ws.onclose = () => {
    setConn(false);
    const delay = Math.min(5000, 300 * 2 ** state.retry++);
    setTimeout(connect, delay);  // reconnects by itself; the server replies with a fresh snapshot
  };
}

function send(obj) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) { state.ws.send(JSON.stringify(obj)); return true; }
  setStatus("未连接，操作未发送");
  return false;
}

function setConn(on) { const c = $("conn"); c.className = "conn " + (on ? "on" : "off"); c.textContent = on ? "已连接" : "重连中"; }
function setStatus(text) { $("status").textContent = text; }

function handle(ev) {
  switch (ev.type) {
    case "snapshot": return snapshot(ev);
    case "transcript_partial": return partial(ev);
    case "transcript_final": return final(ev);
    case "field_update": return fieldUpdate(ev, true);
    case "ticket_meta": return meta(ev);
    case "call_state": return callState(ev);
    case "action_ok":
      if (ev.action === "submit") setStatus(`工单已提交（编号 ${ev.detail.ticket_id}）`);
      return;
    case "waiting": $("call-label").textContent = `坐席 ${ev.agent_id}：等待来电…`; return;
    case "error": setStatus(ev.message); return;
  }
}

function snapshot(ev) {
  state.callId = ev.call.call_id;
  state.segments.clear(); state.partials.clear();
  state.values = {}; state.fields = {};
  $("transcript").replaceChildren();
  for (const s of ev.segments) final(s, false);
  for (const p of ev.partials) partial(p);
  meta(ev.meta);
  for (const f of ev.fields) fieldUpdate(f, false);
  callState(ev.call);
  scrollToEnd(true);
}

// ---------- transcript ----------
function atBottom(el) { return el.scrollHeight - el.scrollTop - el.clientHeight < 40; }
function scrollToEnd(force) { const t = $("transcript"); if (force || state.stick) t.scrollTop = t.scrollHeight; }

function bubble(speaker) {
  const div = document.createElement("div");
  div.className = "seg " + speaker;
  const who = document.createElement("span"); who.className = "who"; who.textContent = SPEAKER[speaker] || speaker;
  const text = document.createElement("span"); text.className = "text";
  div.append(who, text);
  return div;
}

function partial(ev) {
  const t = $("transcript"); state.stick = atBottom(t);
  let div = state.partials.get(ev.speaker);
  if (!div) { div = bubble(ev.speaker); div.classList.add("partial"); state.partials.set(ev.speaker, div); t.append(div); }
  const text = div.querySelector(".text");
  text.textContent = ev.stable;
  const pending = document.createElement("span"); pending.className = "pending"; pending.textContent = ev.text.slice(ev.stable.length);
  text.append(pending);
  scrollToEnd();
}

function final(ev, live = true) {
  const t = $("transcript"); state.stick = atBottom(t);
  const p = state.partials.get(ev.speaker);
  const div = p || bubble(ev.speaker);
  if (p) { state.partials.delete(ev.speaker); div.classList.remove("partial"); }
  div.dataset.segment = ev.segment_id;
  div.querySelector(".text").textContent = ev.text;
  state.segments.set(ev.segment_id, { ...ev, el: div });
  if (!p) t.append(div);
  if (live) scrollToEnd();
}

// ---------- ticket ----------
function confClass(c) { return c >= 0.8 ? "hi" : c >= 0.5 ? "mid" : "lo"; }

function renderForm() {
  const form = $("fields");
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
  const wanted = state.form.map((f) => f.key).join(",");
  if (form.dataset.keys === wanted) return;  // same form: keep the DOM (no flicker, no lost focus)
  form.dataset.keys = wanted;
  const old = new Map([...form.querySelectorAll("input,select")].map((el) => [el.dataset.key, el.value]));
  form.replaceChildren();
  for (const f of state.form) {
    const row = document.createElement("div"); row.className = "field"; row.dataset.key = f.key;
    const label = document.createElement("label"); label.textContent = f.label + (f.required ? " *" : ""); label.htmlFor = "f-" + f.key;
    let input;
    if (f.type === "enum" && f.options.length) {
      input = document.createElement("select");
      input.append(new Option("", ""));
      for (const o of f.options) input.append(new Option(o, o));
    } else {
      input = document.createElement("input");
    }
    input.id = "f-" + f.key; input.dataset.key = f.key;
    input.value = state.values[f.key] ?? old.get(f.key) ?? "";
    input.addEventListener("input", () => state.editing.add(f.key));
    input.addEventListener("change", () => edit(f.key, input.value));
    const conf = document.createElement("button"); conf.type = "button"; conf.className = "conf"; conf.tabIndex = -1;
    conf.addEventListener("click", () => showEvidence(f.key));
    row.append(label, input, conf);
    form.append(row);
    paintField(f.key);
  }
  if (focused) { const el = document.getElementById("f-" + focused); if (el) el.focus(); }
}

function paintField(key) {
  const row = $("fields").querySelector(`.field[data-key="${key}"]`);
  const f = state.fields[key];
  if (!row) return;
  row.classList.toggle("auto", !!f && f.source === "auto" && f.new != null);
  row.classList.toggle("agent", !!f && f.source === "agent");
  const conf = row.querySelector(".conf");
  if (!f || f.new == null) { conf.textContent = ""; conf.className = "conf"; conf.title = ""; return; }
  if (f.source === "agent") { conf.textContent = "已改"; conf.className = "conf edited"; conf.title = "坐席已修改，自动填写不再覆盖"; return; }
  conf.textContent = Math.round(f.confidence * 100) + "%";
  conf.className = "conf " + confClass(f.confidence);
  conf.title = "置信度；点击查看依据";
}

function fieldUpdate(ev, flash) {
  state.fields[ev.key] = ev;
  state.values[ev.key] = ev.new;
  if (ev.key === "title") return setTitle(ev.new);
  const el = document.getElementById("f-" + ev.key);
  // The agent's typing wins: an auto value never replaces an input the agent is editing.
  if (el && !(ev.source === "auto" && (state.editing.has(ev.key) || document.activeElement === el))) {
    el.value = ev.new ?? "";
    if (flash && ev.source === "auto") {
      const row = el.closest(".field"); row.classList.add("flash"); setTimeout(() => row.classList.remove("flash"), 700);
    }
  }
  paintField(ev.key);
}

function edit(key, value) {
  state.editing.delete(key);
  const label = key === "title" ? "标题" : (state.form.find((f) => f.key === key) || { label: key }).label;
  if (send({ type: "edit_field", key, value: value === "" ? null : value })) setStatus("已修改：" + label);
}

function setTitle(title) {
  const el = $("title");
  if (!(state.editing.has("title") || document.activeElement === el)) el.value = title || "";
}

function meta(ev) {
  state.meta = ev;
  if (ev.form && ev.form.length) state.form = ev.form;
  renderForm();
  setTitle(ev.title);
  $("category").textContent = ev.category_l1 || "";
  $("appeal").textContent = ev.appeal_type || "";
  $("unit").textContent = ev.handling_unit ? "承办：" + ev.handling_unit : "";
  const sel = $("template");
  const opts = ev.template_top3.map((t) => [t.template_id, `${t.matter}（${t.appeal_type}）${Math.round(t.score * 100)}%`]);
  if (ev.template_id && !opts.some(([id]) => id === ev.template_id)) opts.unshift([ev.template_id, ev.matter || ev.template_id]);
  const key = opts.map(([id, l]) => id + l).join("|") + "#" + ev.template_id;
  if (sel.dataset.key !== key && document.activeElement !== sel) {
    sel.dataset.key = key;
    sel.replaceChildren(...(opts.length ? opts : [["", "（尚无推荐）"]]).map(([id, label]) => new Option(label, id)));
    sel.value = ev.template_id || "";
  }
}

function callState(ev) {
  state.callId = ev.call_id;
  $("call-label").textContent = `通话 ${ev.call_id}` + (ev.agent_id ? ` · 坐席 ${ev.agent_id}` : "");
  $("call-state").textContent = STATE[ev.state] || ev.state;
  state.submitted = ev.state === "submitted";
  $("submit").disabled = state.submitted;
  if (state.submitted && ev.ticket_id) setStatus(`工单已提交（编号 ${ev.ticket_id}）`);
}

function showEvidence(key) {
  const f = state.fields[key];
  const box = $("evidence");
  document.querySelectorAll(".seg.hl").forEach((e) => e.classList.remove("hl"));
  if (!f || !f.evidence || !f.evidence.length || box.dataset.key === key && !box.hidden) { box.hidden = true; box.dataset.key = ""; return; }
  box.replaceChildren();
  box.dataset.key = key;
  const head = document.createElement("div"); head.textContent = `${f.label}「${f.new}」的依据：`; box.append(head);
  for (const e of f.evidence) {
    const seg = state.segments.get(e.segment_id);
    const line = document.createElement("div");
    const text = seg ? seg.text : e.text;
    const who = seg ? SPEAKER[seg.speaker] + "：" : "";
    if (seg && e.end <= text.length && text.slice(e.start, e.end) === e.text) {
      const mark = document.createElement("mark"); mark.textContent = text.slice(e.start, e.end);
      line.append(who + text.slice(0, e.start), mark, text.slice(e.end));
    } else {
      const mark = document.createElement("mark"); mark.textContent = e.text; line.append(who, mark);
    }
    box.append(line);
    if (seg) { seg.el.classList.add("hl"); seg.el.scrollIntoView({ block: "nearest" }); }
  }
  box.hidden = false;
}

$("title").addEventListener("input", () => state.editing.add("title"));
$("title").addEventListener("change", () => edit("title", $("title").value));
$("template").addEventListener("change", (e) => { if (e.target.value) send({ type: "choose_template", template_id: e.target.value }); });
$("submit").addEventListener("click", () => {
  // an input still being typed in is sent first, so the ticket holds what the agent sees
  const el = document.activeElement;
  if (el && el.dataset && el.dataset.key && state.editing.has(el.dataset.key)) edit(el.dataset.key, el.value);
  if (send({ type: "submit" })) setStatus("提交中…");
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("submit").click(); }
  if (e.key === "Escape") { $("evidence").hidden = true; }
});
connect();
