// Building elements safely: text is only ever set as text, never parsed as HTML.
//   el("button", {type: "button", className: "x", "aria-label": "..."}, "text", child, ...)
// Attributes that are properties of the element (type, value, maxLength...) are set as
// properties, the rest (aria-*, data-*) as attributes; null and undefined children are skipped.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "className") node.className = v;
    else if (k in node && !k.includes("-")) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
