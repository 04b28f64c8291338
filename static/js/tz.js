// Tells the server the browser's time zone (cookie `tz`), so pages show the viewer's
// own time beside the workshop's home time. A participant's profile choice wins.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (zone && !document.cookie.split("; ").some((c) => c === `tz=${encodeURIComponent(zone)}`)) {
  document.cookie = `tz=${encodeURIComponent(zone)}; path=/; max-age=31536000; samesite=lax`;
}
