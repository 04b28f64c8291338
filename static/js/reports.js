// Staff reports page: each export in progress polls its small JSON status endpoint and
// advances its progress bar until the file is ready (then shows the download link).
import { t } from "./i18n.js";

const POLL_MS = 800;
const FINAL = new Set(["done", "failed"]);

function render(item, state) {
  item.dataset.status = state.status;
  const bar = item.querySelector("progress");
  if (bar) {
    bar.value = state.progress;
    bar.textContent = `${state.progress}%`;
  }
  item.querySelector(".export-status").textContent = state.status_label;
  item.querySelector(".export-step").textContent = state.step;
  const link = item.querySelector(".export-download");
  if (state.download_url) {
    link.href = state.download_url;
    link.classList.remove("hidden");
  }
  const error = item.querySelector(".export-error");
  if (state.error) {
    error.textContent = state.error;
    error.classList.remove("hidden");
  }
}

async function poll(item) {
  while (!FINAL.has(item.dataset.status)) {
    try {
      const response = await fetch(item.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      render(item, await response.json());
    } catch (err) {
      item.querySelector(".export-step").textContent = t("Connection lost, retrying…");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

document.querySelectorAll(".export-item[data-status-url]").forEach((item) => {
  poll(item);
});
