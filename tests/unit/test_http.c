/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd's protocol half, app/httpd/http.c: routing, error responses,
 * header building (exact text), reason phrases, content types, dates, and
 * the requests read without llhttp (http_req_fast), checked against llhttp.
 * No stack, no EAL: plain functions on plain structs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llhttp.h>

#include "http.h"
#include "unit_common.h"

#define EPOCH_DATE "Thu, 01 Jan 1970 00:00:00 GMT"
#define TXT "text/plain; charset=utf-8"
#define HTML "text/html; charset=utf-8"
#define BIN "application/octet-stream"

static struct http_req
mkreq(enum http_method_class m, const char *url)
{
	struct http_req r = {
		.method = m, .url = url, .url_truncated = false, .body_bytes = 0,
		.keep_alive = true, .http10 = false,
	};

	return r;
}

static struct http_resp
route(const struct http_req *req)
{
	struct http_resp r;

	memset(&r, 0xa5, sizeof(r));     /* http_route must set every field it relies on */
	http_route(req, NULL, 0, &r);
	return r;
}

static struct http_resp
route_get(const char *url)
{
	struct http_req q = mkreq(HTTP_M_GET, url);

	return route(&q);
}

/* Header text of @p r with the epoch date. */
static const char *
header(const struct http_resp *r)
{
	static char buf[1024];
	size_t n = http_build_header(r, EPOCH_DATE, buf, sizeof(buf));

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

/* ----------------------------------------------------------- reasons */

START_TEST(test_reason)
{
	static const struct { uint16_t st; const char *txt; } t[] = {
		{ 200, "OK" }, { 400, "Bad Request" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 413, "Content Too Large" }, { 414, "URI Too Long" },
		{ 431, "Request Header Fields Too Large" }, { 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 505, "HTTP Version Not Supported" },
		{ 0, "Unknown" }, { 201, "Unknown" }, { 999, "Unknown" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_str_eq(http_reason(t[i].st), t[i].txt);
}
END_TEST

/* ------------------------------------------------------------- dates */

START_TEST(test_date)
{
	static const struct { int64_t t; const char *s; } t[] = {
		{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
		{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },   /* RFC 9110 §5.6.7 */
		{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
		{ 951868799, "Tue, 29 Feb 2000 23:59:59 GMT" },
		{ 1700000000, "Tue, 14 Nov 2023 22:13:20 GMT" },
		{ 1735689599, "Tue, 31 Dec 2024 23:59:59 GMT" },
		{ 2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT" },
		{ 4102444800LL, "Fri, 01 Jan 2100 00:00:00 GMT" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(out, 'x', sizeof(out));
		http_format_date(t[i].t, out, sizeof(out));
		ck_assert_str_eq(out, t[i].s);
		ck_assert_uint_eq(strlen(out), 29);
	}
	/* exactly 30 bytes are enough */
	http_format_date(0, out, 30);
	ck_assert_str_eq(out, EPOCH_DATE);
}
END_TEST

/* ---------------------------------------------------- content types */

START_TEST(test_ctype)
{
	static const struct { const char *name, *ct; } t[] = {
		{ "a.html", HTML }, { "b.HTM", HTML }, { ".html", HTML }, { "x.txt", TXT },
		{ "s.css", "text/css" }, { "app.js", "application/javascript" },
		{ "d.json", "application/json" }, { "p.png", "image/png" },
		{ "q.jpg", "image/jpeg" }, { "r.JPEG", "image/jpeg" },
		{ "noext", BIN }, { "a.tar.gz", BIN }, { "x.html.bak", BIN }, { "trail.", BIN },
		{ "", BIN },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(strcmp(http_ctype_name(http_ctype_for(t[i].name)), t[i].ct) == 0,
				"%s: %s, want %s", t[i].name,
				http_ctype_name(http_ctype_for(t[i].name)), t[i].ct);
	/* indexes past the table read as binary */
	ck_assert_str_eq(http_ctype_name(200), BIN);
	ck_assert_str_eq(http_ctype_name(255), BIN);
}
END_TEST

/* ----------------------------------------------------------- routing */

START_TEST(test_route_index)
{
	const char *urls[] = { "/", "/index.html" };

	for (size_t i = 0; i < 2; i++) {
		struct http_resp r = route_get(urls[i]);

		ck_assert_uint_eq(r.status, 200);
		ck_assert_uint_eq(r.body_kind, HTTP_BODY_STATIC);
		ck_assert_ptr_eq(r.body_ptr, (const uint8_t *)http_index_page);
		ck_assert_uint_eq(r.body_len, http_index_len);
		ck_assert_str_eq(http_ctype_name(r.ctype), HTML);
		ck_assert_uint_eq(r.head_only, 0);
		ck_assert_uint_eq(r.close, 0);
		ck_assert_uint_eq(r.allow, 0);
		ck_assert_uint_eq(r.keep_alive_hdr, 0);
		ck_assert_uint_eq(r.hdr_done, 0);
		ck_assert_uint_eq(r.body_off, 0);
	}
	ck_assert_uint_eq(http_index_len, strlen(http_index_page));
	ck_assert(strncmp(http_index_page, "<!DOCTYPE html>", 15) == 0);
	/* near misses are not the index */
	ck_assert_uint_eq(route_get("//").status, 404);
	ck_assert_uint_eq(route_get("/index.htm").status, 404);
	ck_assert_uint_eq(route_get("").status, 404);
}
END_TEST

START_TEST(test_route_bytes)
{
	static const struct { const char *url; uint16_t st; uint64_t len; } ok[] = {
		{ "/bytes/0", 200, 0 }, { "/bytes/1", 200, 1 }, { "/bytes/26", 200, 26 },
		{ "/bytes/10485760", 200, 10485760 }, { "/bytes/67108864", 200, 67108864 },
		{ "/bytes/007", 200, 7 }, { "/bytes/5?x=1", 200, 5 }, { "/bytes/5?", 200, 5 },
	};
	static const char *const missing[] = {
		"/bytes/", "/bytes", "/bytes/abc", "/bytes/12x", "/bytes/-1", "/bytes/+5",
		"/bytes/ 5", "/bytes/5/", "/bytes/5#f", "/bytesx/5", "/Bytes/5", "/bytes//5",
		"/bytes/0x10", "/bytes/1.5",
	};
	static const char *const too_big[] = {
		"/bytes/67108865", "/bytes/18446744073709551615",
		"/bytes/99999999999999999999999999",   /* strtoull saturates: still too big */
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct http_resp r = route_get(ok[i].url);

		ck_assert_msg(r.status == ok[i].st && r.body_len == ok[i].len &&
				r.body_kind == HTTP_BODY_PATTERN, "%s: %u, %" PRIu64 " bytes, kind %u",
				ok[i].url, r.status, r.body_len, r.body_kind);
		ck_assert_str_eq(http_ctype_name(r.ctype), BIN);
		ck_assert_uint_eq(r.close, 0);
	}
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct http_resp r = route_get(missing[i]);

		ck_assert_msg(r.status == 404 && r.body_kind == HTTP_BODY_INLINE &&
				strcmp(r.inline_body, "not found\n") == 0, "%s: %u '%s'",
				missing[i], r.status, r.inline_body);
		ck_assert_uint_eq(r.body_len, strlen("not found\n"));
	}
	for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
		struct http_resp r = route_get(too_big[i]);

		ck_assert_msg(r.status == 404, "%s: %u", too_big[i], r.status);
		ck_assert_uint_eq(r.body_kind, HTTP_BODY_INLINE);
		ck_assert_str_eq(r.inline_body, "at most 64 MiB\n");
		ck_assert_uint_eq(r.body_len, strlen("at most 64 MiB\n"));
		ck_assert_str_eq(http_ctype_name(r.ctype), TXT);
	}
	ck_assert_uint_eq(HTTP_BYTES_MAX, 67108864);
}
END_TEST

START_TEST(test_pattern)
{
	ck_assert_uint_eq(http_pattern_byte(0), 'a');
	ck_assert_uint_eq(http_pattern_byte(25), 'z');
	ck_assert_uint_eq(http_pattern_byte(26), 'a');
	ck_assert_uint_eq(http_pattern_byte(27), 'b');
	ck_assert_uint_eq(http_pattern_byte(67108863), 'a' + 67108863 % 26);
	ck_assert_uint_eq(http_pattern_byte(UINT64_MAX), 'a' + UINT64_MAX % 26);
}
END_TEST

START_TEST(test_route_files)
{
	static uint8_t html[] = "<p>hi</p>", bin[] = { 0, 1, 2, 255 };
	struct http_file files[3];
	struct http_req q;
	struct http_resp r;

	memset(files, 0, sizeof(files));
	snprintf(files[0].path, sizeof(files[0].path), "/page.html");
	files[0].data = html;
	files[0].len = sizeof(html) - 1;
	files[0].ctype = http_ctype_for("page.html");
	snprintf(files[1].path, sizeof(files[1].path), "/blob");
	files[1].data = bin;
	files[1].len = sizeof(bin);
	files[1].ctype = http_ctype_for("blob");
	snprintf(files[2].path, sizeof(files[2].path), "/empty.txt");
	files[2].data = bin;
	files[2].len = 0;
	files[2].ctype = http_ctype_for("empty.txt");

	for (int i = 0; i < 3; i++) {
		q = mkreq(HTTP_M_GET, files[i].path);
		http_route(&q, files, 3, &r);
		ck_assert_uint_eq(r.status, 200);
		ck_assert_uint_eq(r.body_kind, HTTP_BODY_STATIC);
		ck_assert_ptr_eq(r.body_ptr, files[i].data);
		ck_assert_uint_eq(r.body_len, files[i].len);
		ck_assert_uint_eq(r.ctype, files[i].ctype);
		ck_assert_uint_eq(r.head_only, 0);
	}
	ck_assert_str_eq(http_ctype_name(files[0].ctype), HTML);
	ck_assert_str_eq(http_ctype_name(files[1].ctype), BIN);

	/* HEAD: same length, no body */
	q = mkreq(HTTP_M_HEAD, "/blob");
	http_route(&q, files, 3, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.head_only, 1);
	ck_assert_uint_eq(r.body_len, sizeof(bin));
	/* other methods: 405 with Allow */
	q = mkreq(HTTP_M_POST, "/page.html");
	http_route(&q, files, 3, &r);
	ck_assert_uint_eq(r.status, 405);
	ck_assert_uint_eq(r.allow, 1);
	q = mkreq(HTTP_M_OTHER, "/blob");
	http_route(&q, files, 3, &r);
	ck_assert_uint_eq(r.status, 405);
	/* exact paths only; a truncated target matches nothing */
	q = mkreq(HTTP_M_GET, "/page.htm");
	http_route(&q, files, 3, &r);
	ck_assert_uint_eq(r.status, 404);
	q = mkreq(HTTP_M_GET, "/blob");
	q.url_truncated = true;
	http_route(&q, files, 3, &r);
	ck_assert_uint_eq(r.status, 404);
	/* files do not hide the fixed routes */
	q = mkreq(HTTP_M_GET, "/bytes/3");
	http_route(&q, files, 3, &r);
	ck_assert_uint_eq(r.body_kind, HTTP_BODY_PATTERN);
	ck_assert_uint_eq(r.body_len, 3);
}
END_TEST

START_TEST(test_route_echo)
{
	struct http_req q = mkreq(HTTP_M_POST, "/echo");
	struct http_resp r;

	q.body_bytes = 1234;
	r = route(&q);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.body_kind, HTTP_BODY_INLINE);
	ck_assert_str_eq(r.inline_body, "received 1234 bytes\n");
	ck_assert_uint_eq(r.body_len, strlen("received 1234 bytes\n"));
	ck_assert_str_eq(http_ctype_name(r.ctype), TXT);
	ck_assert_uint_eq(r.close, 0);
	ck_assert_uint_eq(r.allow, 0);

	q.body_bytes = 0;
	r = route(&q);
	ck_assert_str_eq(r.inline_body, "received 0 bytes\n");
	/* the largest count still fits the inline body */
	q.body_bytes = UINT64_MAX;
	r = route(&q);
	ck_assert_str_eq(r.inline_body, "received 18446744073709551615 bytes\n");
	ck_assert_uint_eq(r.body_len, strlen(r.inline_body));

	/* HTTP/1.0 without keep-alive: close after it */
	q.body_bytes = 5;
	q.keep_alive = false;
	q.http10 = true;
	r = route(&q);
	ck_assert_str_eq(r.inline_body, "received 5 bytes\n");
	ck_assert_uint_eq(r.close, 1);

	/* only POST /echo exactly */
	q = mkreq(HTTP_M_POST, "/echo/");
	ck_assert_uint_eq(route(&q).status, 404);
	q = mkreq(HTTP_M_POST, "/echo");
	q.url_truncated = true;
	ck_assert_uint_eq(route(&q).status, 404);
	ck_assert_uint_ne(route_get("/echo").status, 200);
}
END_TEST

START_TEST(test_route_404_405)
{
	struct http_req q;
	struct http_resp r;
	static const enum http_method_class others[] = { HTTP_M_POST, HTTP_M_OTHER };

	r = route_get("/nope");
	ck_assert_uint_eq(r.status, 404);
	ck_assert_str_eq(r.inline_body, "not found\n");
	ck_assert_uint_eq(r.allow, 0);
	ck_assert_uint_eq(r.close, 0);

	q = mkreq(HTTP_M_HEAD, "/nope");
	r = route(&q);
	ck_assert_uint_eq(r.status, 404);
	ck_assert_uint_eq(r.head_only, 1);
	ck_assert_uint_eq(r.body_len, strlen("not found\n"));

	/* a truncated target is never routed, even if its kept part matches */
	q = mkreq(HTTP_M_GET, "/");
	q.url_truncated = true;
	ck_assert_uint_eq(route(&q).status, 404);

	/* unknown paths stay 404 whatever the method */
	q = mkreq(HTTP_M_OTHER, "/nope");
	ck_assert_uint_eq(route(&q).status, 404);
	q = mkreq(HTTP_M_POST, "/nope");
	ck_assert_uint_eq(route(&q).status, 404);

	for (size_t i = 0; i < 2; i++) {
		const char *urls[] = { "/", "/index.html", "/bytes/10" };

		for (size_t j = 0; j < 3; j++) {
			q = mkreq(others[i], urls[j]);
			r = route(&q);
			ck_assert_msg(r.status == 405 && r.allow == 1, "%s: %u", urls[j], r.status);
			ck_assert_uint_eq(r.body_kind, HTTP_BODY_INLINE);
			ck_assert_str_eq(r.inline_body, "method not allowed\n");
			ck_assert_uint_eq(r.body_len, strlen("method not allowed\n"));
			ck_assert_uint_eq(r.close, 0);
			ck_assert_uint_eq(r.head_only, 0);
		}
	}
	/* GET and HEAD never get Allow */
	ck_assert_uint_eq(route_get("/bytes/10").allow, 0);
}
END_TEST

START_TEST(test_route_head)
{
	struct http_req q = mkreq(HTTP_M_HEAD, "/bytes/1000");
	struct http_resp r = route(&q);

	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.head_only, 1);
	ck_assert_uint_eq(r.body_kind, HTTP_BODY_PATTERN);
	ck_assert_uint_eq(r.body_len, 1000);
	q = mkreq(HTTP_M_HEAD, "/");
	r = route(&q);
	ck_assert_uint_eq(r.head_only, 1);
	ck_assert_uint_eq(r.body_len, http_index_len);
	q = mkreq(HTTP_M_HEAD, "/bytes/67108865");
	r = route(&q);
	ck_assert_uint_eq(r.status, 404);
	ck_assert_uint_eq(r.head_only, 1);
}
END_TEST

START_TEST(test_route_connection)
{
	struct http_req q = mkreq(HTTP_M_GET, "/");
	struct http_resp r;

	/* HTTP/1.1 persistent: nothing to say */
	r = route(&q);
	ck_assert_uint_eq(r.close, 0);
	ck_assert_uint_eq(r.keep_alive_hdr, 0);
	/* HTTP/1.1 Connection: close */
	q.keep_alive = false;
	r = route(&q);
	ck_assert_uint_eq(r.close, 1);
	ck_assert_uint_eq(r.keep_alive_hdr, 0);
	/* HTTP/1.0 without keep-alive: close */
	q.http10 = true;
	r = route(&q);
	ck_assert_uint_eq(r.close, 1);
	ck_assert_uint_eq(r.keep_alive_hdr, 0);
	/* HTTP/1.0 with keep-alive: announced */
	q.keep_alive = true;
	r = route(&q);
	ck_assert_uint_eq(r.close, 0);
	ck_assert_uint_eq(r.keep_alive_hdr, 1);
	/* the same for 404 and 405 */
	q.url = "/nope";
	r = route(&q);
	ck_assert_uint_eq(r.status, 404);
	ck_assert_uint_eq(r.keep_alive_hdr, 1);
	q.method = HTTP_M_OTHER;
	q.url = "/";
	q.keep_alive = false;
	r = route(&q);
	ck_assert_uint_eq(r.status, 405);
	ck_assert_uint_eq(r.close, 1);
}
END_TEST

START_TEST(test_error_resp)
{
	static const uint16_t st[] = { 400, 408, 413, 414, 431, 500, 501, 505 };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		struct http_resp r;
		char want[64];

		memset(&r, 0x5a, sizeof(r));
		http_error_resp(st[i], &r);
		snprintf(want, sizeof(want), "%s\n", http_reason(st[i]));
		ck_assert_uint_eq(r.status, st[i]);
		ck_assert_uint_eq(r.close, 1);
		ck_assert_uint_eq(r.body_kind, HTTP_BODY_INLINE);
		ck_assert_str_eq(r.inline_body, want);
		ck_assert_uint_eq(r.body_len, strlen(want));
		ck_assert_str_eq(http_ctype_name(r.ctype), TXT);
		ck_assert_uint_eq(r.allow, 0);
		ck_assert_uint_eq(r.head_only, 0);
		ck_assert_uint_eq(r.keep_alive_hdr, 0);
		ck_assert_uint_eq(r.hdr_done, 0);
		ck_assert_uint_eq(r.body_off, 0);
	}
}
END_TEST

/* ----------------------------------------------------------- headers */

START_TEST(test_header_exact)
{
	struct http_req q = mkreq(HTTP_M_GET, "/");
	struct http_resp r;
	char want[1024];

	/* HTTP/1.1 200, persistent */
	r = route(&q);
	snprintf(want, sizeof(want),
		"HTTP/1.1 200 OK\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Length: %zu\r\n"
		"\r\n", http_index_len);
	ck_assert_str_eq(header(&r), want);

	/* HTTP/1.0 without keep-alive: Connection: close */
	q.http10 = true;
	q.keep_alive = false;
	r = route(&q);
	snprintf(want, sizeof(want),
		"HTTP/1.1 200 OK\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Length: %zu\r\n"
		"Connection: close\r\n"
		"\r\n", http_index_len);
	ck_assert_str_eq(header(&r), want);

	/* HTTP/1.0 with keep-alive: Connection: keep-alive */
	q.keep_alive = true;
	r = route(&q);
	snprintf(want, sizeof(want),
		"HTTP/1.1 200 OK\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Length: %zu\r\n"
		"Connection: keep-alive\r\n"
		"\r\n", http_index_len);
	ck_assert_str_eq(header(&r), want);

	/* HEAD: the length of the body it does not send */
	q = mkreq(HTTP_M_HEAD, "/bytes/1000");
	r = route(&q);
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 200 OK\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Length: 1000\r\n"
		"\r\n");

	/* Content-Length always, 0 included */
	r = route_get("/bytes/0");
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 200 OK\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Length: 0\r\n"
		"\r\n");
	r = route_get("/bytes/67108864");
	ck_assert(strstr(header(&r), "\r\nContent-Length: 67108864\r\n") != NULL);

	/* 404 */
	r = route_get("/nope");
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 404 Not Found\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 10\r\n"
		"\r\n");

	/* 405: Allow */
	q = mkreq(HTTP_M_OTHER, "/");
	r = route(&q);
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 405 Method Not Allowed\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 19\r\n"
		"Allow: GET, HEAD\r\n"
		"\r\n");
	/* 405 to HTTP/1.0 without keep-alive: Allow, then Connection: close */
	q.http10 = true;
	q.keep_alive = false;
	r = route(&q);
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 405 Method Not Allowed\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 19\r\n"
		"Allow: GET, HEAD\r\n"
		"Connection: close\r\n"
		"\r\n");

	/* POST /echo */
	q = mkreq(HTTP_M_POST, "/echo");
	q.body_bytes = 42;
	r = route(&q);
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 200 OK\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 18\r\n"
		"\r\n");

	/* errors close */
	http_error_resp(431, &r);
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 431 Request Header Fields Too Large\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 32\r\n"
		"Connection: close\r\n"
		"\r\n");
	http_error_resp(400, &r);
	ck_assert_str_eq(header(&r),
		"HTTP/1.1 400 Bad Request\r\n"
		"Server: tern-httpd\r\n"
		"Date: " EPOCH_DATE "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 12\r\n"
		"Connection: close\r\n"
		"\r\n");
}
END_TEST

START_TEST(test_header_date_and_cap)
{
	struct http_resp r = route_get("/bytes/5");
	char date[40], buf[512], small[512];
	size_t n;

	/* the date given is the date written */
	http_format_date(784111777, date, sizeof(date));
	n = http_build_header(&r, date, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert(strstr(buf, "\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n") != NULL);
	/* too small a buffer: 0; it needs the length plus the NUL */
	ck_assert_uint_eq(http_build_header(&r, date, small, n), 0);
	ck_assert_uint_eq(http_build_header(&r, date, small, 10), 0);
	ck_assert_uint_eq(http_build_header(&r, date, small, n + 1), n);
	ck_assert_str_eq(small, buf);
	/* every header line ends in CRLF, the block in an empty line */
	ck_assert_uint_eq(strlen(buf), n);
	ck_assert(strcmp(buf + n - 4, "\r\n\r\n") == 0);
	/* the largest header fits the 512 bytes main.c gives it */
	r = route_get("/bytes/67108864");
	r.allow = 1;
	r.close = 1;
	r.keep_alive_hdr = 1;
	r.status = 431;
	ck_assert_uint_gt(http_build_header(&r, date, buf, 512), 0);
}
END_TEST

/* ------------------------------------------------- requests without llhttp */

/* How llhttp reads the first message of some bytes. */
struct ll_read {
	bool done;                  /* a whole message */
	size_t end;                 /* where it ends */
	uint8_t method;
	bool http10, keep_alive;
	char url[512];
	size_t url_len;
};

static int
ll_on_url(llhttp_t *p, const char *at, size_t len)
{
	struct ll_read *r = p->data;

	if (r->url_len + len < sizeof(r->url))
		memcpy(r->url + r->url_len, at, len);
	r->url_len += len;
	return 0;
}

static int
ll_on_complete(llhttp_t *p)
{
	struct ll_read *r = p->data;

	r->done = true;
	r->method = p->method;
	r->http10 = p->http_major == 1 && p->http_minor == 0;
	r->keep_alive = llhttp_should_keep_alive(p) != 0;
	return HPE_PAUSED;          /* the first message only */
}

/* llhttp's reading of @n bytes at @p, as tern-httpd sets it up. */
static struct ll_read
ll_read(const char *p, size_t n)
{
	static llhttp_settings_t settings;
	struct ll_read r;
	llhttp_t parser;

	memset(&r, 0, sizeof(r));
	llhttp_settings_init(&settings);
	settings.on_url = ll_on_url;
	settings.on_message_complete = ll_on_complete;
	llhttp_init(&parser, HTTP_REQUEST, &settings);
	parser.data = &r;
	if (llhttp_execute(&parser, p, n) == HPE_PAUSED && r.done)
		r.end = (size_t)(llhttp_get_error_pos(&parser) - p);
	else
		r.done = false;
	return r;
}

/*
 * Whatever http_req_fast() takes, llhttp reads the same way: one message of
 * the same length, method, target, version and persistence. @return the
 * fast reader's length.
 */
static size_t
fast_agrees(const char *p, size_t n)
{
	struct http_req req;
	char url[HTTP_URL_KEEP];
	size_t got = http_req_fast(p, n, &req, url);
	struct ll_read ll;

	if (got == 0)
		return 0;
	ll = ll_read(p, n);
	ck_assert_msg(ll.done && ll.end == got, "llhttp: message %d, %zu bytes; fast: %zu",
			ll.done, ll.end, got);
	ck_assert_int_eq(req.method, ll.method == HTTP_GET ? HTTP_M_GET : HTTP_M_HEAD);
	ck_assert(ll.method == HTTP_GET || ll.method == HTTP_HEAD);
	ck_assert_uint_eq(strlen(req.url), ll.url_len);
	ck_assert(memcmp(req.url, ll.url, ll.url_len) == 0);
	ck_assert_int_eq(req.http10, ll.http10);
	ck_assert_int_eq(req.keep_alive, ll.keep_alive);
	ck_assert(!req.url_truncated && req.body_bytes == 0);
	return got;
}

static const char *const fast_yes[] = {
	"GET / HTTP/1.1\r\nHost: tern\r\n\r\n",
	"HEAD /index.html HTTP/1.0\r\n\r\n",
	"GET /bytes/100?x=1&y=%20 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
	"GET / HTTP/1.0\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
	"GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: CLOSE\r\n\r\n",
	"GET / HTTP/1.1\r\nX-Empty:\r\nUser-Agent:  curl/8.0 \t\r\nAccept: */*\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\n\r\n",
};

static const char *const fast_no[] = {
	"POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
	"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
	"GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n",
	"GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n",
	"GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n",
	"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
	"GET / HTTP/1.1\nHost: x\n\n",
	"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
	"get / HTTP/1.1\r\n\r\n",
	"GET  / HTTP/1.1\r\n\r\n",
	"GET /a b HTTP/1.1\r\n\r\n",
	"GET /a#frag HTTP/1.1\r\n\r\n",
	"GET * HTTP/1.1\r\n\r\n",
	"GET / HTTP/2.0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x",
	"GET / HTTP/1.1\r\nHost: x\r\n\r",
	"GET / HTTP/1.1\r\nX: a\001b\r\n\r\n",
	"GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n",
	"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
	"\r\nGET / HTTP/1.1\r\n\r\n",
};

START_TEST(test_fast_request_table)
{
	char big[4096];
	size_t n;

	for (size_t i = 0; i < RTE_DIM(fast_yes); i++)
		ck_assert_msg(fast_agrees(fast_yes[i], strlen(fast_yes[i])) != 0, "refused: %s",
				fast_yes[i]);
	ck_assert_uint_eq(fast_agrees(fast_yes[7], strlen(fast_yes[7])), 18);
	for (size_t i = 0; i < RTE_DIM(fast_no); i++)
		ck_assert_msg(fast_agrees(fast_no[i], strlen(fast_no[i])) == 0, "taken: %s",
				fast_no[i]);
	/* a target of 254 bytes is kept whole; 255 would be cut: llhttp's */
	n = (size_t)snprintf(big, sizeof(big), "GET /%0253d HTTP/1.1\r\n\r\n", 0);
	ck_assert_uint_eq(fast_agrees(big, n), n);
	n = (size_t)snprintf(big, sizeof(big), "GET /%0254d HTTP/1.1\r\n\r\n", 0);
	ck_assert_uint_eq(fast_agrees(big, n), 0);
	/* headers past HTTP_FAST_HEADERS_MAX: llhttp's, which counts them */
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: %02100d\r\n\r\n", 0);
	ck_assert_uint_eq(fast_agrees(big, n), 0);
}
END_TEST

/*
 * Differential: 200,000 mutations (bytes changed, inserted, removed; a
 * fixed seed) of requests the fast reader takes. Whenever it takes one,
 * llhttp reads it the same way (fast_agrees); most are refused and left to
 * llhttp.
 */
START_TEST(test_fast_request_mutations)
{
	static const char alphabet[] = "GETHAD /:\r\n\t-_.%?0aZ\x01\x7f\x80,;";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int taken = 0;

	for (unsigned int k = 0; k < 200000; k++) {
		const char *base = fast_yes[k % RTE_DIM(fast_yes)];
		char buf[256];
		size_t n = strlen(base);

		memcpy(buf, base, n);
		for (unsigned int m = 0; m < 1 + k % 3; m++) {
			size_t at;
			char c;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			at = (size_t)(x % n);
			c = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
			switch ((x >> 48) % 3) {
			case 0:
				buf[at] = c;
				break;
			case 1:
				if (n + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = c;
					n++;
				}
				break;
			default:
				if (n > 1) {
					memmove(buf + at, buf + at + 1, n - at - 1);
					n--;
				}
				break;
			}
		}
		taken += fast_agrees(buf, n) != 0;
	}
	ck_assert_uint_gt(taken, 1000);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("proto");

	tcase_add_test(tc, test_reason);
	tcase_add_test(tc, test_date);
	tcase_add_test(tc, test_ctype);
	tcase_add_test(tc, test_route_index);
	tcase_add_test(tc, test_route_bytes);
	tcase_add_test(tc, test_pattern);
	tcase_add_test(tc, test_route_files);
	tcase_add_test(tc, test_route_echo);
	tcase_add_test(tc, test_route_404_405);
	tcase_add_test(tc, test_route_head);
	tcase_add_test(tc, test_route_connection);
	tcase_add_test(tc, test_error_resp);
	tcase_add_test(tc, test_header_exact);
	tcase_add_test(tc, test_header_date_and_cap);
	tcase_add_test(tc, test_fast_request_table);
	tcase_add_test(tc, test_fast_request_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(http_suite());
}
