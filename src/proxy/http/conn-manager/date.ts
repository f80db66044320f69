// A cached HTTP Date header value, refreshed at most once a second (Envoy's date provider).
// Saves a Date formatting per response.

let cached = '';
let cachedSecond = -1;

/** The current time as an IMF-fixdate string ("Tue, 25 Nov 2026 09:30:00 GMT"). */
export function currentDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cached = new Date(now).toUTCString();
  }
  return cached;
}
