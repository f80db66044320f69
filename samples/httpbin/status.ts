// httpbin's /status/:codes: a response with the asked status (or one picked from a weighted
// list like "500,503" or "200:0.9,503:0.1"), with the special bodies and headers httpbin gives.
import { pyDumps } from './py-json.js';

/** A fixed response: status, extra headers, body. */
export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const REDIRECT_LOCATION = '/redirect/1';

const TEAPOT = `
    -=[ teapot ]=-

       _...._
     .'  _ _ \`.
    | ."\` ^ \`". _,
    \\_;\`"---"\`|//
      |       ;/
      \\_     _/
        \`"""\`
`;

const ACCEPTED_MEDIA_TYPES = ['image/webp', 'image/svg+xml', 'image/jpeg', 'image/png', 'image/*'];

/** Flask's default content type for a body-less Response. */
const HTML = 'text/html; charset=utf-8';

/** helpers.status_code: the response httpbin sends for a status code. */
export function statusResponse(code: number): CannedResponse {
  const headers: Record<string, string> = { 'Content-Type': HTML };
  let body = '';
  switch (code) {
    case 301: case 302: case 303: case 305: case 307:
      headers.Location = REDIRECT_LOCATION;
      break;
    case 401:
      headers['WWW-Authenticate'] = 'Basic realm="Fake Realm"';
      break;
    case 402:
      body = 'Fuck you, pay me!';
      headers['x-more-info'] = 'http://vimeo.com/22053820';
      break;
    case 406:
      headers['Content-Type'] = 'application/json';
      body = pyDumps({ message: 'Client did not request a supported media type.', accept: ACCEPTED_MEDIA_TYPES });
      break;
    case 407:
      headers['Proxy-Authenticate'] = 'Basic realm="Fake Realm"';
      break;
    case 418:
      body = TEAPOT;
      headers['x-more-info'] = 'http://tools.ietf.org/html/rfc2324';
      break;
  }
  return { status: code, headers, body };
}

/** One choice of a /status list: a code and its weight. */
export interface WeightedCode {
  code: number;
  weight: number;
}

/**
 * Parses "418", "500,503" or "200:0.9,503:0.1" (weight 1 when left out).
 * Returns undefined for anything httpbin answers "Invalid status code" to; codes are limited
 * to 200..599 because node:http cannot send an informational status as the final one.
 */
export function parseStatusCodes(raw: string): WeightedCode[] | undefined {
  const out: WeightedCode[] = [];
  for (const choice of raw.split(',')) {
    const [codeText, weightText, extra] = choice.split(':');
    if (extra !== undefined || !/^\s*[0-9]+\s*$/.test(codeText!)) return undefined;
    const code = Number(codeText);
    const weight = weightText === undefined ? 1 : Number(weightText);
    if (code < 200 || code > 599 || !Number.isFinite(weight) || weight < 0 || weightText?.trim() === '') return undefined;
    out.push({ code, weight });
  }
  return out;
}

/** utils.weighted_choice: x uniform in [0, total], first cumulative weight above x. */
export function weightedChoice(choices: readonly WeightedCode[], random: () => number = Math.random): number {
  let total = 0;
  for (const c of choices) total += c.weight;
  const x = random() * total;
  let cumulative = 0;
  for (const c of choices) {
    cumulative += c.weight;
    if (cumulative > x) return c.code;
  }
  return choices[choices.length - 1]!.code;
}
