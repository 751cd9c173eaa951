/* shmtrace's page: draws the run's timeline and findings from the two JSON
 * documents embedded in the page (docs/report-format.md, "html").  All
 * text from the trace goes in as text nodes or attribute values, never as
 * markup: a trace is untrusted input. */
"use strict";
(function () {
  const T = JSON.parse(document.getElementById("timeline-data").textContent);
  const F = JSON.parse(document.getElementById("findings-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const S = T.strings;
  const str = (i) => (i >= 0 && i < S.length ? S[i] : null);
  const ENDS = ["still there at the end of the trace", "destroyed (removed, last attachment gone)", "unlinked",
    "ended unseen (its id or name began a new life)", "detached (shmdt)", "the process exited",
    "the process ran a new program (exec)", "the process was killed", "replaced by a later shmat (SHM_REMAP)"];
  const SPAN = T.t1 > 0 ? T.t1 : 1;

  /* ---- the data, as objects ---------------------------------------- */
  const procs = T.procs.map((p, i) => ({ i, pid: p[0], ppid: p[1], exe: str(p[2]), argv: str(p[3]), t0: p[4], t1: p[5], end: p[6], signal: str(p[7]) }));
  const objects = T.objects.map((o, i) => ({ i, kind: ["sysv", "posix", "sem", "msg"][o[0]] || "sysv", shmid: o[1], key: o[2], size: o[3], ns: o[4], name: str(o[5]),
    t0: o[6], t1: o[7], end: o[8], traced: !!o[9], creator: o[10], stack: o[11], rmProc: o[12], rmStack: o[13], rmTs: o[14], spans: [], marks: [], leak: null }));
  const spans = T.spans.map((s, i) => ({ i, object: s[0], proc: s[1], addr: s[2], t0: s[3], t1: s[4], end: s[5], inherited: !!s[6], stack: s[7], endStack: s[8] }));
  const marks = T.marks.map((c, i) => ({ i, ts: c[0], dur: c[1], proc: c[2], tid: c[3], call: T.calls[c[4]] || "?", err: str(c[5]), injected: !!c[6], stack: c[7], object: c[8], ret: c[9] }));
  spans.forEach((s) => objects[s.object] && objects[s.object].spans.push(s));
  const loose = []; /* failed calls on no known segment */
  marks.forEach((m) => (m.object >= 0 && objects[m.object] ? objects[m.object].marks.push(m) : (m.err || m.injected) && loose.push(m)));

  const base = (p) => (p ? p.slice(p.lastIndexOf("/") + 1) : "?");
  const hex = (n, w) => "0x" + Number(n).toString(16).padStart(w || 0, "0");
  const plainName = (n) => (n || "").replace(/^\/+/, "");
  const ms = (ns) => (ns / 1e6).toFixed(3) + " ms";
  const bytes = (n) => (n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + " MiB" : n >= 1024 ? (n / 1024).toFixed(1) + " KiB" : n + " B");
  const procText = (p) => (p ? "pid " + p.pid + " (" + base(p.exe) + ")" : "an unknown process");

  /* ---- leaks: the findings say which rows they are ------------------- */
  const extra = [];
  (F.leaked_segments || []).forEach((l) => {
    const ts = l.created_ts !== undefined ? l.created_ts - T.t0 : null;
    let o = objects.find((o) => o.kind === "sysv" && o.shmid === l.shmid && o.traced && o.t0 === ts && (l.ipc_ns == null || o.ns === l.ipc_ns));
    if (!o) o = objects.slice().reverse().find((o) => o.kind === "sysv" && o.shmid === l.shmid && o.end === 0);
    if (!o) { /* seen only in the kernel's table at the end */
      o = { i: -1 - extra.length, kind: "sysv", shmid: l.shmid, key: parseInt(l.key, 16) || 0, size: l.size, ns: 0, name: null, t0: 0, t1: SPAN, end: 0,
        traced: false, creator: -1, stack: -1, rmProc: -1, rmStack: -1, rmTs: -1, spans: [], marks: [], leak: null, untraced: true };
      extra.push(o);
    }
    o.leak = l;
  });
  (F.posix_names_never_unlinked || []).forEach((l) => {
    const ts = l.created_ts - T.t0;
    const o = objects.find((o) => o.kind === "posix" && plainName(o.name) === plainName(l.name) && o.t0 === ts) ||
      objects.slice().reverse().find((o) => o.kind === "posix" && plainName(o.name) === plainName(l.name) && o.end === 0);
    if (o) o.leak = l;
  });
  [["sem", F.leaked_semaphore_sets, "semid"], ["msg", F.leaked_message_queues, "msqid"]].forEach(([kind, list, id]) => (list || []).forEach((l) => {
    const ts = l.created_ts - T.t0;
    const o = objects.find((o) => o.kind === kind && o.shmid === l[id] && o.traced && o.t0 === ts) ||
      objects.slice().reverse().find((o) => o.kind === kind && o.shmid === l[id] && o.end === 0);
    if (o) o.leak = l;
  }));
  const allObjects = objects.concat(extra);
  /* What an object is, in words: "semaphore set 3". */
  const KIND_WORDS = { sysv: "segment", posix: "POSIX name", sem: "semaphore set", msg: "message queue" };
  const what = (o) => KIND_WORDS[o.kind] + " " + (o.kind === "posix" ? o.name : o.shmid);

  /* ---- small DOM helpers --------------------------------------------- */
  function el(ns, tag, attrs, text) {
    const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const svg = (tag, attrs, text) => el(SVG, tag, attrs, text);
  const html = (tag, attrs, text) => el(null, tag, attrs, text);

  function frameText(f, i) {
    const fn = str(f[0]), file = str(f[1]), mod = str(f[3]);
    if (fn && file) return "#" + i + " " + fn + " " + file + ":" + f[2];
    if (fn) return "#" + i + " " + fn + " (" + base(mod) + ")";
    return "#" + i + " " + (mod ? base(mod) + "+" + hex(f[4]) : hex(f[4]));
  }
  const stackText = (k) => (k >= 0 && T.stacks[k] && T.stacks[k].length ? T.stacks[k].map(frameText).join("\n") : "(no backtrace)");
  function reportFrames(st) {
    if (!st || !st.length) return "(no backtrace)";
    return st.map((f, i) => "#" + i + " " + (f.ip || "") + " in " + (f.function || "??") + " " +
      (f.file ? f.file + ":" + f.line : (f.module || "") + (f.offset ? "+" + f.offset : ""))).join("\n");
  }

  /* ---- rows ---------------------------------------------------------- */
  function label(o) {
    if (o.kind === "posix") return (o.leak ? "LEAK " : "") + "name " + (o.name || "?");
    if (o.kind === "sem" || o.kind === "msg")
      return (o.leak ? "LEAK " : "") + o.kind + " " + o.shmid + " " + hex(o.key, 8) + (o.size ? " ×" + o.size : "");
    return (o.leak ? "LEAK " : "") + "shm " + o.shmid + " " + hex(o.key, 8) + (o.size ? " " + bytes(o.size) : "");
  }
  function program(o) {
    const p = procs[o.creator];
    return p ? base(p.exe) : o.traced ? "?" : "found existing (made outside the trace)";
  }
  function creatorText(o) {
    const p = procs[o.creator];
    return p ? "pid " + p.pid + " (" + base(p.exe) + ")" : "found existing (made outside the trace)";
  }
  const LANES = 6, LANE_H = 6;
  /* Attachments in lanes, each in the first lane free at its start; past
   * LANES they share the last one. */
  function lanes(o) {
    const ends = [];
    o.spans.slice().sort((a, b) => a.t0 - b.t0).forEach((s) => {
      let l = ends.findIndex((e) => e <= s.t0);
      if (l < 0) l = ends.length < LANES ? ends.length : LANES - 1;
      ends[l] = Math.max(ends[l] || 0, s.t1);
      s.lane = l;
    });
    return Math.max(1, Math.min(ends.length, LANES));
  }
  allObjects.forEach((o) => { o.lanes = lanes(o); o.height = Math.max(24, 10 + o.lanes * LANE_H); });
  const KILLED = 7; /* enum tl_end */
  const killed = procs.filter((p) => p.end === KILLED);

  /* ---- state and controls ---------------------------------------------- */
  /* Past a few hundred rows, grouped by creating process (by program when
   * more than 100 processes create), and of more than 3 groups only those
   * with a leak open at first. */
  const LARGE = allObjects.length > 200;
  const creators = new Set(objects.map((o) => o.creator)).size;
  const state = { zoom: 1, filter: "", leaksOnly: false, group: !LARGE ? "none" : creators <= 100 ? "process" : "program", collapsed: {} };
  const $ = (id) => document.getElementById(id);
  $("group").value = state.group;

  function visibleRows() {
    const f = state.filter.toLowerCase();
    let list = allObjects.filter((o) => (!state.leaksOnly || o.leak) &&
      (!f || (label(o) + " " + program(o) + " " + o.spans.map((s) => procs[s.proc] ? procs[s.proc].pid : "").join(" ") +
        " " + (procs[o.creator] ? procs[o.creator].pid : "")).toLowerCase().includes(f)));
    const rows = [];
    if (state.group === "none") list.forEach((o) => rows.push({ o }));
    else {
      const key = state.group === "program" ? program : state.group === "process" ? creatorText
        : (o) => ({ posix: "POSIX names", sysv: "System V segments", sem: "System V semaphore sets", msg: "System V message queues" })[o.kind];
      const groups = new Map();
      list.forEach((o) => { const k = key(o); if (!groups.has(k)) groups.set(k, []); groups.get(k).push(o); });
      const withLeaks = [...groups.entries()].sort((a, b) => !!b[1].some((o) => o.leak) - !!a[1].some((o) => o.leak));
      withLeaks.forEach(([k, members]) => {
        const leaks = members.filter((o) => o.leak).length;
        if (state.collapsed[k] === undefined) state.collapsed[k] = LARGE && !leaks && groups.size > 3;
        rows.push({ group: k, members, text: k + " — " + members.length + " row(s)" + (leaks ? ", " + leaks + " leak(s)" : "") });
        if (!state.collapsed[k]) members.forEach((o) => rows.push({ o }));
      });
    }
    if (!state.leaksOnly && !f) {
      if (loose.length) rows.push({ loose: true });
      if (killed.length) rows.push({ killed: true });
    }
    return rows;
  }

  /* ---- drawing ------------------------------------------------------- */
  const AXIS = 22, LABEL_W = 300, PAD = 8;
  let width = 800, x = (t) => t;

  function ticks() {
    const g = svg("g", { class: "axis" });
    const want = Math.max(2, Math.floor(width / 110));
    const raw = SPAN / want, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || raw;
    for (let t = 0; t <= SPAN + 1e-9; t += step) {
      g.appendChild(svg("line", { x1: x(t), x2: x(t), y1: AXIS - 4, y2: "100%" }));
      g.appendChild(svg("text", { x: x(t) + 2, y: 14 }, step >= 1e9 ? (t / 1e9).toFixed(step >= 1e10 ? 0 : 1) + " s" : step >= 1e6 ? (t / 1e6).toFixed(step >= 1e7 ? 0 : 1) + " ms" : (t / 1e3).toFixed(0) + " µs"));
    }
    return g;
  }

  function colour(pid) { return "hsl(" + ((pid * 137) % 360) + ",55%,45%)"; }
  const ref = (e, k, i) => { e.setAttribute("data-k", k); e.setAttribute("data-i", i); return e; };

  function markShape(m, y, h) {
    const cx = x(m.ts), cy = y + h / 2;
    if (m.injected) return svg("path", { class: "mark inject", d: `M${cx} ${cy - 6}L${cx + 6} ${cy}L${cx} ${cy + 6}L${cx - 6} ${cy}Z` });
    if (m.err) return svg("path", { class: "mark fail", d: `M${cx - 5} ${cy - 5}L${cx + 5} ${cy + 5}M${cx + 5} ${cy - 5}L${cx - 5} ${cy + 5}`, stroke: "var(--fail)", "stroke-width": 2.5 });
    return svg("circle", { class: "mark open", cx, cy, r: 3 });
  }

  function drawObject(o, y) {
    const g = svg("g", { class: "row " + o.kind + (o.leak ? " leak" : ""), "data-object": o.i });
    if (o.kind === "posix") g.setAttribute("data-name", o.name || "");
    else g.setAttribute({ sysv: "data-shmid", sem: "data-semid", msg: "data-msqid" }[o.kind], o.shmid);
    g.appendChild(svg("rect", { class: "band", x: 0, y, width, height: o.height }));
    const x0 = x(o.t0), x1 = Math.max(x(o.t1), x0 + 2), rm = o.rmTs >= 0 ? x(o.rmTs) : x1;
    g.appendChild(ref(svg("rect", { class: "life", x: x0, y: y + 3, width: Math.max(rm - x0, 2), height: o.height - 6 }), "o", o.i));
    if (rm < x1) g.appendChild(ref(svg("rect", { class: "life removed", x: rm, y: y + 3, width: x1 - rm, height: o.height - 6 }), "o", o.i));
    if (o.leak) g.appendChild(ref(svg("path", { class: "open-end", d: `M${x1} ${y + 1}L${x1 + 7} ${y + o.height / 2}L${x1} ${y + o.height - 1}Z` }), "o", o.i));
    o.spans.forEach((s) => {
      const sy = y + 5 + s.lane * LANE_H;
      g.appendChild(ref(svg("rect", { class: "span", x: x(s.t0), y: sy, width: Math.max(x(s.t1) - x(s.t0), 1.5), height: LANE_H - 1, fill: colour(procs[s.proc] ? procs[s.proc].pid : 0) }), "a", s.i));
      if (s.end === KILLED) g.appendChild(ref(svg("path", { class: "mark killed", d: `M${x(s.t1) - 5} ${y}L${x(s.t1) + 5} ${y}L${x(s.t1)} ${y + 8}Z` }), "k", s.proc));
    });
    if (o.rmTs >= 0) g.appendChild(ref(svg("rect", { class: "mark rm", x: x(o.rmTs) - 1, y: y + 1, width: 2, height: o.height - 2 }), "r", o.i));
    o.marks.forEach((m) => g.appendChild(ref(markShape(m, y, o.height), "m", m.i)));
    return g;
  }

  function drawLoose(y) {
    const g = svg("g", { class: "row loose" });
    g.appendChild(svg("rect", { class: "band", x: 0, y, width, height: 20 }));
    loose.forEach((m) => g.appendChild(ref(markShape(m, y, 20), "m", m.i)));
    return g;
  }
  function drawKilled(y) {
    const g = svg("g", { class: "row killed-row" });
    g.appendChild(svg("rect", { class: "band", x: 0, y, width, height: 20 }));
    killed.forEach((p) => g.appendChild(ref(svg("path", { class: "mark killed", d: `M${x(p.t1) - 6} ${y + 3}L${x(p.t1) + 6} ${y + 3}L${x(p.t1)} ${y + 16}Z` }), "k", p.i)));
    return g;
  }

  /* A group's row: its members' lives, thin, so that a closed group still
   * shows when its segments lived. */
  function drawGroup(r, y, h) {
    const g = svg("g", { class: "group", "data-group": r.group });
    g.appendChild(svg("rect", { class: "band", x: 0, y, width, height: h }));
    r.members.forEach((o) => g.appendChild(ref(svg("rect", { class: "life" + (o.leak ? " leak-life" : ""), x: x(o.t0), y: y + h / 2 - 2,
      width: Math.max(x(o.t1) - x(o.t0), 1), height: 4 }), "o", o.i)));
    return g;
  }

  function draw() {
    const wrap = $("plot-wrap");
    width = Math.max(400, (wrap.clientWidth || 900) - 4) * state.zoom;
    x = (t) => PAD + (t / SPAN) * (width - 2 * PAD - 8);
    const plot = $("plot"), labels = $("labels");
    plot.replaceChildren();
    labels.replaceChildren();
    const rows = visibleRows();
    let y = AXIS;
    const pg = svg("g"), lg = svg("g");
    rows.forEach((r) => {
      const h = r.o ? r.o.height : 20;
      const lrow = svg("g", { class: "lrow" + (r.group ? " group" : "") + (r.o && r.o.leak ? " leak" : "") });
      lrow.appendChild(svg("rect", { class: "band", x: 0, y, width: LABEL_W, height: h }));
      const text = r.o ? label(r.o) : r.group ? (state.collapsed[r.group] ? "▸ " : "▾ ") + r.text : r.loose ? "failed calls on no known segment" : "processes killed by a signal";
      const t = svg("text", { class: "label", x: 6, y: y + h / 2 + 4 }, text.length > 44 ? text.slice(0, 43) + "…" : text);
      if (r.o) ref(t, "o", r.o.i);
      if (r.group) { t.setAttribute("data-group", r.group); lrow.setAttribute("data-group", r.group); }
      lrow.appendChild(t);
      lg.appendChild(lrow);
      if (r.o) pg.appendChild(drawObject(r.o, y));
      else if (r.loose) pg.appendChild(drawLoose(y));
      else if (r.killed) pg.appendChild(drawKilled(y));
      else pg.appendChild(drawGroup(r, y, h));
      y += h;
    });
    plot.setAttribute("width", width + 12);
    plot.setAttribute("height", y + 4);
    labels.setAttribute("width", LABEL_W);
    labels.setAttribute("height", y + 4);
    plot.appendChild(ticks());
    plot.appendChild(pg);
    labels.appendChild(svg("text", { x: 6, y: 14, class: "axis" }, allObjects.length + " segment(s), set(s), queue(s) and name(s)"));
    labels.appendChild(lg);
    const shown = rows.filter((r) => r.o).length;
    $("rows-note").textContent = shown === allObjects.length ? "" : shown + " of " + allObjects.length + " rows shown.";
  }

  /* ---- details ------------------------------------------------------- */
  function details(k, i) {
    const d = $("details");
    d.replaceChildren();
    const add = (tag, text) => d.appendChild(html(tag, {}, text));
    if (k === "o" || k === "r") {
      const o = allObjects.find((o) => o.i === i);
      if (!o) return;
      add("h3", (o.leak ? "LEAK: " : "") + (o.kind === "posix" ? "POSIX name " + o.name : "System V " + what(o) + ", key " + hex(o.key, 8) +
        (o.size ? ", " + o.size + (o.kind === "sem" ? " semaphore(s)" : " bytes") : "")));
      if (o.untraced) add("p", "In the kernel's table at the end of the run; no traced call created it. " + (o.leak.note || ""));
      else if (o.traced) add("p", "Created by " + procText(procs[o.creator]) + " at +" + ms(o.t0) + ":");
      else add("p", "Found existing at +" + ms(o.t0) + " (created before the trace, or by a call it did not see).");
      if (o.traced) add("pre", stackText(o.stack));
      if (o.rmTs >= 0) { add("p", (o.kind === "posix" ? "Unlinked" : "Removed (IPC_RMID)") + " by " + procText(procs[o.rmProc]) + " at +" + ms(o.rmTs) + ":"); add("pre", stackText(o.rmStack)); }
      if (!o.untraced) add("p", "End: " + ENDS[o.end] + (o.end ? " at +" + ms(o.t1) : "") + "; " + o.spans.length + " attachment(s) by " + new Set(o.spans.map((s) => s.proc)).size + " process(es).");
    } else if (k === "a") {
      const s = spans[i], p = procs[s.proc], o = objects[s.object];
      add("h3", procText(p) + " attached segment " + o.shmid + " at " + hex(s.addr));
      if (p && p.argv) add("p", "Command: " + p.argv);
      add("p", (s.inherited ? "Inherited at fork, +" : "shmat at +") + ms(s.t0) + " until +" + ms(s.t1) + ": " + ENDS[s.end] + ".");
      if (!s.inherited) add("pre", stackText(s.stack));
      if (s.endStack >= 0) { add("p", s.end === 8 ? "Replaced by the shmat at:" : "shmdt at:"); add("pre", stackText(s.endStack)); }
    } else if (k === "m") {
      const m = marks[i], p = procs[m.proc], o = objects[m.object];
      add("h3", m.call + (m.err ? " failed with " + m.err : " returned " + m.ret) + (m.injected ? " (injected)" : ""));
      add("p", "By " + procText(p) + ", thread " + m.tid + ", at +" + ms(m.ts) + ", in " + (m.dur / 1000).toFixed(1) + " µs" + (o ? "; on " + what(o) : "") + ".");
      if (p && p.argv) add("p", "Command: " + p.argv);
      add("pre", stackText(m.stack));
    } else if (k === "k") {
      const p = procs[i];
      add("h3", procText(p) + " killed by " + (p.signal || "a signal") + " at +" + ms(p.t1));
      if (p.argv) add("p", "Command: " + p.argv);
      const held = spans.filter((s) => s.proc === i && s.end === KILLED).map((s) => objects[s.object].shmid);
      add("p", held.length ? "It was attached to segment(s) " + held.join(", ") + "; the kernel detached them." : "It was attached to nothing the trace knows.");
    }
  }
  let pinned = null;
  function pick(ev, click) {
    const t = ev.target.closest("[data-k]");
    const g = ev.target.closest("[data-group]");
    if (click && g && !t) { state.collapsed[g.getAttribute("data-group")] = !state.collapsed[g.getAttribute("data-group")]; draw(); return; }
    if (!t || (pinned && !click)) return;
    if (click) { if (pinned) pinned.classList.remove("selected"); pinned = pinned === t ? null : t; if (pinned) pinned.classList.add("selected"); }
    details(t.getAttribute("data-k"), Number(t.getAttribute("data-i")));
  }
  ["plot", "labels"].forEach((id) => {
    $(id).addEventListener("mouseover", (e) => pick(e, false));
    $(id).addEventListener("click", (e) => pick(e, true));
  });

  /* ---- findings, as the text report words them ------------------------ */
  function finding(cls, head, body, o, f) {
    const div = html("div", { class: "finding " + cls });
    div.appendChild(html("div", { class: "head" }, head));
    if (f && f.suppression) body = (body ? body + "\n" : "") + "suppress with: " + f.suppression; /* --gen-suppressions */
    if (body) div.appendChild(html("pre", {}, body));
    if (o) div.addEventListener("click", () => { state.leaksOnly = false; $("leaks-only").checked = false; state.filter = ""; $("filter").value = ""; draw(); details("o", o.i); });
    $("findings").appendChild(div);
  }
  function findings() {
    (F.leaked_segments || []).forEach((l) => {
      const o = allObjects.find((o) => o.leak === l);
      const att = (l.attached || []).map((a) => "attached: pid " + a.pid + " (" + base(a.program) + ")" + (a.killed_by ? ", killed by " + a.killed_by : "")).join("\n");
      finding("leak", "LEAK: segment " + l.shmid + " (key " + l.key + ", " + l.size + " bytes) created by pid " + l.pid + " (" + base(l.program) + "), never removed" + (l.note ? ": " + l.note : ""),
        reportFrames(l.stack) + (att ? "\n" + att : "") + (l.live && l.live.remove ? "\nremove with: " + l.live.remove : ""), o, l);
    });
    (F.posix_names_never_unlinked || []).forEach((l) => finding("leak", "LEAK: POSIX name " + l.name + " created by pid " + l.pid + " (" + base(l.program) + "), never unlinked", reportFrames(l.stack), allObjects.find((o) => o.leak === l), l));
    const ipcLeak = (word, id) => (l) => finding("leak", "LEAK: " + word + " " + l[id] + " (key " + l.key + ") created by pid " + l.pid + " (" + base(l.program) + "), never removed",
      reportFrames(l.stack) + (l.live && l.live.remove ? "\nremove with: " + l.live.remove : ""), allObjects.find((o) => o.leak === l), l);
    (F.leaked_semaphore_sets || []).forEach(ipcLeak("semaphore set", "semid"));
    (F.leaked_message_queues || []).forEach(ipcLeak("message queue", "msqid"));
    const ids = (k) => [["segment(s)", k.shmids], ["set(s)", k.semids], ["queue(s)", k.msqids]].filter(([, l]) => l && l.length).map(([w, l]) => w + " " + l.join(", ")).join("; ");
    (F.unremoved_keys || []).forEach((k) => finding("key", "KEY: " + k.key + " never deallocated (" + ids(k) + ")" + (k.ftok ? ", from ftok(" + k.ftok.path + ", " + k.ftok.id + ")" : "")));
    (F.undetached_attachments || []).forEach((u) => finding("misuse", "UNDETACHED: pid " + u.pid + " (" + base(u.program) + ") left segment " + u.shmid + " attached at " + u.addr + " until " + u.ended_by + (u.count > 1 ? " (" + u.count + " times)" : ""), reportFrames(u.stack), null, u));
    (F.misuse || []).forEach((u) => finding("misuse", "MISUSE: " + u.message + (u.count > 1 ? " (" + u.count + " times)" : "") + " in pid " + u.pid + " (" + base(u.program) + ")", reportFrames(u.stack), null, u));
    (F.killed_processes || []).forEach((k) => finding("killed", "KILLED: pid " + k.pid + " (" + base(k.program) + ") by " + k.signal + (k.core ? " (core dumped)" : "")));
    (F.other_segments || []).forEach((s) => finding("other", "OTHER: segment " + s.shmid + " (key " + s.key + ") made by pid " + s.cpid + ": " + s.note));
    const sum = F.summary || {};
    finding("summary", "SUMMARY: " + (sum.leaked_segments || 0) + " leaked segment(s) (" + (sum.leaked_bytes || 0) + " bytes), " + (sum.unremoved_keys || 0) + " unremoved key(s), " +
      (sum.undetached_attachments || 0) + " undetached attachment(s), " + (sum.misuse || 0) + " misuse" + (sum.posix_names_never_unlinked ? ", " + sum.posix_names_never_unlinked + " POSIX name(s) never unlinked" : "") +
      (sum.leaked_semaphore_sets || sum.leaked_message_queues ? ", " + (sum.leaked_semaphore_sets || 0) + " semaphore set(s) and " + (sum.leaked_message_queues || 0) + " message queue(s) never removed" : ""));
    const calls = Object.entries(sum.calls || {}).map(([k, v]) => k + " " + v).join(", ");
    const fails = Object.entries(sum.failures || {}).map(([k, v]) => k + " " + v).join(", ");
    $("summary").textContent = (sum.processes || procs.length) + " process(es), " + objects.length + " segment(s), set(s), queue(s) and name(s) over " + ms(T.t1) + "; calls: " + (calls || "none") + "; failures: " + (fails || "none") + "; injected: " + (sum.injected || 0);
    const first = procs[0];
    if (first) document.title = $("title").textContent = "shmtrace: " + (first.argv || base(first.exe));
  }

  function legend() {
    const items = [["life", "a segment's or name's life"], ["removed", "removed, still attached"], ["leak", "leak: never removed"], ["span", "a process attached"],
      ["fail", "failed call"], ["inject", "injected failure"], ["killed", "killed by a signal"], ["rm", "IPC_RMID / shm_unlink"]];
    items.forEach(([k, text]) => {
      const s = html("span");
      const g = svg("svg", { width: 14, height: 12 });
      const fill = { life: "var(--life)", removed: "var(--removed)", leak: "var(--leak)", span: "hsl(200,55%,45%)", fail: "var(--fail)", inject: "var(--inject)", killed: "var(--killed)", rm: "var(--rm)" }[k];
      g.appendChild(svg("rect", { x: 1, y: 2, width: 12, height: 8, fill }));
      s.appendChild(g);
      s.appendChild(document.createTextNode(" " + text));
      $("legend").appendChild(s);
    });
  }

  $("filter").addEventListener("input", (e) => { state.filter = e.target.value; draw(); });
  $("leaks-only").addEventListener("change", (e) => { state.leaksOnly = e.target.checked; draw(); });
  $("group").addEventListener("change", (e) => { state.group = e.target.value; draw(); });
  $("zoom-in").addEventListener("click", () => { state.zoom *= 2; draw(); });
  $("zoom-out").addEventListener("click", () => { state.zoom = Math.max(1, state.zoom / 2); draw(); });
  $("zoom-fit").addEventListener("click", () => { state.zoom = 1; draw(); });
  window.addEventListener("resize", () => draw());
  legend();
  findings();
  draw();
  document.body.setAttribute("data-drawn", "yes");
})();
