// The catalog's items: the four the book's catalog image serves, with imageUrl when SHOW_IMAGE is
// set (catalog v2), and the in-memory store POST/PUT/DELETE /items change.

/** One catalog item as the service answers it. */
export interface CatalogItem {
  id: number;
  color: string;
  department: string;
  name: string;
  price: string;
  imageUrl?: string;
  [extra: string]: unknown;
}

/** The image every item of catalog v2 shows. */
export const CATALOG_IMAGE_URL = 'http://lorempixel.com/640/480';

const SEED: readonly CatalogItem[] = [
  { id: 1, color: 'amber', department: 'Eyewear', name: 'Elinor Glasses', price: '282.00' },
  { id: 2, color: 'cyan', department: 'Clothing', name: 'Atlas Shirt', price: '127.00' },
  { id: 3, color: 'teal', department: 'Clothing', name: 'Small Metal Shoes', price: '232.00' },
  { id: 4, color: 'red', department: 'Watches', name: 'Red Dragon Watch', price: '232.00' },
];

/** The items one catalog instance holds. */
export class ItemStore {
  private readonly items: CatalogItem[];
  private nextId = 5;

  constructor(private readonly showImage: boolean) {
    this.items = SEED.map((i) => (showImage ? { ...i, imageUrl: CATALOG_IMAGE_URL } : { ...i }));
  }

  list(): CatalogItem[] {
    return this.items;
  }

  get(id: number): CatalogItem | undefined {
    return this.items.find((i) => i.id === id);
  }

  /** Adds an item under the next free id (from 5), whatever id the body carried. */
  add(fields: Record<string, unknown>): CatalogItem {
    const item = { ...fields, id: this.nextId++ } as CatalogItem;
    if (this.showImage && item.imageUrl === undefined) item.imageUrl = CATALOG_IMAGE_URL;
    this.items.push(item);
    return item;
  }

  /** Replaces item `id`'s fields; undefined when there is none. */
  replace(id: number, fields: Record<string, unknown>): CatalogItem | undefined {
    const at = this.items.findIndex((i) => i.id === id);
    if (at < 0) return undefined;
    const item = { ...fields, id } as CatalogItem;
    this.items[at] = item;
    return item;
  }

  remove(id: number): boolean {
    const at = this.items.findIndex((i) => i.id === id);
    if (at < 0) return false;
    this.items.splice(at, 1);
    return true;
  }
}
