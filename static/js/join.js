// The join page: fill the time zone from the browser (still editable), and upper-case
// typed codes.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const field = document.querySelector("[data-guess-timezone]");
if (field && zone && (!field.value || field.value === "Asia/Almaty") && !field.dataset.touched) {
  field.value = zone;
}
if (field) field.addEventListener("input", () => { field.dataset.touched = "1"; });
