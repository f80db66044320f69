// webapp's HTML home page: up to four catalog items and four forum users, or the
// "currently not available" notice for a service that failed.
import type { ForumUser, WebappCatalogItem } from './upstreams.js';

/** The catalog/forum notices the page shows when a call fails. */
export const CATALOG_UNAVAILABLE = 'The catalog service is currently not available.';
export const FORUM_UNAVAILABLE = 'The forum service is currently not available.';

function esc(v: unknown): string {
  return String(v ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The page; `items`/`users` undefined means that call failed. */
export function renderIndex(items: WebappCatalogItem[] | undefined, users: ForumUser[] | undefined): string {
  const catalog = items === undefined
    ? `<p class="error">${CATALOG_UNAVAILABLE}</p>`
    : `<table class="catalog">\n<tr><th>Id</th><th>Name</th><th>Color</th><th>Department</th><th>Price</th></tr>\n${
      items.slice(0, 4).map((i) => `<tr><td>${esc(i.id)}</td><td>${esc(i.name)}</td><td>${esc(i.color)}</td><td>${
        esc(i.department)}</td><td>${esc(i.price)}</td>${i.imageUrl === undefined ? '' : `<td><img src="${esc(i.imageUrl)}" alt="${esc(i.name)}"></td>`}</tr>`).join('\n')}\n</table>`;
  const forum = users === undefined
    ? `<p class="error">${FORUM_UNAVAILABLE}</p>`
    : `<table class="users">\n<tr><th>Id</th><th>Name</th><th>Username</th><th>Email</th></tr>\n${
      users.slice(0, 4).map((u) => `<tr><td>${esc(u.id)}</td><td>${esc(u.name)}</td><td>${esc(u.username)}</td><td>${
        esc(u.email)}</td></tr>`).join('\n')}\n</table>`;
  return `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Istio in Action: webapp</title></head>\n<body>\n`
    + `<h1>Istio in Action</h1>\n<h2>Catalog</h2>\n${catalog}\n<h2>Forum users</h2>\n${forum}\n</body>\n</html>\n`;
}
