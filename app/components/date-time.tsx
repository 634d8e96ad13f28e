const format = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/** A point in time, shown in UTC so the server's and the browser's renderings always agree. */
export function DateTime({ value }: { value: Date | string }) {
  const date = new Date(value);
  return <time dateTime={date.toISOString()}>{format.format(date)} UTC</time>;
}
