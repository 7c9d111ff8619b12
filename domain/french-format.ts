/** Dates as French public services write them, always in metropolitan French time. */
const dateTime = new Intl.DateTimeFormat('fr-FR', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'Europe/Paris',
});
const dateOnly = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });

export function formatDateTime(value: Date | string): string {
  return dateTime.format(new Date(value));
}

export function formatDate(value: Date | string): string {
  return dateOnly.format(new Date(value));
}

const decimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });

/** A duration as people say it: "45 min", "3 h 20 min", "2,5 jours". */
export function formatElapsed(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) {
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  }
  const days = Math.round((minutes / 1440) * 10) / 10;
  return `${decimal.format(days)} jours`;
}

const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 0 });

export function formatPercent(ratio: number): string {
  return percent.format(ratio);
}
