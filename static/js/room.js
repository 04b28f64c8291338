// The participant's room: the session bar, their group's signals, boards to open,
// self-select choices. One socket for the tab (live.js).
import { connectLive } from "./live.js";
import { errorText } from "./errors.js";
import { mountSessionBar } from "./session.js";

const gettext = window.gettext || ((s) => s);
const root = document.getElementById("room");
const live = connectLive(root.dataset.session);
mountSessionBar(live, document.getElementById("session-bar"));

const signalsCard = document.getElementById("signals-card");
const signalStatus = document.getElementById("signal-status");
const chooseCard = document.getElementById("choose-card");
const chooseList = document.getElementById("choose-list");
const chooseStatus = document.getElementById("choose-status");
const boardsList = document.getElementById("boards");

function renderBoards(boards) {
  boardsList.replaceChildren();
  if (!boards || !boards.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = gettext("No board open yet.");
    boardsList.append(li);
    return;
  }
  for (const board of boards) {
    const li = document.createElement("li");
    const title = document.createElement("span");
    title.textContent = board.title;
    const a = document.createElement("a");
    a.className = "button primary";
    a.href = board.url;
    a.textContent = gettext("Open the board");
    li.append(title, " ", a);
    boardsList.append(li);
  }
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
