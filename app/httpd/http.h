/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_HTTPD_HTTP_H
#define TERN_HTTPD_HTTP_H

/*
 * The protocol half of tern-httpd, free of any stack or parser state so it
 * can be unit-tested: routes, response descriptors, header building, limits.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_URL_MAX        8192     /**< longer request targets: 414 */
#define HTTP_HEADERS_MAX    16384    /**< more header bytes: 431 */
#define HTTP_URL_KEEP       256      /**< target bytes kept for routing */
#define HTTP_BYTES_MAX      (64ull << 20) /**< /bytes/N limit */
#define HTTP_SMALL_BODY     48       /**< inline bodies (POST summary) */

enum http_method_class { HTTP_M_GET, HTTP_M_HEAD, HTTP_M_POST, HTTP_M_OTHER };

enum http_body_kind {
	HTTP_BODY_NONE,      /**< no body */
	HTTP_BODY_STATIC,    /**< bytes at body_ptr */
	HTTP_BODY_PATTERN,   /**< generated: byte i is http_pattern_byte(i) */
	HTTP_BODY_INLINE,    /**< small text in inline_body */
};

/** One response waiting to be written, in request order. */
struct http_resp {
	uint16_t status;
	uint8_t body_kind;       /**< enum http_body_kind */
	uint8_t head_only;       /**< HEAD: headers say the length, no body */
	uint8_t close;           /**< Connection: close, then close */
	uint8_t allow;           /**< add "Allow: GET, HEAD" (405) */
	uint8_t keep_alive_hdr;  /**< HTTP/1.0 keep-alive: say "Connection: keep-alive" */
	uint8_t hdr_done;        /**< headers queued */
	uint32_t hdr_off;        /**< header bytes queued so far (more, sent whole: body too) */
	int64_t date_sec;        /**< its Date, fixed once a byte is queued: a header sent in
	                              pieces is rebuilt with the same bytes */
	uint8_t ctype;           /**< index into http_ctype_name() */
	uint64_t body_len;
	uint64_t body_off;       /**< bytes of body queued so far */
	const uint8_t *body_ptr; /**< HTTP_BODY_STATIC */
	char inline_body[HTTP_SMALL_BODY];
};

/** A file served from --root, loaded at start. */
struct http_file {
	char path[HTTP_URL_KEEP];    /**< "/name" */
	uint8_t *data;
	size_t len;
	uint8_t ctype;
};

/** The request facts routing needs. */
struct http_req {
	enum http_method_class method;
	const char *url;             /**< NUL-terminated, at most HTTP_URL_KEEP-1 bytes */
	bool url_truncated;          /**< longer than kept: matches no route */
	uint64_t body_bytes;         /**< request body read (POST) */
	bool keep_alive;             /**< llhttp_should_keep_alive() */
	bool http10;                 /**< HTTP/1.0 request (persistence must be announced) */
};

/** Most header bytes (request line excluded) a request read by
 * http_req_fast() may have: more goes to llhttp, which enforces the limits */
#define HTTP_FAST_HEADERS_MAX 2048

/**
 * The common request read without llhttp: a GET or HEAD of HTTP/1.1 or
 * HTTP/1.0 with no body, whole within @p n bytes at @p p. Only a strict
 * subset of what llhttp takes, read the same way: the request line "GET " or
 * "HEAD ", a target of RFC 3986 characters starting with '/' and shorter than
 * HTTP_URL_KEEP, " HTTP/1.1" or " HTTP/1.0", CRLF; header lines of a token,
 * ':', optional SP/HTAB and a value of visible ASCII, SP and HTAB, each
 * ending in CRLF; an empty line. A Connection header is read when it says
 * exactly "close" or "keep-alive" (any case); any other Connection value,
 * and Content-Length, Transfer-Encoding, Upgrade or Proxy-Connection (which
 * shape framing or persistence in llhttp), and anything else outside that
 * grammar, give 0: the caller hands the bytes to llhttp, which decides.
 * @return the request's length in bytes with @p req filled (its url copied
 * NUL-terminated into @p url, HTTP_URL_KEEP bytes), or 0.
 */
size_t http_req_fast(const char *p, size_t n, struct http_req *req, char *url);

/** Byte @p i of /bytes/N bodies: 'a'..'z' repeating. */
static inline uint8_t
http_pattern_byte(uint64_t i)
{
	return (uint8_t)('a' + i % 26);
}

/** The fixed page served at "/". */
extern const char http_index_page[];
extern const size_t http_index_len;

/** Content-Type text of @p ctype. */
const char *http_ctype_name(uint8_t ctype);

/** Content-Type index for a file name (by extension). */
uint8_t http_ctype_for(const char *name);

/** Reason phrase of @p status ("OK", "Not Found"...). */
const char *http_reason(uint16_t status);

/**
 * Decide the response to @p req: "/" (index page), "/bytes/N" (N pattern
 * bytes, N <= 64 MiB), files, POST /echo (a summary of the body), 404, 405.
 */
void http_route(const struct http_req *req, const struct http_file *files, size_t nfiles,
		struct http_resp *resp);

/** An error response (400, 413, 414, 431...) that closes the connection. */
void http_error_resp(uint16_t status, struct http_resp *resp);

/**
 * Write the status line and headers of @p r into @p buf (Date from @p date,
 * an RFC 9110 IMF-fixdate string). @return the length, or 0 if @p cap is short.
 */
size_t http_build_header(const struct http_resp *r, const char *date, char *buf, size_t cap);

/** Format @p t (seconds since the epoch) as an IMF-fixdate into @p out (>= 30 bytes). */
void http_format_date(int64_t t, char *out, size_t cap);

#endif
