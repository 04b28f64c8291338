// The board screen: a Cytoscape concept map and a list/column view of the same board,
// kept live over the tab's one websocket (static/js/live.js). User text is only ever set
// with textContent or drawn by Cytoscape on a canvas.
//
// The board page (/boards/<id>/, templates/mapping/board.html, `#board[data-autostart]`)
// starts itself. Other screens (the participant's room) mount a board into markup cloned
// from templates/mapping/_board.html, on their own socket:
//   const handle = mountBoard(live, sectionElement, boardId, config);
//   handle.unmount();   // stops following the board; the caller removes the markup
// config: {template, plenary (id or null), cytoscape (URL), labels: {countries, stakeholders}}
import { followBoard } from "./board-state.js";
import { el, errorText, authorText, provenanceText, t, fmt, setLabels } from "./board-ui.js";
import { NOTE, GAP, noteHeight, noteBox, firstFreeSlot, nearestFreeSpot, readableView } from "./board-layout.js";

// Width of a line of note text as Cytoscape measures it (same font, same canvas call).
let measureContext = null;
function measureText(text) {
  if (!measureContext) {
    measureContext = document.createElement("canvas").getContext("2d");
    measureContext.font = `normal normal ${NOTE.fontSize}px ${NOTE.fontFamily}`;
  }
  return Math.ceil(measureContext.measureText(text).width);
}

export function mountBoard(live, root, BOARD, config) {
  setLabels(config.labels);
  const $ = (id) => root.querySelector(`#${id}`);
  const offs = [];
  const on = (type, fn) => offs.push(live.on(type, fn));

  let cy = null; // Cytoscape, loaded when the map is first shown
  let view = null;
  let linkSource = null;
  let linkMode = false;
  let selectedEdge = null;
  let fitted = false; // the map was shown readable once it had something to show
  const cards = new Map(); // note id -> card element (kept, so focus survives updates)
  const pendingMoves = new Map(); // note id -> op id
  const editing = new Set();

  // --- status, errors, presence -------------------------------------------------------
  function setStatus(status) {
    const labels = { online: t("Live"), offline: t("Reconnecting…"), connecting: t("Connecting…"), refused: t("Please join the session again.") };
    $("conn-status").textContent = labels[status] || status;
    $("conn-status").className = `conn conn-${status}`;
  }
  on("status", (f) => setStatus(f.status));
  setStatus(live.status);

  let errorTimer = null;
  function showError(frame) {
    const box = $("board-error");
    box.textContent = errorText(frame);
    box.classList.remove("hidden");
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => box.classList.add("hidden"), 8000);
  }

  let pendingCount = 0;
  function setPending(delta) {
    pendingCount += delta;
    $("saving").textContent = pendingCount > 0 ? t("saving…") : "";
  }

  // Send an op; shows "saving…" while it is pending, rolls back (re-renders from the
  // server's state) and shows the error when it is refused.
  // coalesceKey: a later op with the same key replaces this one if it is still unsent
  // (a note dragged twice while offline is moved once, to where it was left).
  async function send(op, data, { onError, coalesceKey = null } = {}) {
    setPending(1);
    try {
      return await live.op(op, data, { board: BOARD, coalesceKey });
    } catch (frame) {
      showError(frame);
      if (onError) onError(frame);
      render(state, "rollback");
      return null;
    } finally {
      setPending(-1);
    }
  }

  // Rights follow the present: moved to another group or called back to plenary, this
  // person may no longer see the board; the server stops sending it (`unsubscribed`,
  // reason "revoked"). Say so and close the forms; should a later welcome offer the board
  // again (moved back), follow it again from where we were.
  on("unsubscribed", (f) => {
    if (f.board !== BOARD || f.reason !== "revoked") return;
    root.dataset.revoked = "1";
    clearTimeout(errorTimer);
    const box = $("board-error");
    box.textContent = t("This board is no longer open to you: you were moved to another group, or the groups were called back.");
    box.classList.remove("hidden");
    render(state, "revoked"); // read-only from now on
  });
  // A welcome the server pushes means this person's rights changed (made rapporteur, a
  // new round): ask again from our seq, and the `caught_up` brings our rights on this
  // board (`me.may`) as they are now.
  on("welcome", (w) => {
    if (root.dataset.revoked !== "1") {
      if (state.seq !== null) live.send({ type: "subscribe", board: BOARD, since: state.seq });
      return;
    }
    if (!(w.boards || []).some((b) => b.id === BOARD)) return;
    delete root.dataset.revoked;
    $("board-error").classList.add("hidden");
    live.subscribeBoard(BOARD, () => state.seq);
    render(state, "me");
  });

  on("presence", (f) => {
    if (f.board !== BOARD) return;
    const names = f.people.map((p) => p.name || authorText(p)).filter(Boolean);
    let text = fmt(t("%s here now"), [f.count]);
    if (names.length) {
      const shown = names.slice(0, 8).join(", ");
      text = names.length > 8 ? fmt(t("%s and %s more"), [shown, names.length - 8]) : shown;
    }
    $("presence").textContent = text;
  });

  // --- list / column view ---------------------------------------------------------------
  function column(key, title, colour) {
    let col = root.querySelector(`[data-column="${key}"]`);
    if (!col) {
      col = el("section", { className: "board-column", "data-column": key });
      const h = el("h2", { className: "column-title" });
      col.append(h, el("ul", { className: "note-list" }));
      $("list").append(col);
    }
    col.querySelector(".column-title").textContent = title;
    col.style.setProperty("--column-colour", colour || "#eceff3");
    return col;
  }

  function card(note) {
    let c = cards.get(note.id);
    if (!c) {
      c = el("li", { className: "note-card", "data-note": String(note.id) });
      const text = el("p", { className: "note-text" });
      const meta = el("p", { className: "note-meta" });
      const actions = el("div", { className: "note-actions" });
      const vote = el("button", { type: "button", className: "vote" });
      vote.addEventListener("click", () => vote_(note.id, "vote.add"));
      const unvote = el("button", { type: "button", className: "unvote" }, t("Remove my vote"));
      unvote.addEventListener("click", () => vote_(note.id, "vote.remove"));
      const edit = el("button", { type: "button", className: "edit" }, t("Edit"));
      edit.addEventListener("click", () => startEdit(note.id));
      const del = el("button", { type: "button", className: "delete" }, t("Delete"));
      del.addEventListener("click", () => {
        if (confirm(t("Delete this note?"))) send("note.delete", { id: note.id });
      });
      const toggle = el("button", { type: "button", className: "comments-toggle", "aria-expanded": "false" });
      const comments = el("div", { className: "comments hidden" });
      const list = el("ul", { className: "comment-list" });
      const form = el("form", { className: "comment-form" });
      const input = el("input", { type: "text", maxLength: 1000, required: true, "aria-label": t("Add a comment"), placeholder: t("Add a comment") });
      form.append(input, el("button", { type: "submit" }, t("Comment")));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const value = input.value.trim();
        if (!value) return;
        if (await send("comment.add", { note: note.id, text: value })) input.value = "";
      });
      comments.append(list, form);
      toggle.addEventListener("click", () => {
        const open = comments.classList.toggle("hidden") === false;
        toggle.setAttribute("aria-expanded", String(open));
        if (open) input.focus();
      });
      const connect = el("button", { type: "button", className: "connect", "aria-expanded": "false" }, t("Link or group…"));
      connect.addEventListener("click", () => toggleConnect(note.id, connect));
      const pullBtn = el("button", { type: "button", className: "pull" }, t("Pull into plenary"));
      pullBtn.addEventListener("click", () => pullToPlenary(note.id, pullBtn));
      actions.append(vote, unvote, edit, del, toggle, connect, pullBtn);
      c.append(text, meta, el("p", { className: "note-links" }), actions, comments);
      if (state.info.template === "proposals") {
        const ideas = el("ul", { className: "support-ideas", "aria-label": t("Support ideas") });
        const ideaForm = el("form", { className: "idea-form" });
        const ideaInput = el("input", { type: "text", maxLength: 500, required: true, "aria-label": t("Add a support idea"), placeholder: t("Add a support idea") });
        ideaForm.append(ideaInput, el("button", { type: "submit" }, t("Add")));
        ideaForm.addEventListener("submit", async (e) => {
          e.preventDefault();
          const value = ideaInput.value.trim();
          if (!value) return;
          ideaInput.value = "";
          const ack = await send("note.add", { text: value, parent: note.id, category: note.category });
          if (!ack) ideaInput.value = value;
          else { state.mine.add(ack.id); render(state, "me"); }
        });
        c.append(ideas, ideaForm);
      }
      cards.set(note.id, c);
    }
    fillCard(c, note);
    return c;
  }

  function fillCard(c, note) {
    const may = state.me.may || {};
    const mine = state.mine.has(note.id);
    const open = !state.info.locked && !state.info.read_only_input && root.dataset.revoked !== "1";
    if (!editing.has(note.id)) c.querySelector(".note-text").textContent = note.text;
    const bits = [authorText(note.author), provenanceText(note.provenance)].filter(Boolean);
    if (note.private) bits.push(t("private until revealed"));
    if (note.cluster && state.clusters.get(note.cluster)) bits.push(fmt(t("cluster: %s"), [state.clusters.get(note.cluster).name]));
    c.querySelector(".note-meta").textContent = bits.join(" · ");
    c.style.setProperty("--note-colour", state.colourOf(note));
    // A link shows on both its notes: "→ label: target" on the one it starts from,
    // "← label: source" on the one it leads to.
    const short = (text) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);
    const lines = [];
    for (const l of [...state.links.values()].sort((a, b) => a.id - b.id)) {
      const label = l.label ? `${l.label}: ` : "";
      if (l.source === note.id && state.notes.has(l.target)) lines.push(`→ ${label}${short(state.notes.get(l.target).text)}`);
      if (l.target === note.id && state.notes.has(l.source)) lines.push(`← ${label}${short(state.notes.get(l.source).text)}`);
    }
    c.querySelector(".note-links").textContent = lines.join("\n");
    c.classList.toggle("is-private", !!note.private);
    const myVotes = state.me.votes[String(note.id)] || 0;
    const vote = c.querySelector(".vote");
    vote.textContent = fmt(state.info.template === "proposals" ? t("Support (%s)") : t("Vote (%s)"), [note.votes]);
    vote.setAttribute("aria-label", fmt(t("Vote for this note; it has %s votes, %s of them yours"), [note.votes, myVotes]));
    vote.hidden = !may.vote || note.private || !!state.info.read_only_input;
    vote.disabled = !open;
    const unvote = c.querySelector(".unvote");
    unvote.hidden = !may.vote || myVotes === 0 || !!state.info.read_only_input;
    unvote.disabled = !open;
    c.querySelector(".edit").hidden = !(may.moderate || mine) || !open;
    c.querySelector(".connect").hidden = !may.write || !open || note.private;
    const pull = c.querySelector(".pull");
    pull.hidden = !may.pull || !config.plenary || note.private || note.parent !== null || root.dataset.revoked === "1";
    // Pulling again is harmless (the server returns the copy it made), but say it is there.
    const pulled = (note.pulled || []).includes(config.plenary);
    pull.textContent = pulled ? t("Pulled into plenary") : t("Pull into plenary");
    pull.classList.toggle("is-pulled", pulled);
    c.classList.toggle("is-pulled", pulled);
    c.querySelector(".delete").hidden = !(may.moderate || mine) || !open;
    const comments = state.commentsOf(note.id);
    c.querySelector(".comments-toggle").textContent = fmt(t("Comments (%s)"), [comments.length]);
    const list = c.querySelector(".comment-list");
    list.replaceChildren(...comments.map((cm) => {
      const who = authorText(cm.author);
      return el("li", {}, who ? `${who}: ${cm.text}` : cm.text);
    }));
    c.querySelector(".comment-form").hidden = !may.write || !open || note.private;
    const ideaForm = c.querySelector(".idea-form");
    if (ideaForm) ideaForm.hidden = !may.write || !open || note.parent !== null;
  }

  // Votes: the event carries the note's total; my own dots and budget come in the ack.
  async function vote_(id, op) {
    const ack = await send(op, { note: id });
    if (!ack) return;
    const key = String(id);
    const mine = (state.me.votes[key] || 0) + (op === "vote.add" ? 1 : -1);
    if (mine > 0) state.me.votes[key] = mine; else delete state.me.votes[key];
    state.me.votes_left = ack.votes_left;
    render(state, "me");
  }

  // A rapporteur (or facilitator) copies a note of the group's board into the plenary
  // board. The socket does not follow the plenary board, so this goes over HTTP to the
  // same apply_op (POST /boards/<plenary>/ops/).
  async function pullToPlenary(id, button) {
    const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
    const opId = globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${id}`;
    setPending(1);
    button.disabled = true;
    try {
      const response = await fetch(`/boards/${config.plenary}/ops/`, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(csrf) },
        body: JSON.stringify({ op: "note.pull", op_id: opId, data: { source_board: BOARD, notes: [id] } }),
      });
      const frame = await response.json();
      if (frame.type === "error") showError(frame);
      else button.textContent = t("Pulled into plenary");
    } catch {
      showError({ code: "internal" });
    } finally {
      setPending(-1);
      button.disabled = false;
    }
  }

  // Link (or, for a facilitator, merge) without the map: pick the other note from a list.
  // This is also how keyboard and screen-reader users draw links.
  function toggleConnect(id, button) {
    const c = cards.get(id);
    const existing = c.querySelectorAll(".connect-form");
    if (existing.length) { existing.forEach((f) => f.remove()); button.setAttribute("aria-expanded", "false"); return; }
    button.setAttribute("aria-expanded", "true");
    const form = el("form", { className: "connect-form" });
    const select = el("select", { "aria-label": t("Other note") });
    for (const other of state.sortedNotes()) {
      if (other.id === id || other.private) continue;
      select.append(el("option", { value: String(other.id) }, other.text.length > 70 ? `${other.text.slice(0, 70)}…` : other.text));
    }
    const label = el("input", { type: "text", maxLength: 80, "aria-label": t("Link label"), placeholder: t("label, e.g. leads to") });
    form.append(select, label, el("button", { type: "submit" }, t("Link")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!select.value) return;
      if (await send("link.add", { source: id, target: +select.value, label: label.value.trim() })) {
        c.querySelectorAll(".connect-form").forEach((f) => f.remove());
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
    if (state.me.may && state.me.may.moderate) {
      const merge = el("button", { type: "button" }, t("Merge the chosen note into this one"));
      merge.addEventListener("click", async () => {
        if (select.value && await send("note.merge", { into: id, from: +select.value })) form.remove();
      });
      form.append(merge);
    }
    // Group into a cluster: an existing one, or a new one by name.
    const clusterForm = el("form", { className: "connect-form cluster-form" });
    const clusters = el("select", { "aria-label": t("Cluster") });
    clusters.append(el("option", { value: "" }, t("New cluster…")));
    for (const cl of [...state.clusters.values()].sort((a, b) => a.id - b.id)) {
      const o = el("option", { value: String(cl.id) }, cl.name);
      if (cl.id === state.notes.get(id).cluster) o.selected = true;
      clusters.append(o);
    }
    const name = el("input", { type: "text", maxLength: 120, "aria-label": t("Name of the new cluster"), placeholder: t("Name of the new cluster") });
    const syncName = () => { name.hidden = clusters.value !== ""; };
    clusters.addEventListener("change", syncName);
    syncName();
    clusterForm.append(clusters, name, el("button", { type: "submit" }, t("Put in cluster")));
    if (state.notes.get(id).cluster) {
      const out = el("button", { type: "button" }, t("Take out of cluster"));
      out.addEventListener("click", async () => {
        if (await send("cluster.assign", { cluster: null, notes: [id] })) { form.remove(); clusterForm.remove(); }
      });
      clusterForm.append(out);
    }
    clusterForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const ok = clusters.value
        ? await send("cluster.assign", { cluster: +clusters.value, notes: [id] })
        : name.value.trim() && await send("cluster.add", { name: name.value.trim(), notes: [id] });
      if (ok) { form.remove(); clusterForm.remove(); button.setAttribute("aria-expanded", "false"); button.focus(); }
    });
    c.querySelector(".note-actions").after(form, clusterForm);
    select.focus();
  }

  function startEdit(id) {
    const c = cards.get(id);
    const note = state.notes.get(id);
    if (!c || !note || editing.has(id)) return;
    editing.add(id);
    const text = c.querySelector(".note-text");
    const form = el("form", { className: "edit-form" });
    const area = el("textarea", { maxLength: 500, rows: 3, required: true, "aria-label": t("Note text") });
    area.value = note.text;
    const select = categorySelect(note.category);
    const done = () => { editing.delete(id); form.remove(); text.hidden = false; render(state, "edit"); };
    const cancel = el("button", { type: "button" }, t("Cancel"));
    cancel.addEventListener("click", done);
    form.append(area, select, el("button", { type: "submit", className: "primary" }, t("Save")), cancel);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = { id };
      if (area.value.trim() !== note.text) data.text = area.value.trim();
      const category = select.value ? +select.value : null;
      if (category !== note.category) data.category = category;
      if (Object.keys(data).length > 1 && !(await send("note.edit", data))) return;
      done();
    });
    text.hidden = true;
    text.after(form);
    area.focus();
  }

  function categorySelect(selected) {
    const select = el("select", { "aria-label": t("Category") });
    select.append(el("option", { value: "" }, t("No category")));
    for (const c of state.sortedCategories()) {
      const o = el("option", { value: String(c.id) }, c.name);
      if (c.id === selected) o.selected = true;
      select.append(o);
    }
    return select;
  }

  function place(container, elements) {
    elements.forEach((e, i) => {
      if (container.children[i] !== e) container.insertBefore(e, container.children[i] || null);
    });
    while (container.children.length > elements.length) container.lastElementChild.remove();
  }

  function renderList() {
    const cats = state.sortedCategories();
    const keys = [...cats.map((c) => `c${c.id}`), "none"];
    const byColumn = new Map(keys.map((k) => [k, []]));
    const children = new Map();
    const notes = state.sortedNotes();
    for (const n of notes) {
      if (n.parent !== null && state.notes.has(n.parent)) {
        if (!children.has(n.parent)) children.set(n.parent, []);
        children.get(n.parent).push(n);
        continue;
      }
      const key = n.category !== null && state.categories.has(n.category) ? `c${n.category}` : "none";
      byColumn.get(key).push(n);
    }
    const columns = [];
    for (const c of cats) columns.push(column(`c${c.id}`, c.name, c.colour));
    const loose = byColumn.get("none");
    if (loose.length || !cats.length) columns.push(column("none", cats.length ? t("No category") : t("Notes"), "#eceff3"));
    place($("list"), columns);
    for (const col of columns) {
      const key = col.dataset.column;
      place(col.querySelector(".note-list"), byColumn.get(key).map((n) => card(n)));
    }
    for (const [id, c] of cards) {
      if (!state.notes.has(id)) { cards.delete(id); c.remove(); continue; }
      const ideas = c.querySelector(".support-ideas");
      if (ideas) place(ideas, (children.get(id) || []).map((n) => card(n)));
    }
    for (const c of root.querySelectorAll(".note-card.is-temp")) $("list").querySelector(".note-list")?.append(c);
  }

  // --- map view (Cytoscape) -------------------------------------------------------------
  async function ensureMap() {
    if (cy) return cy;
    const { default: cytoscape } = await import(config.cytoscape);
    cy = cytoscape({
      container: $("map"),
      elements: [],
      layout: { name: "preset" },
      minZoom: 0.2, maxZoom: 3, wheelSensitivity: 0.3,
      style: [
        // An explicit height (board-layout.js), never `height: "label"`: see issue 9 there.
        { selector: "node", style: {
          label: "data(label)", "text-wrap": "wrap", "text-max-width": `${NOTE.textWidth}px`, width: NOTE.width,
          height: "data(h)", padding: `${NOTE.padding}px`, shape: "round-rectangle", "background-color": "data(colour)",
          "border-width": NOTE.border, "border-color": "#8a93a6", "font-size": NOTE.fontSize, "font-family": NOTE.fontFamily,
          "line-height": NOTE.lineHeight, "text-valign": "center", "text-halign": "center", color: "#1d2433" } },
        { selector: "node.pending", style: { "border-style": "dashed", "border-width": 2, "border-color": "#b54708" } },
        { selector: "node.private", style: { "border-style": "dotted", "border-width": 2 } },
        { selector: "node:selected, node.link-source", style: { "border-width": 3, "border-color": "#0b5fff" } },
        { selector: "edge", style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 1.3, label: "data(label)",
          "font-size": 11, "font-family": NOTE.fontFamily, "text-wrap": "wrap", "text-max-width": "140px",
          "text-background-color": "#ffffff", "text-background-opacity": 1, "text-background-padding": "2px",
          "text-background-shape": "round-rectangle", color: "#344054",
          width: 2, "line-color": "#667085", "target-arrow-color": "#667085" } },
        { selector: "edge:selected", style: { "line-color": "#0b5fff", "target-arrow-color": "#0b5fff", width: 3 } },
      ],
    });
    cy.on("dragfree", "node", (e) => {
      const id = +e.target.id().slice(1);
      const { x, y } = e.target.position();
      e.target.addClass("pending");
      const pos = { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 };
      pendingMoves.set(id, true);
      send("note.move", { id, ...pos }, { coalesceKey: `move:${id}` }).then(() => {
        pendingMoves.delete(id);
        const node = cy.getElementById(`n${id}`);
        node.removeClass("pending");
        syncMap();
      });
    });
    cy.on("tap", "node", (e) => {
      if (!linkMode) return;
      const id = +e.target.id().slice(1);
      if (linkSource === null) {
        linkSource = id;
        e.target.addClass("link-source");
        $("map-hint").textContent = t("Now tap the note it leads to.");
      } else if (linkSource !== id) {
        const label = $("link-label").value.trim();
        send("link.add", { source: linkSource, target: id, label });
        endLinkMode();
      }
    });
    cy.on("tap", "edge", (e) => {
      selectedEdge = +e.target.id().slice(1);
      const link = state.links.get(selectedEdge);
      $("link-label").value = link ? link.label : "";
      $("edge-tools").classList.remove("hidden");
    });
    cy.on("tap", (e) => {
      if (e.target === cy) { selectedEdge = null; $("edge-tools").classList.add("hidden"); }
    });
    $("map")._cy = cy; // lets the browser tests find where a note is drawn
    root._cy = cy;
    syncMap();
    showReadable();
    return cy;
  }

  // The whole map if it is readable so; else (a phone, a big board) the top-left part at
  // a readable zoom, and the rest by panning or the zoom buttons ("Fit" shows it all).
  function showReadable() {
    if (!cy) return;
    const els = cy.elements();
    if (els.empty()) return;
    fitted = true;
    const { zoom, pan } = readableView(els.boundingBox(), { w: cy.width(), h: cy.height() },
      { minZoom: cy.width() < 500 ? 0.7 : 0.55 });
    cy.viewport({ zoom, pan });
  }

  function noteLabel(n) {
    let label = n.text;
    const cluster = n.cluster && state.clusters.get(n.cluster);
    if (cluster) label = `[${cluster.name}]\n${label}`;
    if (n.votes) label += `\n● ${n.votes}`;
    return label;
  }

  // Cytoscape follows the state: every note first, then every link between two drawn
  // notes. One bad element is reported and skipped; it never stops the rest being drawn.
  function syncMap() {
    if (!cy) return;
    const seen = new Set();
    const guard = (what, fn) => {
      try { fn(); } catch (err) { console.error(`board map: could not draw ${what}`, err); }
    };
    cy.batch(() => {
      for (const n of state.notes.values()) {
        const id = `n${n.id}`;
        guard(id, () => {
          const label = noteLabel(n);
          const data = { id, label, colour: state.colourOf(n), h: noteHeight(label, measureText) };
          const x = Number.isFinite(n.x) ? n.x : 0;
          const y = Number.isFinite(n.y) ? n.y : 0;
          let node = cy.getElementById(id);
          if (node.empty()) node = cy.add({ group: "nodes", data, position: { x, y } });
          else node.data(data);
          seen.add(id);
          node.toggleClass("private", !!n.private);
          if (!pendingMoves.has(n.id) && !node.grabbed()) {
            const p = node.position();
            if (p.x !== x || p.y !== y) node.position({ x, y });
          }
        });
      }
      for (const l of state.links.values()) {
        const id = `l${l.id}`;
        const source = `n${l.source}`;
        const target = `n${l.target}`;
        if (!seen.has(source) || !seen.has(target)) continue; // an end not on this board (yet)
        guard(id, () => {
          let edge = cy.getElementById(id);
          if (edge.nonempty() && (edge.source().id() !== source || edge.target().id() !== target)) {
            edge = edge.move({ source, target }); // a merge moved the link to the kept note
          }
          if (edge.empty()) cy.add({ group: "edges", data: { id, source, target, label: l.label || "" } });
          else edge.data("label", l.label || "");
          seen.add(id);
        });
      }
      cy.elements().forEach((e) => { if (!seen.has(e.id())) e.remove(); });
    });
  }

  // Boxes of the notes as the map draws them (from the state: the map may not be loaded).
  function noteBoxes() {
    return [...state.notes.values()].filter((n) => Number.isFinite(n.x) && Number.isFinite(n.y))
      .map((n) => noteBox(n.x, n.y, noteHeight(noteLabel(n), measureText)));
  }

  // Where a new note goes, never on another one and at least GAP from it: on the map,
  // the free spot nearest the middle of the view; from the list, the first free slot of
  // a grid wider than a note (the server's default places notes touching).
  function freeSpot(text) {
    const height = noteHeight(text, measureText);
    const boxes = noteBoxes();
    if (cy && view === "map") {
      const ext = cy.extent();
      return nearestFreeSpot(boxes, height, { x: ext.x1 + ext.w / 2, y: ext.y1 + ext.h / 2 }, { gap: GAP });
    }
    return firstFreeSlot(boxes, height, { gap: GAP });
  }

  function endLinkMode() {
    linkMode = false;
    linkSource = null;
    if (cy) cy.nodes().removeClass("link-source");
    $("draw-link").setAttribute("aria-pressed", "false");
    $("map-hint").textContent = "";
  }

  // --- whole screen -----------------------------------------------------------------------
  function renderInfo() {
    const info = state.info;
    $("board-title").textContent = info.title;
    const may = state.me.may || {};
    const open = !info.locked && !info.read_only_input && root.dataset.revoked !== "1";
    $("add-note").hidden = !may.write || !open;
    const flags = [
      info.read_only_input ? t("Read-only input from the earlier session") : "",
      info.locked ? t("Locked") : "",
      info.private_until_reveal && !info.revealed ? t("Notes stay private until the facilitator reveals them") : "",
    ].filter(Boolean);
    $("board-flags").textContent = flags.length ? `· ${flags.join(" · ")}` : "";
    $("votes-left").textContent = may.vote && !info.read_only_input ? fmt(t("Votes left: %s of %s"), [state.me.votes_left, info.vote_budget]) : "";
    const cat = $("note-category");
    const value = cat.value;
    cat.replaceChildren(...categorySelect(null).children);
    cat.value = value;
    $("mod-tools").classList.toggle("hidden", !may.moderate || info.read_only_input);
    $("lock").textContent = info.locked ? t("Unlock board") : t("Lock board");
    $("reveal").hidden = !(info.private_until_reveal && !info.revealed);
    $("author-mode").value = info.author_mode;
    $("vote-budget").value = info.vote_budget;
    $("private-mode").checked = !!info.private_until_reveal;
    const legend = $("legend");
    legend.replaceChildren(...state.sortedCategories().map((c) => {
      const item = el("span", { className: "legend-item" });
      const swatch = el("span", { className: "swatch" });
      swatch.style.setProperty("--swatch", c.colour);
      item.append(swatch, c.name);
      return item;
    }));
  }

  function render(s, why) {
    renderInfo();
    renderList();
    syncMap();
    if (cy && !fitted && view === "map") showReadable();
    if (why === "snapshot") root.dataset.ready = "1";
    root.dataset.seq = String(s.seq);
  }

  const state = followBoard(live, BOARD, (s, why) => render(s, why));

  async function showView(which) {
    view = which;
    const isMap = which === "map";
    $("map-wrap").classList.toggle("hidden", !isMap);
    $("list").classList.toggle("hidden", isMap);
    $("legend").classList.toggle("hidden", !isMap);
    $("show-map").setAttribute("aria-pressed", String(isMap));
    $("show-list").setAttribute("aria-pressed", String(!isMap));
    if (isMap) { await ensureMap(); cy.resize(); showReadable(); }
    try { localStorage.setItem(`board-view-${BOARD}`, which); } catch { /* private mode */ }
  }

  $("show-map").addEventListener("click", () => showView("map"));
  $("show-list").addEventListener("click", () => showView("list"));
  $("skip-to-list").addEventListener("click", async () => {
    await showView("list");
    const first = $("list").querySelector("button, textarea, input");
    ($("note-text").closest("form").hidden ? first : $("note-text"))?.focus();
  });
  $("fit").addEventListener("click", () => cy && cy.fit(undefined, 30));
  $("zoom-in").addEventListener("click", () => cy && cy.zoom({ level: cy.zoom() * 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
  $("zoom-out").addEventListener("click", () => cy && cy.zoom({ level: cy.zoom() / 1.25, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }));
  $("draw-link").addEventListener("click", () => {
    if (linkMode) { endLinkMode(); return; }
    linkMode = true;
    $("draw-link").setAttribute("aria-pressed", "true");
    $("map-hint").textContent = t("Tap the note the link starts from.");
  });
  $("save-label").addEventListener("click", () => {
    if (selectedEdge !== null) send("link.edit", { id: selectedEdge, label: $("link-label").value.trim() });
  });
  $("delete-link").addEventListener("click", () => {
    if (selectedEdge !== null) send("link.delete", { id: selectedEdge });
    selectedEdge = null;
    $("edge-tools").classList.add("hidden");
  });

  $("add-note").addEventListener("submit", async (e) => {
    e.preventDefault();
    const area = $("note-text");
    const text = area.value.trim();
    if (!text) return;
    const data = { text };
    if ($("note-category").value) data.category = +$("note-category").value;
    Object.assign(data, freeSpot(text));
    area.value = "";
    const temp = el("li", { className: "note-card is-temp", "aria-busy": "true" });
    temp.append(el("p", { className: "note-text" }, text), el("p", { className: "note-meta" }, t("saving…")));
    const firstList = $("list").querySelector(".note-list");
    if (firstList) firstList.prepend(temp);
    const ack = await send("note.add", data);
    temp.remove();
    if (ack) { state.mine.add(ack.id); render(state, "me"); }
    if (!ack) area.value = text; // nothing typed is lost
    area.focus();
  });
  $("note-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("add-note").requestSubmit();
  });

  $("lock").addEventListener("click", () => send(state.info.locked ? "board.unlock" : "board.lock", {}));
  $("reveal").addEventListener("click", () => send("board.reveal", {}));
  $("settings").addEventListener("submit", (e) => {
    e.preventDefault();
    const data = {};
    if ($("author-mode").value !== state.info.author_mode) data.author_mode = $("author-mode").value;
    const budget = parseInt($("vote-budget").value, 10);
    if (!Number.isNaN(budget) && budget !== state.info.vote_budget) data.vote_budget = budget;
    if ($("private-mode").checked !== !!state.info.private_until_reveal) data.private_until_reveal = $("private-mode").checked;
    if (Object.keys(data).length) send("board.settings", data);
  });
  $("add-category").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = $("category-name").value.trim();
    if (name && (await send("category.add", { name }))) $("category-name").value = "";
  });

  // Phones and the reflection/proposals templates start with the columns; a concept
  // map on a wide screen starts with the map. The last choice wins.
  let initial = null;
  try { initial = localStorage.getItem(`board-view-${BOARD}`); } catch { /* private mode */ }
  if (!initial) initial = config.template === "concept_map" && window.matchMedia("(min-width: 700px)").matches ? "map" : "list";
  showView(initial);

  return {
    state,
    unmount() {
      for (const off of offs) off();
      state.stop();
      clearTimeout(errorTimer);
      if (cy) { cy.destroy(); cy = null; }
      cards.clear();
    },
  };
}

// The board page starts itself.
const page = document.querySelector("#board[data-autostart]");
if (page) {
  const config = JSON.parse(document.getElementById("board-config").textContent);
  const { connectLive } = await import(config.live);
  const live = connectLive(config.session);
  mountBoard(live, page, config.boards[0], config);
  if (config.sessionBar) {
    try {
      const mod = await import(config.sessionBar);
      if (typeof mod.mountSessionBar === "function") mod.mountSessionBar(live, document.getElementById("session-bar"));
    } catch (err) { console.warn("session bar unavailable", err); }
  }
}
