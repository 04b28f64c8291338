// The participant's room: the session bar, their group's signals, the board they work
// on (inline, static/js/board.js mountBoard), self-select choices. One socket for the
// tab (live.js).
import { connectLive } from "./live.js";
import { errorText } from "./errors.js";
import { mountSessionBar } from "./session.js";
import { mountBoard } from "./board.js";
import { t as gettext, named } from "./i18n.js";

const root = document.getElementById("room");
const live = connectLive(root.dataset.session);
mountSessionBar(live, document.getElementById("session-bar"));

const signalsCard = document.getElementById("signals-card");
const signalStatus = document.getElementById("signal-status");
const chooseCard = document.getElementById("choose-card");
const chooseList = document.getElementById("choose-list");
const chooseStatus = document.getElementById("choose-status");
const boardsList = document.getElementById("boards");

// The board, inline, on this tab's socket: the group's board while groups are open,
// else the plenary board; carried-forward input boards (read-only) one tap away. The
// server pushes a new welcome whenever the person's place changes (groups opened, moved,
// called back, a new round), and the room follows its "boards" by itself. A board taken
// away meanwhile (`unsubscribed`, reason "revoked") is forgotten by live.js; the welcome
// that follows mounts the right one.
const boardHost = document.getElementById("room-board");
const boardTemplate = document.getElementById("board-template");
const boardConfig = JSON.parse(document.getElementById("room-board-config").textContent);
let mounted = null; // {id, handle}
let lastDefault = null;

function showBoard(board) {
  if (mounted && mounted.id === board.id) return;
  if (mounted) mounted.handle.unmount();
  boardHost.replaceChildren(boardTemplate.content.cloneNode(true));
  const section = boardHost.querySelector(".board");
  section.dataset.board = String(board.id);
  section.dataset.kind = board.kind;
  const handle = mountBoard(live, section, board.id, {
    ...boardConfig, template: board.template, plenary: board.plenary ?? null,
  });
  mounted = { id: board.id, handle };
  boardHost.dataset.board = String(board.id);
  boardHost.dataset.kind = board.kind;
  for (const b of boardsList.querySelectorAll("button")) b.setAttribute("aria-pressed", String(+b.dataset.board === board.id));
}

function tabLabel(board) {
  if (board.kind === "input") return named(gettext("%(title)s (earlier session, read-only)"), { title: board.title });
  if (board.kind === "group") return named(gettext("%(title)s (your group)"), { title: board.title });
  return board.title;
}

function renderBoards(boards) {
  boards = boards || [];
  boardsList.replaceChildren();
  if (!boards.length) {
    if (mounted) { mounted.handle.unmount(); mounted = null; boardHost.replaceChildren(); }
    const span = document.createElement("span");
    span.className = "muted";
    span.textContent = gettext("No board open yet.");
    boardsList.append(span);
    return;
  }
  if (boards.length > 1) {
    for (const board of boards) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.board = String(board.id);
      b.dataset.kind = board.kind;
      b.textContent = tabLabel(board);
      b.addEventListener("click", () => showBoard(board));
      boardsList.append(b);
    }
  }
  const main = boards.find((b) => b.kind !== "input") || boards[0];
  const current = mounted && boards.find((b) => b.id === mounted.id);
  // Groups opened, a move, a recall: the main board changed, so show it. Otherwise stay
  // on whatever the person picked.
  if (!current || main.id !== lastDefault) showBoard(main);
  else showBoard(current);
  lastDefault = main.id;
}

function renderChoices(choices) {
  chooseList.replaceChildren();
  chooseCard.classList.toggle("hidden", !choices || !choices.length);
  for (const c of choices || []) {
    const b = document.createElement("button");
    b.type = "button";
    const full = c.cap !== null && c.taken >= c.cap && !c.mine;
    b.textContent = c.cap !== null ? `${c.name} (${c.taken}/${c.cap})` : c.name;
    b.disabled = full;
    if (c.mine) b.classList.add("primary");
    b.addEventListener("click", () => {
      chooseStatus.textContent = "";
      live.op("group.choose", { group: c.id }).then(() => live.refresh(), (err) => {
        chooseStatus.textContent = errorText(err, {
          conflict: gettext("This group is full, or choosing has closed. Pick another group."),
          not_found: gettext("That group is no longer there. Pick another one."),
        });
        live.refresh(); // fresh places taken
      });
    });
    chooseList.append(b);
  }
}

live.on("welcome", (w) => {
  root.dataset.live = "online";
  signalsCard.classList.toggle("hidden", !w.group);
  signalStatus.textContent = "";
  renderBoards(w.boards);
  renderChoices(w.choices);
});

for (const button of document.querySelectorAll("[data-signal]")) {
  button.addEventListener("click", () => {
    const op = `signal.${button.dataset.signal}`;
    live.op(op, {}).then(
      () => {
        signalStatus.classList.remove("error-text");
        signalStatus.textContent = gettext("The facilitator has been told.");
      },
      (err) => {
        signalStatus.classList.add("error-text");
        signalStatus.textContent = errorText(err, { not_found: gettext("You are not in a running group any more.") });
      },
    );
  });
}
live.on("signal", (f) => {
  if (f.signal === "clear") signalStatus.textContent = "";
});

document.getElementById("rejoin-url").addEventListener("focus", (e) => e.target.select());
