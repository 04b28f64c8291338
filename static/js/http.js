// The few writes that go over HTTP rather than the socket. An op on a board this tab does
// not follow (the socket's live.op needs the board subscribed): POST /boards/<id>/ops/
// runs the same apply_op (mapping/views.py) and answers with the frame the socket would
// send, an ack or an error:
//   const frame = await postOp(plenaryId, "note.pull", {source_board, notes: [id]});
//   if (frame.type === "error") ...
import { newOpId } from "./op-id.js";

// Django's CSRF cookie (CSRF_COOKIE_HTTPONLY is off for this).
export function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Rejects only when the server could not be reached or did not answer with JSON.
export async function postOp(boardId, op, data, { opId = newOpId() } = {}) {
  const response = await fetch(`/boards/${boardId}/ops/`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ op, op_id: opId, data }),
  });
  return response.json();
}
