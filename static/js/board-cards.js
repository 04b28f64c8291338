// The board's note cards (the list view shows them; board-list.js places them): a note's
// text, meta, links both ways, votes, comments, and the forms to edit, link, cluster,
// merge, pull and add support ideas. A card is made once per note and filled again on
// every render, so focus and open forms survive updates.
//   const cards = createCards(ctx);   // ctx: see mountBoard in board.js
//   cards.card(note)                  // the note's card, filled from ctx.state
import { el } from "./dom.js";
import { t, fmt } from "./i18n.js";
import { postOp } from "./http.js";
import { authorText, provenanceText } from "./board-ui.js";

const short = (text, n) => (text.length > n ? `${text.slice(0, n)}…` : text);

export function createCards(ctx) {
  const cards = new Map(); // note id -> card element
  const editing = new Set(); // note ids whose edit form is open

  function card(note) {
    const state = ctx.state;
    let c = cards.get(note.id);
    if (!c) {
      c = el("li", { className: "note-card", "data-note": String(note.id) });
      const text = el("p", { className: "note-text" });
      const meta = el("p", { className: "note-meta" });
      const actions = el("div", { className: "note-actions" });
      const vote = el("button", { type: "button", className: "vote" });
      vote.addEventListener("click", () => voteOn(note.id, "vote.add"));
      const unvote = el("button", { type: "button", className: "unvote" }, t("Remove my vote"));
      unvote.addEventListener("click", () => voteOn(note.id, "vote.remove"));
      const edit = el("button", { type: "button", className: "edit" }, t("Edit"));
      edit.addEventListener("click", () => startEdit(note.id));
      const del = el("button", { type: "button", className: "delete" }, t("Delete"));
      del.addEventListener("click", () => {
        if (confirm(t("Delete this note?"))) ctx.send("note.delete", { id: note.id });
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
        if (await ctx.send("comment.add", { note: note.id, text: value })) input.value = "";
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
          const ack = await ctx.send("note.add", { text: value, parent: note.id, category: note.category });
          if (!ack) ideaInput.value = value;
          else { ctx.state.mine.add(ack.id); ctx.render("me"); }
        });
        c.append(ideas, ideaForm);
      }
      cards.set(note.id, c);
    }
    fill(c, note);
    return c;
  }

  function fill(c, note) {
    const { state, config } = ctx;
    const may = state.me.may || {};
    const mine = state.mine.has(note.id);
    const open = ctx.open();
    if (!editing.has(note.id)) c.querySelector(".note-text").textContent = note.text;
    const bits = [authorText(note.author), provenanceText(note.provenance)].filter(Boolean);
    if (note.private) bits.push(t("private until revealed"));
    if (note.cluster && state.clusters.get(note.cluster)) bits.push(fmt(t("cluster: %s"), [state.clusters.get(note.cluster).name]));
    c.querySelector(".note-meta").textContent = bits.join(" · ");
    c.style.setProperty("--note-colour", state.colourOf(note));
    // A link shows on both its notes: "→ label: target" on the one it starts from,
    // "← label: source" on the one it leads to.
    const lines = [];
    for (const l of [...state.links.values()].sort((a, b) => a.id - b.id)) {
      const label = l.label ? `${l.label}: ` : "";
      if (l.source === note.id && state.notes.has(l.target)) lines.push(`→ ${label}${short(state.notes.get(l.target).text, 60)}`);
      if (l.target === note.id && state.notes.has(l.source)) lines.push(`← ${label}${short(state.notes.get(l.source).text, 60)}`);
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
    pull.hidden = !may.pull || !config.plenary || note.private || note.parent !== null || ctx.revoked();
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
  async function voteOn(id, op) {
    const ack = await ctx.send(op, { note: id });
    if (!ack) return;
    const me = ctx.state.me;
    const key = String(id);
    const mine = (me.votes[key] || 0) + (op === "vote.add" ? 1 : -1);
    if (mine > 0) me.votes[key] = mine; else delete me.votes[key];
    me.votes_left = ack.votes_left;
    ctx.render("me");
  }

  // A rapporteur (or facilitator) copies a note of the group's board into the plenary
  // board, which this tab's socket does not follow: over HTTP (http.js).
  async function pullToPlenary(id, button) {
    ctx.setPending(1);
    button.disabled = true;
    try {
      const frame = await postOp(ctx.config.plenary, "note.pull", { source_board: ctx.board, notes: [id] });
      if (frame.type === "error") ctx.showError(frame);
      else button.textContent = t("Pulled into plenary");
    } catch {
      ctx.showError({ code: "internal" });
    } finally {
      ctx.setPending(-1);
      button.disabled = false;
    }
  }

  // Link (or, for a facilitator, merge) without the map: pick the other note from a list.
  // This is also how keyboard and screen-reader users draw links.
  function toggleConnect(id, button) {
    const { state } = ctx;
    const c = cards.get(id);
    const existing = c.querySelectorAll(".connect-form");
    if (existing.length) { existing.forEach((f) => f.remove()); button.setAttribute("aria-expanded", "false"); return; }
    button.setAttribute("aria-expanded", "true");
    const form = el("form", { className: "connect-form" });
    const select = el("select", { "aria-label": t("Other note") });
    for (const other of state.sortedNotes()) {
      if (other.id === id || other.private) continue;
      select.append(el("option", { value: String(other.id) }, short(other.text, 70)));
    }
    const label = el("input", { type: "text", maxLength: 80, "aria-label": t("Link label"), placeholder: t("label, e.g. leads to") });
    form.append(select, label, el("button", { type: "submit" }, t("Link")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!select.value) return;
      if (await ctx.send("link.add", { source: id, target: +select.value, label: label.value.trim() })) {
        c.querySelectorAll(".connect-form").forEach((f) => f.remove());
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
    if (state.me.may && state.me.may.moderate) {
      const merge = el("button", { type: "button" }, t("Merge the chosen note into this one"));
      merge.addEventListener("click", async () => {
        if (select.value && await ctx.send("note.merge", { into: id, from: +select.value })) form.remove();
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
        if (await ctx.send("cluster.assign", { cluster: null, notes: [id] })) { form.remove(); clusterForm.remove(); }
      });
      clusterForm.append(out);
    }
    clusterForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const ok = clusters.value
        ? await ctx.send("cluster.assign", { cluster: +clusters.value, notes: [id] })
        : name.value.trim() && await ctx.send("cluster.add", { name: name.value.trim(), notes: [id] });
      if (ok) { form.remove(); clusterForm.remove(); button.setAttribute("aria-expanded", "false"); button.focus(); }
    });
    c.querySelector(".note-actions").after(form, clusterForm);
    select.focus();
  }

  function startEdit(id) {
    const c = cards.get(id);
    const note = ctx.state.notes.get(id);
    if (!c || !note || editing.has(id)) return;
    editing.add(id);
    const text = c.querySelector(".note-text");
    const form = el("form", { className: "edit-form" });
    const area = el("textarea", { maxLength: 500, rows: 3, required: true, "aria-label": t("Note text") });
    area.value = note.text;
    const select = categorySelect(note.category);
    const done = () => { editing.delete(id); form.remove(); text.hidden = false; ctx.render("edit"); };
    const cancel = el("button", { type: "button" }, t("Cancel"));
    cancel.addEventListener("click", done);
    form.append(area, select, el("button", { type: "submit", className: "primary" }, t("Save")), cancel);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = { id };
      if (area.value.trim() !== note.text) data.text = area.value.trim();
      const category = select.value ? +select.value : null;
      if (category !== note.category) data.category = category;
      if (Object.keys(data).length > 1 && !(await ctx.send("note.edit", data))) return;
      done();
    });
    text.hidden = true;
    text.after(form);
    area.focus();
  }

  // A <select> of the board's categories (and "No category"), `selected` chosen.
  function categorySelect(selected) {
    const select = el("select", { "aria-label": t("Category") });
    select.append(el("option", { value: "" }, t("No category")));
    for (const c of ctx.state.sortedCategories()) {
      const o = el("option", { value: String(c.id) }, c.name);
      if (c.id === selected) o.selected = true;
      select.append(o);
    }
    return select;
  }

  return { card, categorySelect, cards };
}
