// Trims two caches of cytoscape (3.35) that keep an entry for every label text an element ever had: with rates in
// the edge labels, a few per graph update, so the page's memory grew for as long as it stayed open.
import type cytoscape from 'cytoscape';

type TextureCaches = Record<string, { lookup?: { idsByKey?: Map<unknown, Set<unknown>> } } | undefined>;
interface Internals { renderer(): { data?: TextureCaches } | undefined; style(): { propCache?: unknown } }

/**
 * Drops the texture caches' keys no element uses any more (each lookup keeps a key and an empty Set per text it
 * ever drew) and the style's parsed-value cache (one parsed `data(label)` per text); both refill as they are used.
 */
export function trimLabelCaches(cy: cytoscape.Core): void {
  const c = cy as unknown as Internals;
  const data = c.renderer()?.data;
  for (const cache of ['eleTxrCache', 'lblTxrCache', 'slbTxrCache', 'tlbTxrCache']) {
    const ids = data?.[cache]?.lookup?.idsByKey;
    if (ids) for (const [key, set] of ids) if (set.size === 0) ids.delete(key);
  }
  const style = c.style();
  if (style.propCache !== undefined) style.propCache = [];
}
