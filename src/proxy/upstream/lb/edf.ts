// Earliest-deadline-first scheduler, as Envoy's EdfScheduler: each entry's next deadline is
// now + 1/weight, so over time every entry is picked in proportion to its weight.

interface EdfEntry<T> {
  deadline: number;
  /** Insertion order: breaks deadline ties first-in first-out. */
  order: number;
  item: T;
}

/** A binary min-heap of entries ordered by (deadline, order). */
export class EdfScheduler<T> {
  private readonly heap: EdfEntry<T>[] = [];
  private currentTime = 0;
  private nextOrder = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Adds `item`; weights must be > 0. */
  add(weight: number, item: T): void {
    this.push({ deadline: this.currentTime + 1 / weight, order: this.nextOrder++, item });
  }

  /** Picks the earliest entry and re-adds it with the weight `weightOf` gives now (Envoy's pickAndAdd). */
  pickAndAdd(weightOf: (item: T) => number): T | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.currentTime = top.deadline;
    const w = weightOf(top.item);
    // Reuse the entry: update its deadline and order, then sift it down from the root.
    top.deadline = this.currentTime + 1 / (w > 0 ? w : Number.MIN_VALUE);
    top.order = this.nextOrder++;
    this.siftDown(0);
    return top.item;
  }

  private less(a: EdfEntry<T>, b: EdfEntry<T>): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.order < b.order);
  }

  private push(e: EdfEntry<T>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(h[l], h[m])) m = l;
      if (r < n && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
