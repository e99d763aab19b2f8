/* SPDX-License-Identifier: BSD-3-Clause */
/* Routes, reasons, content types and header building (RFC 9110, RFC 9112). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

const char http_index_page[] =
	"<!DOCTYPE html>\n<html><head><title>Tern</title></head>"
	"<body><h1>Tern</h1><p>Served by tern-httpd.</p></body></html>\n";
const size_t http_index_len = sizeof(http_index_page) - 1;

static const char *const ctype_names[] = {
	"text/html; charset=utf-8", "text/plain; charset=utf-8", "application/octet-stream",
	"text/css", "application/javascript", "application/json", "image/png", "image/jpeg",
};
enum { CT_HTML, CT_TEXT, CT_BIN, CT_CSS, CT_JS, CT_JSON, CT_PNG, CT_JPEG };

const char *
http_ctype_name(uint8_t ctype)
{
	return ctype < sizeof(ctype_names) / sizeof(ctype_names[0]) ? ctype_names[ctype] :
		ctype_names[CT_BIN];
}

uint8_t
http_ctype_for(const char *name)
{
	static const struct { const char *ext; uint8_t ct; } map[] = {
		{ ".html", CT_HTML }, { ".htm", CT_HTML }, { ".txt", CT_TEXT }, { ".css", CT_CSS },
		{ ".js", CT_JS }, { ".json", CT_JSON }, { ".png", CT_PNG }, { ".jpg", CT_JPEG },
		{ ".jpeg", CT_JPEG },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(dot, map[i].ext) == 0)
			return map[i].ct;
	return CT_BIN;
}

const char *
http_reason(uint16_t status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

static void
resp_init(struct http_resp *r, uint16_t status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->ctype = CT_TEXT;
}

static void
resp_text(struct http_resp *r, uint16_t status, const char *text)
{
	resp_init(r, status);
	snprintf(r->inline_body, sizeof(r->inline_body), "%s", text);
	r->body_kind = HTTP_BODY_INLINE;
	r->body_len = strlen(r->inline_body);
}

/* --------------------------------------------------------- fast requests */

#define FC_TCHAR  1u   /* RFC 9110 §5.6.2 tchar */
#define FC_TARGET 2u   /* RFC 3986 §2: unreserved, sub-delims, ':', '@', '/', '?', '%' */
#define FC_BOTH   (FC_TCHAR | FC_TARGET)

/* The classes of each byte, looked up once per byte of a request. */
static const uint8_t fast_class[256] = {
	['0' ... '9'] = FC_BOTH, ['A' ... 'Z'] = FC_BOTH, ['a' ... 'z'] = FC_BOTH,
	['!'] = FC_BOTH, ['$'] = FC_BOTH, ['%'] = FC_BOTH, ['&'] = FC_BOTH, ['\''] = FC_BOTH,
	['*'] = FC_BOTH, ['+'] = FC_BOTH, ['-'] = FC_BOTH, ['.'] = FC_BOTH, ['_'] = FC_BOTH,
	['~'] = FC_BOTH,
	['#'] = FC_TCHAR, ['^'] = FC_TCHAR, ['`'] = FC_TCHAR, ['|'] = FC_TCHAR,
	['('] = FC_TARGET, [')'] = FC_TARGET, [','] = FC_TARGET, [';'] = FC_TARGET,
	['='] = FC_TARGET, [':'] = FC_TARGET, ['@'] = FC_TARGET, ['/'] = FC_TARGET,
	['?'] = FC_TARGET,
};

static inline bool
fast_tchar(uint8_t c)
{
	return fast_class[c] & FC_TCHAR;
}

static inline bool
fast_target_char(uint8_t c)
{
	return fast_class[c] & FC_TARGET;
}

/*
 * Whether the @len bytes at @name (a header name, or a Connection token) are
 * @lit (lower case), in any case: ASCII letters only fold (RFC 9110 §5.1 and
 * §7.6.1), inline (libc's strncasecmp took 10 ns a Connection: close request
 * in two calls, for 15 bytes).
 */
static inline bool
fast_name_is(const char *name, size_t len, const char *lit)
{
	if (strlen(lit) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lit[i])
			return false;
	}
	return true;
}

/* What a request's Connection headers said (llhttp's connection flags). */
struct fast_conn {
	bool close, keep_alive;
};

/* One header line at @p (@end is its CR): @return false where llhttp must read it. */
static bool
fast_header(const char *p, const char *end, struct fast_conn *conn)
{
	const char *colon = p, *v;
	size_t nlen;

	while (colon < end && fast_tchar((uint8_t)*colon))
		colon++;
	if (colon == p || colon == end || *colon != ':')
		return false;
	nlen = (size_t)(colon - p);
	for (v = colon + 1; v < end; v++)
		if ((uint8_t)*v < 0x20 ? *v != '\t' : (uint8_t)*v > 0x7e)
			return false;
	if (fast_name_is(p, nlen, "connection")) {
		/* spaces before the one token, nothing after: llhttp reads a
		 * token followed by a tab as another token (the unit test's
		 * differential check found it) */
		for (v = colon + 1; v < end && *v == ' '; v++)
			;
		if (fast_name_is(v, (size_t)(end - v), "close"))
			conn->close = true;
		else if (fast_name_is(v, (size_t)(end - v), "keep-alive"))
			conn->keep_alive = true;
		else
			return false;
		return true;
	}
	return !fast_name_is(p, nlen, "content-length") &&
		!fast_name_is(p, nlen, "transfer-encoding") &&
		!fast_name_is(p, nlen, "upgrade") && !fast_name_is(p, nlen, "proxy-connection");
}

/* The first CR or LF at or after @p, before @end; NULL if none. Header
 * lines are short: a byte loop, one pass, costs less than two memchr calls. */
static inline const char *
fast_eol(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '\r' || *p == '\n')
			return p;
	return NULL;
}

size_t
http_req_fast(const char *p, size_t n, struct http_req *req, char *url)
{
	const char *end = p + n, *q, *t, *line, *headers, *scan_end;
	struct fast_conn conn = { false, false };
	size_t tlen;

	memset(req, 0, sizeof(*req));
	if (n >= 4 && memcmp(p, "GET ", 4) == 0) {
		req->method = HTTP_M_GET;
		q = p + 4;
	} else if (n >= 5 && memcmp(p, "HEAD ", 5) == 0) {
		req->method = HTTP_M_HEAD;
		q = p + 5;
	} else {
		return 0;
	}
	t = q;
	while (q < end && fast_target_char((uint8_t)*q))
		q++;
	tlen = (size_t)(q - t);
	if (tlen == 0 || *t != '/' || tlen >= HTTP_URL_KEEP - 1 || end - q < 11 ||
			memcmp(q, " HTTP/1.", 8) != 0 || (q[8] != '1' && q[8] != '0') ||
			q[9] != '\r' || q[10] != '\n')
		return 0;
	req->http10 = q[8] == '0';
	headers = q + 11;
	/* no line may end past HTTP_FAST_HEADERS_MAX: no need to look further */
	scan_end = end - headers > HTTP_FAST_HEADERS_MAX ? headers + HTTP_FAST_HEADERS_MAX + 1 :
		end;
	for (line = headers; ; line = q + 2) {
		/* a line ends at CRLF; a bare LF before it is llhttp's to judge */
		q = fast_eol(line, scan_end);
		if (q == NULL || *q != '\r' || end - q < 2 || q[1] != '\n')
			return 0;
		if (q == line)
			break;          /* the empty line: the request ends */
		if (!fast_header(line, q, &conn))
			return 0;
	}
	/* as llhttp_should_keep_alive: HTTP/1.1 unless close was said, HTTP/1.0
	 * only if keep-alive was (RFC 9112 §9.3) */
	req->keep_alive = req->http10 ? conn.keep_alive : !conn.close;
	memcpy(url, t, tlen);
	url[tlen] = '\0';
	req->url = url;
	return (size_t)(q + 2 - p);
}

/* "/bytes/N": @return true and N in @n when @url is exactly that. */
static bool
route_bytes(const char *url, uint64_t *n)
{
	const char *p = url + 7;
	char *end;

	if (strncmp(url, "/bytes/", 7) != 0 || *p < '0' || *p > '9')
		return false;
	*n = strtoull(p, &end, 10);
	return *end == '\0' || *end == '?';
}

/* Bytes of @url before its query (RFC 9112 §3.2.1), by hand: targets are short */
static size_t
path_len(const char *url)
{
	size_t n = 0;

	while (url[n] != '\0' && url[n] != '?')
		n++;
	return n;
}

void
http_route(const struct http_req *req, const struct http_file *files, size_t nfiles,
		struct http_resp *r)
{
	uint64_t n = 0;
	bool index = false, bytes = false;
	const struct http_file *f = NULL;

	/* the path is the target up to any query (RFC 9112 §3.2.1) */
	size_t plen = path_len(req->url);

	/* which resource, found once (the branches below read these) */
	if (!req->url_truncated) {
		/* files from --root first: they may replace the built-in page */
		for (size_t i = 0; f == NULL && i < nfiles; i++)
			if (strlen(files[i].path) == plen && strncmp(req->url, files[i].path, plen) == 0)
				f = &files[i];
		index = f == NULL && ((plen == 1 && req->url[0] == '/') ||
				(plen == 11 && strncmp(req->url, "/index.html", 11) == 0));
		bytes = f == NULL && !index && route_bytes(req->url, &n);
	}
	if (req->method == HTTP_M_POST && !req->url_truncated && plen == 5 &&
			strncmp(req->url, "/echo", 5) == 0) {
		char text[HTTP_SMALL_BODY];

		snprintf(text, sizeof(text), "received %" PRIu64 " bytes\n", req->body_bytes);
		resp_text(r, 200, text);
	} else if (!index && !bytes && f == NULL) {
		resp_text(r, 404, "not found\n");
	} else if (req->method != HTTP_M_GET && req->method != HTTP_M_HEAD) {
		resp_text(r, 405, "method not allowed\n");
		r->allow = 1;
	} else if (f != NULL) {
		resp_init(r, 200);
		r->body_kind = HTTP_BODY_STATIC;
		r->body_ptr = f->data;
		r->body_len = f->len;
		r->ctype = f->ctype;
	} else if (bytes) {
		if (n > HTTP_BYTES_MAX) {
			resp_text(r, 404, "at most 64 MiB\n");
		} else {
			resp_init(r, 200);
			r->body_kind = HTTP_BODY_PATTERN;
			r->body_len = n;
			r->ctype = CT_BIN;
		}
	} else {
		resp_init(r, 200);
		r->body_kind = HTTP_BODY_STATIC;
		r->body_ptr = (const uint8_t *)http_index_page;
		r->body_len = http_index_len;
		r->ctype = CT_HTML;
	}
	r->head_only = req->method == HTTP_M_HEAD;
	r->close = !req->keep_alive;
	/* RFC 9112 §9.3 / RFC 1945: a 1.0 client keeps the connection only if told */
	r->keep_alive_hdr = req->keep_alive && req->http10;
}

void
http_error_resp(uint16_t status, struct http_resp *r)
{
	char text[HTTP_SMALL_BODY];

	snprintf(text, sizeof(text), "%s\n", http_reason(status));
	resp_text(r, status, text);
	r->close = 1;
}

/* Append @len bytes of @src at @buf[*n] if they fit below @cap. */
static bool
put(char *buf, size_t cap, size_t *n, const char *src, size_t len)
{
	if (*n + len >= cap)
		return false;
	memcpy(buf + *n, src, len);
	*n += len;
	return true;
}

#define PUT_LIT(buf, cap, n, lit) put(buf, cap, n, lit, sizeof(lit) - 1)

static bool
put_u64(char *buf, size_t cap, size_t *n, uint64_t v)
{
	char tmp[20];
	size_t k = sizeof(tmp);

	do {
		tmp[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return put(buf, cap, n, tmp + k, sizeof(tmp) - k);
}

/*
 * The header block, assembled by hand: it is built for every response, and
 * snprintf's format parsing was a sixth of the server's time (perf, http
 * keep-alive over memif).
 */
size_t
http_build_header(const struct http_resp *r, const char *date, char *buf, size_t cap)
{
	const char *reason = http_reason(r->status);
	const char *ctype = http_ctype_name(r->ctype);
	size_t n = 0;
	bool ok = PUT_LIT(buf, cap, &n, "HTTP/1.1 ") &&
		put_u64(buf, cap, &n, r->status) && PUT_LIT(buf, cap, &n, " ") &&
		put(buf, cap, &n, reason, strlen(reason)) &&
		PUT_LIT(buf, cap, &n, "\r\nServer: tern-httpd\r\nDate: ") &&
		put(buf, cap, &n, date, strlen(date)) &&
		PUT_LIT(buf, cap, &n, "\r\nContent-Type: ") &&
		put(buf, cap, &n, ctype, strlen(ctype)) &&
		PUT_LIT(buf, cap, &n, "\r\nContent-Length: ") &&
		put_u64(buf, cap, &n, r->body_len) && PUT_LIT(buf, cap, &n, "\r\n") &&
		(!r->allow || PUT_LIT(buf, cap, &n, "Allow: GET, HEAD\r\n")) &&
		(!r->close || PUT_LIT(buf, cap, &n, "Connection: close\r\n")) &&
		(!r->keep_alive_hdr || PUT_LIT(buf, cap, &n, "Connection: keep-alive\r\n")) &&
		PUT_LIT(buf, cap, &n, "\r\n");

	if (!ok)
		return 0;
	buf[n] = '\0';
	return n;
}

void
http_format_date(int64_t t, char *out, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}
