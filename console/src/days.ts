// District days as the API's time filters take them: a date picked in the
// console (YYYY-MM-DD) is a day in Futian (UTC+8).

/** districtDayStart is midnight starting a district date, as RFC 3339. */
export function districtDayStart(day: string): string {
  return day + 'T00:00:00+08:00'
}

/** districtDayEnd is midnight ending a district date, as RFC 3339. */
export function districtDayEnd(day: string): string {
  const next = new Date(new Date(day + 'T00:00:00+08:00').getTime() + 24 * 3600_000)
  return next.toISOString().replace('.000Z', 'Z')
}
