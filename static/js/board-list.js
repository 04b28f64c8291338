// The list view: one column per category (and "No category"), the note cards in id
// order, support ideas under their note. Elements are moved, not rebuilt, so focus and
// open forms survive a render.
//   const list = createListView(ctx, cards);   // cards: board-cards.js
//   list.render();                             // after every state change
import { el } from "./dom.js";
import { t } from "./i18n.js";

// Make `container`'s children exactly `elements`, in order, moving only what moved.
function place(container, elements) {
  elements.forEach((e, i) => {
    if (container.children[i] !== e) container.insertBefore(e, container.children[i] || null);
  });
  while (container.children.length > elements.length) container.lastElementChild.remove();
}

export function createListView(ctx, { card, cards }) {
  const { root, $ } = ctx;

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

  function render() {
    const state = ctx.state;
    const cats = state.sortedCategories();
    const keys = [...cats.map((c) => `c${c.id}`), "none"];
    const byColumn = new Map(keys.map((k) => [k, []]));
    const children = new Map();
    for (const n of state.sortedNotes()) {
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
      place(col.querySelector(".note-list"), byColumn.get(col.dataset.column).map((n) => card(n)));
    }
    for (const [id, c] of cards) {
      if (!state.notes.has(id)) { cards.delete(id); c.remove(); continue; }
      const ideas = c.querySelector(".support-ideas");
      if (ideas) place(ideas, (children.get(id) || []).map((n) => card(n)));
    }
    // A note being added (not yet acked) stays in the first column until its ack.
    for (const c of root.querySelectorAll(".note-card.is-temp")) $("list").querySelector(".note-list")?.append(c);
  }

  return { render };
}
