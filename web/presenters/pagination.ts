/**
 * A DSFR pagination (first, previous, the pages around the current one, next, last) for a list of `total`
 * pages; undefined when everything fits on one page.
 */
export function paginationView(current: number, total: number, linkTo: (page: number) => string) {
  if (total <= 1) return undefined;
  return {
    label: `page ${current} sur ${total}`,
    first: current > 1 ? linkTo(1) : undefined,
    previous: current > 1 ? linkTo(current - 1) : undefined,
    next: current < total ? linkTo(current + 1) : undefined,
    last: current < total ? linkTo(total) : undefined,
    pages: pageWindow(current, total).map((number) =>
      number === null ? { gap: true } : { number, href: linkTo(number), current: number === current },
    ),
  };
}

/** The page numbers around the current one, with the first and the last; null marks a gap. */
function pageWindow(current: number, total: number): (number | null)[] {
  const numbers = new Set([1, total, current - 1, current, current + 1].filter((n) => n >= 1 && n <= total));
  const sorted = [...numbers].sort((a, b) => a - b);
  const result: (number | null)[] = [];
  sorted.forEach((number, index) => {
    if (index > 0 && number - sorted[index - 1]! > 1) result.push(null);
    result.push(number);
  });
  return result;
}
