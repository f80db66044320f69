// Envoy's answers to HTTP/1 requests its codec refuses: the status and the response code details
// (%RESPONSE_CODE_DETAILS%) of each llhttp error and of the checks made once the headers are in.
import type { ParseError } from './parser-binding.js';

/** A refused request: the local reply's status and Envoy's details string. */
export interface ProtocolError {
  readonly status: number;
  readonly details: string;
}

export const CODEC_ERROR: ProtocolError = { status: 400, details: 'http1.codec_error' };
export const TOO_MANY_HEADERS: ProtocolError = { status: 431, details: 'http1.too_many_headers' };
export const INVALID_URL: ProtocolError = { status: 400, details: 'http1.invalid_url' };
/** A transfer coding other than exactly `chunked` (RFC 9112 6.1: unknown codings are refused). */
export const INVALID_TRANSFER_ENCODING: ProtocolError = { status: 501, details: 'http1.invalid_transfer_encoding' };
/** Any version but HTTP/1.1 without http_protocol_options.accept_http_10 (Envoy's checkProtocolVersion). */
export const LOW_VERSION: ProtocolError = { status: 426, details: 'low_version' };
const HEADERS_TOO_LARGE: ProtocolError = { status: 431, details: 'http1.headers_too_large' };
const INVALID_CHARACTERS: ProtocolError = { status: 400, details: 'http1.invalid_characters' };
const CHUNKED_CONTENT_LENGTH: ProtocolError = { status: 400, details: 'http1.content_length_and_chunked_not_allowed' };

/**
 * Envoy's answer to an llhttp error. Envoy's parser takes any `HTTP/d.d` and refuses what is not 1.1 with
 * 426 (or serves it as HTTP/1.0 under accept_http_10); llhttp stops at versions other than 0.9, 1.0, 1.1 and 2.0.
 */
export function parseErrorAnswer(err: ParseError, acceptHttp10: boolean): ProtocolError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return HEADERS_TOO_LARGE;
    case 'HPE_INVALID_TRANSFER_ENCODING':
      // Envoy checks for both framings before it looks at the coding.
      return err.reason?.includes('Content-Length') === true ? CHUNKED_CONTENT_LENGTH : INVALID_TRANSFER_ENCODING;
    case 'HPE_INVALID_HEADER_TOKEN':
      return err.reason === 'Invalid header value char' ? INVALID_CHARACTERS : CODEC_ERROR;
    case 'HPE_INVALID_CONTENT_LENGTH':
      return err.reason?.includes('Transfer-Encoding') === true ? CHUNKED_CONTENT_LENGTH : CODEC_ERROR;
    case 'HPE_INVALID_VERSION':
      // The same code also stands for a broken HTTP/2 preface after `PRI *` (not a method Envoy accepts).
      return err.reason === 'Invalid HTTP version' && !acceptHttp10 ? LOW_VERSION : CODEC_ERROR;
    default:
      return CODEC_ERROR;
  }
}

/**
 * Envoy's transfer-coding check: the request's Transfer-Encoding must be exactly `chunked` (case aside; several
 * fields count as their comma-joined list), and CONNECT takes none. `values` are the request's field values.
 */
export function transferEncodingRefused(values: readonly string[], method: string): boolean {
  if (values.length === 0) return false;
  return method === 'CONNECT' || values.length > 1 || values[0].trim().toLowerCase() !== 'chunked';
}
