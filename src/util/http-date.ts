const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * The IMF-fixdate of HTTP (RFC 9110 §5.6.7), exactly what Date#toUTCString gives for years
 * 1000–9999. Formatted by hand because V8's own takes about a microsecond, and a listing of
 * 10,000 entries formats one per entry.
 */
export function httpDate(d: Date): string {
  const year = d.getUTCFullYear();
  // Outside four-digit years (and for an invalid date) V8's form is the reference.
  if (!(year >= 1000 && year <= 9999)) return d.toUTCString();
  return `${DAYS[d.getUTCDay()]!}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]!} ${year} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}
