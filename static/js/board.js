// The board screen: a list/column view and a Cytoscape concept map of the same board,
// kept live over the tab's one websocket (static/js/live.js). This module wires the
// parts together; each has one job:
//   board-state.js   the board as the server holds it (no DOM; followBoard keeps it live)
//   board-list.js    the columns view          board-cards.js   a note's card and its forms
//   board-map.js     the Cytoscape map         board-layout.js  map geometry (no DOM)
//   board-arrange.js the map's "Arrange" (ELK, no DOM)
//   board-ui.js      how authors, provenance and errors read
//   live.js          the socket and the op outbox     http.js   ops over HTTP
//   dom.js, i18n.js  building elements, translated strings
//
// The board page (/boards/<id>/, templates/mapping/board.html, `#board[data-autostart]`)
// starts itself. Other screens (the participant's room) mount a board into markup cloned
// from templates/mapping/_board.html, on their own socket:
//   const handle = mountBoard(live, sectionElement, boardId, config);
//   handle.unmount();   // stops following the board; the caller removes the markup
// config: {template, plenary (id or null), cytoscape, elk, elkWorker (URLs), labels: {countries, stakeholders}}
import { followBoard } from "./board-state.js";
import { errorText, authorText, setLabels } from "./board-ui.js";
import { createCards } from "./board-cards.js";
import { createListView } from "./board-list.js";
import { createMapView } from "./board-map.js";
import { el } from "./dom.js";
import { t, fmt } from "./i18n.js";

export function mountBoard(live, root, BOARD, config) {
  setLabels(config.labels);
  const $ = (id) => root.querySelector(`#${id}`);
  const offs = [];
  const on = (type, fn) => offs.push(live.on(type, fn));
  let view = null;

  // What the parts share. `state` is set below, before any frame can arrive.
  const ctx = {
    root, $, config, board: BOARD, state: null,
    send, showError, setPending,
    render: (why) => render(ctx.state, why),
    revoked: () => root.dataset.revoked === "1",
    // Changes are accepted: not locked, not a read-only input board, not taken away.
    open: () => !ctx.state.info.locked && !ctx.state.info.read_only_input && !ctx.revoked(),
  };

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
  // server's state) and shows the error when it is refused; resolves to the ack or null.
  // coalesceKey: a later op with the same key replaces this one if it is still unsent
  // (a note dragged twice while offline is moved once, to where it was left).
  async function send(op, data, { onError, coalesceKey = null } = {}) {
    setPending(1);
    try {
      return await live.op(op, data, { board: BOARD, coalesceKey });
    } catch (frame) {
      showError(frame);
      if (onError) onError(frame);
      render(ctx.state, "rollback");
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
    render(ctx.state, "revoked"); // read-only from now on
  });
  // A welcome the server pushes means this person's rights changed (made rapporteur, a
  // new round): ask again from our seq, and the `caught_up` brings our rights on this
  // board (`me.may`) as they are now. The welcome that opens a connection needs nothing:
  // live.js already re-subscribed every board when the socket opened.
  let opening = live.status !== "online"; // mounted on a live socket (the room): its opening welcome is past
  on("status", (f) => { if (f.status === "online") opening = true; });
  on("welcome", (w) => {
    const state = ctx.state;
    const pushed = !opening;
    opening = false;
    if (!ctx.revoked()) {
      if (pushed && state.seq !== null) live.send({ type: "subscribe", board: BOARD, since: state.seq });
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
      // " · " between people: one person's description may itself hold commas
      // ("Tajikistan, Teacher" on a board attributed by role).
      const shown = names.slice(0, 8).join(" · ");
      text += `: ${names.length > 8 ? fmt(t("%s and %s more"), [shown, names.length - 8]) : shown}`;
    }
    $("presence").textContent = text;
  });

  const cards = createCards(ctx);
  const list = createListView(ctx, cards);
  const map = createMapView(ctx);

  // --- whole screen -----------------------------------------------------------------------
  function renderInfo() {
    const info = ctx.state.info;
    const may = ctx.state.me.may || {};
    $("board-title").textContent = info.title;
    $("add-note").hidden = !may.write || !ctx.open();
    $("arrange").hidden = !may.write || !ctx.open();
    const flags = [
      info.read_only_input ? t("Read-only input from the earlier session") : "",
      info.locked ? t("Locked") : "",
      info.private_until_reveal && !info.revealed ? t("Notes stay private until the facilitator reveals them") : "",
    ].filter(Boolean);
    $("board-flags").textContent = flags.length ? `· ${flags.join(" · ")}` : "";
    $("votes-left").textContent = may.vote && !info.read_only_input ? fmt(t("Votes left: %s of %s"), [ctx.state.me.votes_left, info.vote_budget]) : "";
    const cat = $("note-category");
    const value = cat.value;
    cat.replaceChildren(...cards.categorySelect(null).children);
    cat.value = value;
    $("mod-tools").classList.toggle("hidden", !may.moderate || info.read_only_input);
    $("lock").textContent = info.locked ? t("Unlock board") : t("Lock board");
    $("reveal").hidden = !(info.private_until_reveal && !info.revealed);
    $("author-mode").value = info.author_mode;
    $("vote-budget").value = info.vote_budget;
    $("private-mode").checked = !!info.private_until_reveal;
    $("legend").replaceChildren(...ctx.state.sortedCategories().map((c) => {
      const item = el("span", { className: "legend-item" });
      const swatch = el("span", { className: "swatch" });
      swatch.style.setProperty("--swatch", c.colour);
      item.append(swatch, c.name);
      return item;
    }));
  }

  // Positions change nothing in the list or the info bar: a move (one note, or a whole
  // arrangement) only places its notes on the map.
  const MOVES = { "note.move": (d) => [d.id], "note.arrange": (d) => d.moves.map((m) => m[0]) };

  function render(s, why, frame) {
    if (frame && MOVES[why] && frame.data) {
      map.place(MOVES[why](frame.data));
      root.dataset.seq = String(s.seq);
      return;
    }
    renderInfo();
    list.render();
    map.sync();
    if (view === "map") map.frameOnce();
    if (why === "snapshot") root.dataset.ready = "1";
    root.dataset.seq = String(s.seq);
  }

  ctx.state = followBoard(live, BOARD, (s, why, frame) => render(s, why, frame));

  async function showView(which) {
    view = which;
    const isMap = which === "map";
    $("map-wrap").classList.toggle("hidden", !isMap);
    $("list").classList.toggle("hidden", isMap);
    $("legend").classList.toggle("hidden", !isMap);
    $("show-map").setAttribute("aria-pressed", String(isMap));
    $("show-list").setAttribute("aria-pressed", String(!isMap));
    if (isMap) await map.show();
    try { localStorage.setItem(`board-view-${BOARD}`, which); } catch { /* private mode */ }
  }

  $("show-map").addEventListener("click", () => showView("map"));
  $("show-list").addEventListener("click", () => showView("list"));
  $("skip-to-list").addEventListener("click", async () => {
    await showView("list");
    const first = $("list").querySelector("button, textarea, input");
    ($("note-text").closest("form").hidden ? first : $("note-text"))?.focus();
  });

  $("add-note").addEventListener("submit", async (e) => {
    e.preventDefault();
    const area = $("note-text");
    const text = area.value.trim();
    if (!text) return;
    const data = { text };
    if ($("note-category").value) data.category = +$("note-category").value;
    Object.assign(data, map.freeSpot(text, view === "map"));
    area.value = "";
    const temp = el("li", { className: "note-card is-temp", "aria-busy": "true" });
    temp.append(el("p", { className: "note-text" }, text), el("p", { className: "note-meta" }, t("saving…")));
    const firstList = $("list").querySelector(".note-list");
    if (firstList) firstList.prepend(temp);
    const ack = await send("note.add", data);
    temp.remove();
    if (ack) { ctx.state.mine.add(ack.id); render(ctx.state, "me"); }
    if (!ack) area.value = text; // nothing typed is lost
    area.focus();
  });
  $("note-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("add-note").requestSubmit();
  });

  $("lock").addEventListener("click", () => send(ctx.state.info.locked ? "board.unlock" : "board.lock", {}));
  $("reveal").addEventListener("click", () => send("board.reveal", {}));
  $("settings").addEventListener("submit", (e) => {
    e.preventDefault();
    const info = ctx.state.info;
    const data = {};
    if ($("author-mode").value !== info.author_mode) data.author_mode = $("author-mode").value;
    const budget = parseInt($("vote-budget").value, 10);
    if (!Number.isNaN(budget) && budget !== info.vote_budget) data.vote_budget = budget;
    if ($("private-mode").checked !== !!info.private_until_reveal) data.private_until_reveal = $("private-mode").checked;
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
    get state() { return ctx.state; },
    unmount() {
      for (const off of offs) off();
      ctx.state.stop();
      clearTimeout(errorTimer);
      map.destroy();
      cards.cards.clear();
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
