// The map view: a Cytoscape concept map of the board (loaded on first show), kept in step
// with the state; drag to move (note.move, coalesced per note), tap two notes to link
// them, tap a link to relabel or delete it. User text is only drawn by Cytoscape on a canvas.
//   const map = createMapView(ctx);
//   await map.show();      // load Cytoscape if needed, then size and frame the map
//   map.sync();            // after every state change
//   map.place(ids);        // after notes only moved: just their positions
//   map.freeSpot(text, onMap)   // where a new note goes
// "Arrange" lays the whole map out (board-arrange.js) and moves the notes for everyone.
import { t, fmt } from "./i18n.js";
import { arrange } from "./board-arrange.js";
import { NOTE, GAP, noteLabel, noteHeight, noteBox, firstFreeSlot, nearestFreeSpot, readableView } from "./board-layout.js";

// Width of a line of note text as Cytoscape measures it (same font, same canvas call).
let measureContext = null;
function measureText(text) {
  if (!measureContext) {
    measureContext = document.createElement("canvas").getContext("2d");
    measureContext.font = `normal normal ${NOTE.fontSize}px ${NOTE.fontFamily}`;
  }
  return Math.ceil(measureContext.measureText(text).width);
}

const STYLE = [
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
];

// ELK, loaded on first "Arrange": elk-api.js is a classic script that defines window.ELK;
// the layout itself runs in a worker (elk-worker.min.js), so the page stays responsive.
let elkLoading = null;
function loadElk(src) {
  if (globalThis.ELK) return Promise.resolve(globalThis.ELK);
  if (!elkLoading) {
    elkLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => resolve(globalThis.ELK);
      script.onerror = () => { elkLoading = null; script.remove(); reject(new Error(`could not load ${src}`)); };
      document.head.append(script);
    });
  }
  return elkLoading;
}

export function createMapView(ctx) {
  const { root, $, config } = ctx;
  let cy = null; // Cytoscape, loaded when the map is first shown
  let linkSource = null;
  let linkMode = false;
  let selectedEdge = null;
  let fitted = false; // the map was shown readable once it had something to show
  const pendingMoves = new Set(); // note ids moved here and not yet acked

  const labelOf = (n) => noteLabel(n, ctx.state.clusters);

  // Many notes placed at once: one note.arrange op per ARRANGE_BATCH shared notes (one
  // event each, so everyone sees the layout at once, within the op rate limit); a private
  // note (only its author and moderators see it) moves by its own note.move.
  const ARRANGE_BATCH = 200; // realtime.schema.MAX_IDS
  async function sendArrangement(moves) {
    const round = (v) => Math.round(v * 10) / 10;
    const shared = moves.filter((m) => !(ctx.state.notes.get(m.id) || {}).private);
    const own = moves.filter((m) => (ctx.state.notes.get(m.id) || {}).private);
    for (const m of shared) { pendingMoves.add(m.id); cy.getElementById(`n${m.id}`).addClass("pending"); }
    const batches = [];
    for (let i = 0; i < shared.length; i += ARRANGE_BATCH) {
      const chunk = shared.slice(i, i + ARRANGE_BATCH);
      batches.push(ctx.send("note.arrange", { moves: chunk.map((m) => [m.id, round(m.x), round(m.y)]) }).then(() => {
        for (const m of chunk) {
          pendingMoves.delete(m.id);
          if (cy) cy.getElementById(`n${m.id}`).removeClass("pending");
        }
        sync();
      }));
    }
    await Promise.all([...batches, ...own.map((m) => sendMove(m.id, m.x, m.y))]);
  }

  // Send a note's new position; its border is dashed until the server has it. A note
  // moved twice before the first move is sent is moved once (coalesceKey).
  function sendMove(id, x, y) {
    const node = cy.getElementById(`n${id}`);
    node.addClass("pending");
    pendingMoves.add(id);
    return ctx.send("note.move", { id, x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 },
      { coalesceKey: `move:${id}` }).then((ack) => {
      pendingMoves.delete(id);
      if (cy) cy.getElementById(`n${id}`).removeClass("pending");
      sync();
      return ack;
    });
  }

  async function ensure() {
    if (cy) return cy;
    const { default: cytoscape } = await import(config.cytoscape);
    cy = cytoscape({
      container: $("map"),
      elements: [],
      layout: { name: "preset" },
      minZoom: 0.2, maxZoom: 3, wheelSensitivity: 0.3,
      style: STYLE,
    });
    cy.on("dragfree", "node", (e) => {
      const { x, y } = e.target.position();
      sendMove(+e.target.id().slice(1), x, y);
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
        ctx.send("link.add", { source: linkSource, target: id, label });
        endLinkMode();
      }
    });
    cy.on("tap", "edge", (e) => {
      selectedEdge = +e.target.id().slice(1);
      const link = ctx.state.links.get(selectedEdge);
      $("link-label").value = link ? link.label : "";
      $("edge-tools").classList.remove("hidden");
    });
    cy.on("tap", (e) => {
      if (e.target === cy) { selectedEdge = null; $("edge-tools").classList.add("hidden"); }
    });
    $("map")._cy = cy; // lets the browser tests find where a note is drawn
    root._cy = cy;
    sync();
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

  // Cytoscape follows the state: every note first, then every link between two drawn
  // notes. One bad element is reported and skipped; it never stops the rest being drawn.
  function sync() {
    if (!cy) return;
    const state = ctx.state;
    const seen = new Set();
    const guard = (what, fn) => {
      try { fn(); } catch (err) { console.error(`board map: could not draw ${what}`, err); }
    };
    cy.batch(() => {
      for (const n of state.notes.values()) {
        const id = `n${n.id}`;
        guard(id, () => {
          const label = labelOf(n);
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
    return [...ctx.state.notes.values()].filter((n) => Number.isFinite(n.x) && Number.isFinite(n.y))
      .map((n) => noteBox(n.x, n.y, noteHeight(labelOf(n), measureText)));
  }

  // Where a new note goes, never on another one and at least GAP from it: on the map,
  // the free spot nearest the middle of the view; from the list, the first free slot of
  // a grid wider than a note (the server's default places notes touching).
  function freeSpot(text, onMap) {
    const height = noteHeight(text, measureText);
    const boxes = noteBoxes();
    if (cy && onMap) {
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

  // Lay the map out by category and cluster, then move every note that changed place
  // (sendArrangement), so everyone sees the new layout.
  async function arrangeMap() {
    if (!cy) return;
    const button = $("arrange");
    button.disabled = true;
    $("map-hint").textContent = t("Arranging the map…");
    let elk = null;
    try {
      const ELK = await loadElk(config.elk);
      elk = new ELK({ workerUrl: config.elkWorker });
      const moves = await arrange(ctx.state, { elk, measure: measureText });
      cy.batch(() => { for (const m of moves) cy.getElementById(`n${m.id}`).position({ x: m.x, y: m.y }); });
      showReadable();
      $("map-hint").textContent = fmt(t("Arranged: %s notes moved."), [moves.length]);
      await sendArrangement(moves);
    } catch (err) {
      console.error("board map: could not arrange", err);
      $("map-hint").textContent = t("The map could not be arranged; nothing was moved.");
    } finally {
      if (elk) elk.terminateWorker();
      button.disabled = false;
    }
  }

  const zoomBy = (factor) => cy && cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  $("fit").addEventListener("click", () => cy && cy.fit(undefined, 30));
  $("zoom-in").addEventListener("click", () => zoomBy(1.25));
  $("zoom-out").addEventListener("click", () => zoomBy(1 / 1.25));
  $("arrange").addEventListener("click", arrangeMap);
  $("draw-link").addEventListener("click", () => {
    if (linkMode) { endLinkMode(); return; }
    linkMode = true;
    $("draw-link").setAttribute("aria-pressed", "true");
    $("map-hint").textContent = t("Tap the note the link starts from.");
  });
  $("save-label").addEventListener("click", () => {
    if (selectedEdge !== null) ctx.send("link.edit", { id: selectedEdge, label: $("link-label").value.trim() });
  });
  $("delete-link").addEventListener("click", () => {
    if (selectedEdge !== null) ctx.send("link.delete", { id: selectedEdge });
    selectedEdge = null;
    $("edge-tools").classList.add("hidden");
  });

  // Notes that only moved (note.move, note.arrange): set their positions, nothing else;
  // a full sync walks every note and link, which a big board pays on every drag.
  function place(ids) {
    if (!cy) return;
    cy.batch(() => {
      for (const id of ids) {
        const n = ctx.state.notes.get(id);
        const node = cy.getElementById(`n${id}`);
        if (!n || node.empty() || pendingMoves.has(id) || node.grabbed()) continue;
        const x = Number.isFinite(n.x) ? n.x : 0;
        const y = Number.isFinite(n.y) ? n.y : 0;
        const p = node.position();
        if (p.x !== x || p.y !== y) node.position({ x, y });
      }
    });
  }

  return {
    async show() { await ensure(); cy.resize(); showReadable(); },
    sync,
    place,
    // Frame the map readably the first time it has something to show.
    frameOnce() { if (cy && !fitted) showReadable(); },
    freeSpot,
    destroy() { if (cy) { cy.destroy(); cy = null; } },
  };
}
