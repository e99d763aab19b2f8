/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd: an HTTP/1.1 server on Tern's callback API.
 *
 *   tern-httpd [EAL args] -- [--config FILE] [--port N] [--root DIR]
 *                            [--idle-timeout SEC] [--max-body BYTES] [--duration SEC]
 *                            [--max-busy N]
 *
 * One instance per worker, run to completion inside the stack's callbacks.
 * Requests are parsed by llhttp straight from the received mbufs (no copy but
 * the first HTTP_URL_KEEP bytes of the target, for routing). The common one,
 * a GET or HEAD without a body whole in one mbuf, is read without llhttp
 * while llhttp is between messages (http_req_fast: a strict subset of what
 * llhttp takes, read the same way; anything else goes to llhttp). Responses are
 * queued in request order (pipelining) and written as the send buffer allows,
 * so /bytes/N of 64 MiB never sits in memory. While the response queue is
 * full, parsing pauses and the unparsed input keeps the receive window closed.
 * A connection holds the request and response state (URL, response queue:
 * struct httpd_busy, 1.7 KiB) only while it has a request or response going;
 * a quiet connection keeps the parser and a few fields, so a million idle
 * connections cost the stack's share and little more. At most --max-busy
 * connections per worker are busy at once; bytes on one more get a 503.
 */
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <llhttp.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "app_common.h"
#include "http.h"
#include "tern_objpool.h"

#define PIPELINE_MAX 16          /* responses queued per connection */
#define MAX_FILES    1024
#define PATTERN_CHUNK 65536
/* Requests in progress per worker by default (1.7 KiB of state each): a
 * request only holds it from its first byte to its response queued */
#define HTTPD_BUSY_DEFAULT_MAX 16384u
/* body pieces from this size go by reference (tern_send_static), smaller ones are copied */
#define STATIC_SEND_MIN 4096
/* static bodies up to this size go out with their headers in one send, from
 * the worker's whole-response cache */
#define WHOLE_BODY_MAX 1024
#define WHOLE_SLOTS 8            /* cached responses per worker (by body) */

struct httpd_opts {
	uint16_t port;
	const char *root;
	uint64_t idle_us;
	uint64_t max_body;
	uint32_t max_busy;           /* 0: the stack's max_conns, at most HTTPD_BUSY_DEFAULT_MAX */
};

/* Per-worker counters, printed at exit. */
struct httpd_stats {
	uint64_t conns, requests, resp_2xx, resp_4xx, parse_errors, body_bytes;
	uint64_t busy_refused;       /* 503: no request state free */
	uint64_t header_splits;      /* headers (or whole responses) queued in pieces */
	uint64_t fast_requests;      /* requests read without llhttp (http_req_fast) */
};

/* What shapes a small static response's bytes, besides its Date. */
struct httpd_whole_key {
	const uint8_t *body_ptr;
	uint64_t body_len;
	uint16_t status;
	uint8_t ctype, head_only, close, allow, keep_alive_hdr;
};

/*
 * A small static response, headers and body, as it goes on the wire. Valid
 * for its key and the second of its Date.
 */
struct httpd_whole {
	struct httpd_whole_key key;
	int64_t date_sec;
	uint32_t len;                /* 0: empty slot */
	uint32_t hdr_len;            /* of which the header */
	char bytes[512 + WHOLE_BODY_MAX];
};

struct httpd_worker {
	struct tern_objpool conn_pool;
	struct tern_objpool busy_pool;  /* struct httpd_busy */
	struct httpd_stats st;
	int64_t date_sec;            /* second the cached Date is for */
	char date[40];
	struct httpd_whole whole[WHOLE_SLOTS];
} __rte_cache_aligned;

/* A request being parsed and the responses queued: only while there are some. */
struct httpd_busy {
	char url[HTTP_URL_KEEP];
	uint32_t url_len;            /* bytes seen (may exceed what is kept) */
	uint32_t hdr_bytes;
	uint64_t body_bytes;
	uint16_t err_status;         /* limit hit in a callback: 413, 414, 431 */
	uint8_t q_head, q_len;       /* responses in request order */
	struct http_resp q[PIPELINE_MAX];
};

struct httpd_conn {
	llhttp_t parser;
	struct tern_conn *c;
	struct httpd_worker *hw;
	struct rte_mbuf *held;       /* input not yet parsed (parser paused) */
	uint32_t held_off;           /* bytes of @held already parsed */
	bool in_message;             /* between message begin and complete */
	bool closing;                /* last response queued: read no more */
	bool peer_closed;
	struct httpd_busy *b;        /* NULL while quiet */
};

static struct httpd_opts opts = { .port = 80, .idle_us = 60000000, .max_body = 1 << 20 };
static const char busy_503[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
	"Connection: close\r\n\r\n";
static struct httpd_worker *workers;
static struct http_file *files;
static size_t nfiles;
static llhttp_settings_t settings;
/* /bytes/N bodies: byte i is http_pattern_byte(i); in DPDK memory, sent by reference */
static uint8_t *pattern;
#define PATTERN_SIZE (PATTERN_CHUNK + 26)

static void httpd_parse_held(struct httpd_conn *hc);

/* ---------------------------------------------------------------- writing */

/* The IMF-fixdate of second @sec (the worker keeps the last one formatted). */
static const char *
httpd_date(struct httpd_worker *hw, int64_t sec)
{
	if (sec != hw->date_sec) {
		hw->date_sec = sec;
		http_format_date(sec, hw->date, sizeof(hw->date));
	}
	return hw->date;
}

static const uint8_t *
resp_body_at(const struct http_resp *r, uint64_t off, uint32_t *n)
{
	switch (r->body_kind) {
	case HTTP_BODY_STATIC:
		return r->body_ptr + off;
	case HTTP_BODY_INLINE:
		return (const uint8_t *)r->inline_body + off;
	case HTTP_BODY_PATTERN:
		*n = RTE_MIN(*n, (uint32_t)PATTERN_CHUNK);
		return &pattern[off % 26];
	default:
		*n = 0;
		return NULL;
	}
}

static void
httpd_count_resp(struct httpd_worker *hw, const struct http_resp *r)
{
	if (r->status < 300)
		hw->st.resp_2xx++;
	else
		hw->st.resp_4xx++;
}

static bool
httpd_whole_key_is(const struct httpd_whole_key *k, const struct http_resp *r)
{
	return k->body_ptr == r->body_ptr && k->body_len == r->body_len &&
		k->status == r->status && k->ctype == r->ctype && k->head_only == r->head_only &&
		k->close == r->close && k->allow == r->allow &&
		k->keep_alive_hdr == r->keep_alive_hdr;
}

/* The slot of @r's wire form: by body (DPDK memory is 64-byte aligned) and variant. */
static struct httpd_whole *
httpd_whole_slot(struct httpd_worker *hw, const struct http_resp *r)
{
	uintptr_t p = (uintptr_t)r->body_ptr;

	return &hw->whole[((p >> 6) ^ (p >> 12) ^ r->head_only ^ ((uintptr_t)r->close << 1) ^
			((uintptr_t)r->keep_alive_hdr << 2)) % WHOLE_SLOTS];
}

/*
 * The cached wire form of @r with the Date of second @sec, a small static
 * response, built where its slot holds another response or Date. NULL when
 * @r is not one (a generated, inline or large body) or its headers do not fit.
 */
static const struct httpd_whole *
httpd_whole_for(struct httpd_worker *hw, const struct http_resp *r, int64_t sec)
{
	struct httpd_whole *w;
	size_t n;

	if (r->body_kind != HTTP_BODY_STATIC || r->body_len > WHOLE_BODY_MAX)
		return NULL;
	w = httpd_whole_slot(hw, r);
	if (w->len != 0 && w->date_sec == sec && httpd_whole_key_is(&w->key, r))
		return w;
	n = http_build_header(r, httpd_date(hw, sec), w->bytes, sizeof(w->bytes) - WHOLE_BODY_MAX);
	if (n == 0) {
		w->len = 0;
		return NULL;
	}
	w->hdr_len = (uint32_t)n;
	if (!r->head_only) {
		memcpy(w->bytes + n, r->body_ptr, r->body_len);
		n += r->body_len;
	}
	w->key = (struct httpd_whole_key){
		.body_ptr = r->body_ptr, .body_len = r->body_len, .status = r->status,
		.ctype = r->ctype, .head_only = r->head_only, .close = r->close, .allow = r->allow,
		.keep_alive_hdr = r->keep_alive_hdr,
	};
	w->date_sec = sec;
	w->len = (uint32_t)n;
	return w;
}

/* Queue as much of the head response as the send buffer takes. @return true when done. */
static bool
httpd_write_one(struct httpd_conn *hc, struct http_resp *r)
{
	struct tern_conn *c = hc->c;

	if (!r->hdr_done) {
		/* the Date is now's until a byte is queued, then stays, so what
		 * is left of a header sent in pieces is rebuilt byte for byte */
		int64_t sec = r->hdr_off != 0 ? r->date_sec : (int64_t)time(NULL);
		const struct httpd_whole *w = httpd_whole_for(hc->hw, r, sec);
		char hdr[512];
		const char *bytes = hdr;
		size_t len, hdr_len;
		int rc;

		if (w != NULL) {
			/* a small static response: headers and body in one send */
			bytes = w->bytes;
			len = w->len;
			hdr_len = w->hdr_len;
		} else {
			len = hdr_len = http_build_header(r, httpd_date(hc->hw, sec), hdr, sizeof(hdr));
			if (len == 0) {         /* cannot happen: the fields are bounded */
				tern_abort(c);
				return false;
			}
		}
		rc = tern_send(c, bytes + r->hdr_off, len - r->hdr_off);
		if (rc <= 0)
			return false;
		r->date_sec = sec;
		r->hdr_off += (uint32_t)rc;
		if (r->hdr_off < len)
			hc->hw->st.header_splits++;
		if (r->hdr_off < hdr_len)
			return false;
		r->hdr_done = 1;
		if (!r->head_only)      /* what a whole send queued of the body */
			r->body_off = r->hdr_off - hdr_len;
		httpd_count_resp(hc->hw, r);
	}
	while (!r->head_only && r->body_off < r->body_len) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)tern_send_space(c), r->body_len - r->body_off);
		const uint8_t *p;
		int rc;

		if (n == 0)
			return false;
		p = resp_body_at(r, r->body_off, &n);
		rc = n >= STATIC_SEND_MIN ? tern_send_static(c, p, n) : -EINVAL;
		if (rc == -EINVAL)      /* small, or not in DPDK memory: copied */
			rc = tern_send(c, p, n);
		if (rc <= 0)
			return false;
		r->body_off += (uint64_t)rc;
	}
	return true;
}

/* Responses queued and not yet written. */
static unsigned int
httpd_queued(const struct httpd_conn *hc)
{
	return hc->b != NULL ? hc->b->q_len : 0;
}

/* Take request state for @hc from the worker's pool. @return false if none is free. */
static bool
httpd_busy_get(struct httpd_conn *hc)
{
	struct httpd_busy *b;

	b = tern_objpool_get(&hc->hw->busy_pool);
	if (b == NULL)
		return false;
	b->url_len = b->hdr_bytes = 0;
	b->body_bytes = 0;
	b->err_status = 0;
	b->q_head = b->q_len = 0;
	hc->b = b;
	return true;
}

/* Give the request state back once nothing is going on the connection. */
static void
httpd_busy_put_if_quiet(struct httpd_conn *hc)
{
	if (hc->b != NULL && hc->b->q_len == 0 && !hc->in_message && hc->held == NULL) {
		tern_objpool_put(&hc->hw->busy_pool, hc->b);
		hc->b = NULL;
	}
}

/* Write queued responses in order; then resume parsing or close. */
static void
httpd_write(struct httpd_conn *hc)
{
	struct httpd_busy *b = hc->b;

	while (b != NULL && b->q_len != 0) {
		struct http_resp *r = &b->q[b->q_head];

		if (!httpd_write_one(hc, r))
			return;
		b->q_head = (uint8_t)((b->q_head + 1) % PIPELINE_MAX);
		b->q_len--;
		if (r->close) {
			tern_close(hc->c);
			return;
		}
	}
	if (hc->held != NULL && !hc->closing && httpd_queued(hc) < PIPELINE_MAX)
		httpd_parse_held(hc);
	else if (hc->peer_closed && httpd_queued(hc) == 0 && hc->held == NULL)
		tern_close(hc->c);
	else
		httpd_busy_put_if_quiet(hc);
}

static struct http_resp *
httpd_resp_slot(struct httpd_conn *hc)
{
	return &hc->b->q[(hc->b->q_head + hc->b->q_len) % PIPELINE_MAX];
}

/* --------------------------------------------------------------- parsing */

static int
on_message_begin(llhttp_t *p)
{
	struct httpd_conn *hc = p->data;
	struct httpd_busy *b = hc->b;

	b->url_len = 0;
	b->hdr_bytes = 0;
	b->body_bytes = 0;
	b->err_status = 0;
	hc->in_message = true;
	return 0;
}

static int
on_url(llhttp_t *p, const char *at, size_t len)
{
	struct httpd_busy *b = ((struct httpd_conn *)p->data)->b;

	if (b->url_len < HTTP_URL_KEEP - 1) {
		size_t keep = RTE_MIN(len, (size_t)(HTTP_URL_KEEP - 1 - b->url_len));

		memcpy(b->url + b->url_len, at, keep);
	}
	b->url_len += (uint32_t)len;
	if (b->url_len > HTTP_URL_MAX) {
		b->err_status = 414;
		return -1;
	}
	return 0;
}

static int
on_header_bytes(llhttp_t *p, const char *at, size_t len)
{
	struct httpd_busy *b = ((struct httpd_conn *)p->data)->b;

	(void)at;
	b->hdr_bytes += (uint32_t)len;
	if (b->hdr_bytes > HTTP_HEADERS_MAX) {
		b->err_status = 431;
		return -1;
	}
	return 0;
}

static int
on_body(llhttp_t *p, const char *at, size_t len)
{
	struct httpd_conn *hc = p->data;

	(void)at;
	hc->b->body_bytes += len;
	hc->hw->st.body_bytes += len;
	if (hc->b->body_bytes > opts.max_body) {
		hc->b->err_status = 413;
		return -1;
	}
	return 0;
}

static enum http_method_class
method_class(uint8_t m)
{
	switch (m) {
	case HTTP_GET: return HTTP_M_GET;
	case HTTP_HEAD: return HTTP_M_HEAD;
	case HTTP_POST: return HTTP_M_POST;
	default: return HTTP_M_OTHER;
	}
}

/*
 * A whole request, from llhttp or read without it (http_req_fast): its
 * response joins the queue. @return HPE_PAUSED when nothing more may be
 * read now (the request closes the connection, or the queue is full).
 */
static int
httpd_request(struct httpd_conn *hc, const struct http_req *req)
{
	struct http_resp *r = httpd_resp_slot(hc);

	hc->hw->st.requests++;
	http_route(req, files, nfiles, r);
	hc->b->q_len++;
	if (r->close) {
		hc->closing = true;
		return HPE_PAUSED;       /* nothing after this request is read */
	}
	return hc->b->q_len == PIPELINE_MAX ? HPE_PAUSED : 0;
}

static int
on_message_complete(llhttp_t *p)
{
	struct httpd_conn *hc = p->data;
	struct httpd_busy *b = hc->b;
	struct http_req req = {
		.method = method_class(p->method),
		.url = b->url,
		.url_truncated = b->url_len >= HTTP_URL_KEEP,
		.body_bytes = b->body_bytes,
		.keep_alive = llhttp_should_keep_alive(p),
		.http10 = p->http_major == 1 && p->http_minor == 0,
	};

	b->url[RTE_MIN(b->url_len, (uint32_t)HTTP_URL_KEEP - 1)] = '\0';
	hc->in_message = false;
	return httpd_request(hc, &req);
}

/*
 * Read the requests at @data (@len bytes) that http_req_fast() takes, while
 * llhttp is between messages. @return the bytes they took; *@paused when
 * no more may be read now.
 */
static uint32_t
httpd_parse_fast(struct httpd_conn *hc, const char *data, uint32_t len, bool *paused)
{
	uint32_t done = 0;

	*paused = false;
	while (!hc->in_message && !hc->closing && done < len) {
		struct http_req req;
		size_t n = http_req_fast(data + done, len - done, &req, hc->b->url);

		if (n == 0)
			break;
		done += (uint32_t)n;
		hc->hw->st.fast_requests++;
		if (httpd_request(hc, &req) == HPE_PAUSED) {
			*paused = true;
			break;
		}
	}
	return done;
}

/* A request the parser refused: answer once, then close. */
static void
httpd_parse_error(struct httpd_conn *hc, llhttp_errno_t e)
{
	uint16_t status = hc->b->err_status != 0 ? hc->b->err_status : 400;

	hc->hw->st.parse_errors++;
	(void)e;
	if (hc->b->q_len < PIPELINE_MAX)
		http_error_resp(status, httpd_resp_slot(hc)), hc->b->q_len++;
	hc->closing = true;
}

/*
 * Parse @m from byte @off on. Pauses keep the rest in hc->held. Parsed bytes
 * go back to the receive window.
 */
static void
httpd_parse(struct httpd_conn *hc, struct rte_mbuf *m, uint32_t off)
{
	uint32_t total = rte_pktmbuf_pkt_len(m), pos = 0;

	for (struct rte_mbuf *s = m; s != NULL && !hc->closing; s = s->next) {
		const char *data = rte_pktmbuf_mtod(s, const char *);
		uint32_t len = s->data_len, used = 0;   /* bytes of @s read */
		bool paused;

		if (pos + len <= off) {
			pos += len;
			continue;
		}
		if (off > pos)
			used = off - pos;
		/* the common requests without llhttp, the rest with it */
		used += httpd_parse_fast(hc, data + used, len - used, &paused);
		if (!paused && used < len && !hc->closing) {
			llhttp_errno_t e = llhttp_execute(&hc->parser, data + used, len - used);

			if (e == HPE_PAUSED) {
				used = (uint32_t)(llhttp_get_error_pos(&hc->parser) - data);
				llhttp_resume(&hc->parser);
				paused = true;
			} else if (e != HPE_OK) {
				httpd_parse_error(hc, e);
				break;
			}
		}
		if (paused) {
			if (!hc->closing && pos + used < total) {
				hc->held = m;
				hc->held_off = pos + used;
				tern_recved(hc->c, pos + used - off);
				return;
			}
			break;
		}
		pos += len;
	}
	tern_recved(hc->c, total - off);
	rte_pktmbuf_free(m);
	hc->held = NULL;
}

static void
httpd_parse_held(struct httpd_conn *hc)
{
	struct rte_mbuf *m = hc->held;

	hc->held = NULL;
	httpd_parse(hc, m, hc->held_off);
	httpd_write(hc);
}

/* -------------------------------------------------------------- callbacks */

static void
httpd_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct httpd_conn *hc = arg;

	(void)c;
	if (hc->closing) {
		tern_recved(hc->c, rte_pktmbuf_pkt_len(m));
		rte_pktmbuf_free(m);
		return;
	}
	if (hc->held != NULL) {
		/* still paused: keep the order, parse later */
		if (rte_pktmbuf_chain(hc->held, m) != 0) {
			rte_pktmbuf_free(m);
			tern_abort(hc->c);
		}
		return;
	}
	if (hc->b == NULL && !httpd_busy_get(hc)) {
		/* as many connections busy as there is request state for */
		hc->hw->st.busy_refused++;
		tern_recved(hc->c, rte_pktmbuf_pkt_len(m));
		rte_pktmbuf_free(m);
		hc->closing = true;
		if (tern_send(hc->c, busy_503, sizeof(busy_503) - 1) < 0)
			tern_abort(hc->c);
		else
			tern_close(hc->c);
		return;
	}
	if (hc->b->q_len == PIPELINE_MAX) {
		/* the response queue is full (the parser paused at the end of
		 * the last segment): nothing more is parsed until it drains */
		hc->held = m;
		hc->held_off = 0;
		return;
	}
	httpd_parse(hc, m, 0);
	httpd_write(hc);
}

static void
httpd_on_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	(void)c;
	(void)acked;
	httpd_write(arg);
}

static void
httpd_on_peer_closed(struct tern_conn *c, void *arg)
{
	struct httpd_conn *hc = arg;

	(void)c;
	hc->peer_closed = true;
	/* a request cut off mid-way gets no answer; finished ones still do */
	if (httpd_queued(hc) == 0 && hc->held == NULL)
		tern_close(hc->c);
}

static void
httpd_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct httpd_conn *hc = arg;

	(void)c;
	(void)reason;
	rte_pktmbuf_free(hc->held);
	if (hc->b != NULL)
		tern_objpool_put(&hc->hw->busy_pool, hc->b);
	tern_objpool_put(&hc->hw->conn_pool, hc);
}

static const struct tern_conn_ops httpd_ops = {
	.on_recv = httpd_on_recv,
	.on_sent = httpd_on_sent,
	.on_peer_closed = httpd_on_peer_closed,
	.on_closed = httpd_on_closed,
};

static int
httpd_on_accept(struct tern_conn *c, void *arg)
{
	struct httpd_worker *hw = arg;
	struct httpd_conn *hc;

	hc = tern_objpool_get(&hw->conn_pool);
	if (hc == NULL)
		return -1;
	memset(hc, 0, sizeof(*hc));
	hc->c = c;
	hc->hw = hw;
	llhttp_init(&hc->parser, HTTP_REQUEST, &settings);
	hc->parser.data = hc;
	hw->st.conns++;
	tern_conn_set_ops(c, &httpd_ops, hc);
	tern_recv_hold(c, 1);
	if (opts.idle_us != 0)
		tern_conn_set_idle_timeout(c, opts.idle_us);
	return 0;
}

/* ------------------------------------------------------------------ setup */

/*
 * Bodies that stay as they are while the server runs (the /bytes/N pattern,
 * --root files) go to DPDK memory once the EAL is up, so they are sent by
 * reference, not copied per response.
 */
static int
static_content_init(void)
{
	pattern = rte_malloc("httpd_pattern", PATTERN_SIZE, RTE_CACHE_LINE_SIZE);
	if (pattern == NULL) {
		fprintf(stderr, "tern-httpd: no DPDK memory for the body pattern\n");
		return -1;
	}
	for (size_t i = 0; i < PATTERN_SIZE; i++)
		pattern[i] = http_pattern_byte(i);
	for (size_t i = 0; i < nfiles; i++) {
		uint8_t *p = rte_malloc("httpd_file", RTE_MAX(files[i].len, (size_t)1), 0);

		if (p == NULL)
			continue;       /* stays in the heap: copied when sent */
		memcpy(p, files[i].data, files[i].len);
		free(files[i].data);
		files[i].data = p;
	}
	return 0;
}

static int
load_root(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL) {
		fprintf(stderr, "tern-httpd: --root %s: %s\n", dir, strerror(errno));
		return -1;
	}
	files = calloc(MAX_FILES, sizeof(files[0]));
	while (files != NULL && (de = readdir(d)) != NULL && nfiles < MAX_FILES) {
		char path[4096];
		struct stat sb;
		FILE *f;
		struct http_file *hf = &files[nfiles];

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) ||
				strlen(de->d_name) + 2 > sizeof(hf->path))
			continue;
		hf->data = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
		f = fopen(path, "rb");
		if (hf->data == NULL || f == NULL ||
				fread(hf->data, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
			fprintf(stderr, "tern-httpd: cannot read %s\n", path);
			if (f != NULL)
				fclose(f);
			free(hf->data);
			continue;
		}
		fclose(f);
		hf->len = (size_t)sb.st_size;
		snprintf(hf->path, sizeof(hf->path), "/%s", de->d_name);
		hf->ctype = http_ctype_for(de->d_name);
		nfiles++;
	}
	closedir(d);
	return files == NULL ? -1 : 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--config FILE] [--port N] [--root DIR]\n"
		"          [--idle-timeout SEC] [--max-body BYTES] [--duration SEC] [--max-busy N]\n"
		"  --config FILE       stack config (default config/tap.conf)\n"
		"  --port N            TCP port (default 80)\n"
		"  --root DIR          serve the files of DIR (loaded into memory at start)\n"
		"  --idle-timeout SEC  close connections idle that long (default 60, 0 = never)\n"
		"  --max-body BYTES    largest request body (default 1 MiB; more: 413)\n"
		"  --duration SEC      stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
		"  --max-busy N        connections per worker with a request or response going\n"
		"                      at once (default [tcp] max_conns, at most 16384; more: 503)\n",
		prog);
}

static double
parse_num(const char *name, const char *s, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "tern-httpd: %s: expected a number in [%g, %g], got '%s'\n",
				name, min, max, s);
		exit(APP_EXIT_USAGE);
	}
	return v;
}

static void
parse_args(struct app_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'r' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-busy", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:p:r:i:m:d:B:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': ctx->config_path = optarg; break;
		case 'p': opts.port = (uint16_t)parse_num("--port", optarg, 1, 65535); break;
		case 'r': opts.root = optarg; break;
		case 'i': opts.idle_us = (uint64_t)(parse_num("--idle-timeout", optarg, 0, 86400) * 1e6); break;
		case 'm': opts.max_body = (uint64_t)parse_num("--max-body", optarg, 0, 1e12); break;
		case 'd': ctx->duration_s = parse_num("--duration", optarg, 0.001, 1e9); break;
		case 'B': opts.max_busy = (uint32_t)parse_num("--max-busy", optarg, 1, 1 << 24); break;
		case 'h': usage(ctx->name); exit(0);
		default: usage(ctx->name); exit(APP_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", ctx->name, argv[optind]);
		exit(APP_EXIT_USAGE);
	}
}

/* Request states a worker may hold at once (--max-busy). */
static uint32_t
httpd_busy_max(const struct tern_config *cfg)
{
	return opts.max_busy != 0 ? opts.max_busy : RTE_MIN(cfg->tcp_max_conns,
			HTTPD_BUSY_DEFAULT_MAX);
}

/* DPDK memory of one worker's connection and request pools. */
static uint64_t
httpd_mem_per_worker(const struct tern_config *cfg)
{
	return tern_objpool_bytes(cfg->tcp_max_conns, sizeof(struct httpd_conn)) +
		tern_objpool_bytes(httpd_busy_max(cfg), sizeof(struct httpd_busy));
}

static void
release(void)
{
	unsigned int n = rte_lcore_count();
	struct httpd_stats sum = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		sum.conns += workers[i].st.conns;
		sum.requests += workers[i].st.requests;
		sum.resp_2xx += workers[i].st.resp_2xx;
		sum.resp_4xx += workers[i].st.resp_4xx;
		sum.parse_errors += workers[i].st.parse_errors;
		sum.body_bytes += workers[i].st.body_bytes;
		sum.busy_refused += workers[i].st.busy_refused;
		sum.header_splits += workers[i].st.header_splits;
		sum.fast_requests += workers[i].st.fast_requests;
		tern_objpool_free(&workers[i].conn_pool);
		tern_objpool_free(&workers[i].busy_pool);
	}
	/* the stack is gone: nothing points into the static content any more */
	rte_free(pattern);
	printf("httpd connections %" PRIu64 "\nhttpd requests %" PRIu64 "\nhttpd responses_2xx %"
			PRIu64 "\nhttpd responses_4xx %" PRIu64 "\nhttpd parse_errors %" PRIu64
			"\nhttpd request_body_bytes %" PRIu64 "\nhttpd busy_refused %" PRIu64
			"\nhttpd header_splits %" PRIu64 "\nhttpd fast_requests %" PRIu64 "\n",
			sum.conns, sum.requests, sum.resp_2xx, sum.resp_4xx, sum.parse_errors,
			sum.body_bytes, sum.busy_refused, sum.header_splits, sum.fast_requests);
	free(workers);
}

int
main(int argc, char **argv)
{
	struct app_ctx ctx = { .name = "tern-httpd", .config_path = "config/tap.conf" };
	int eal_argc = app_eal_argc(argc, argv);
	unsigned int nw, busy;
	char mem_what[160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (eal_argc < 0)
		eal_argc = argc;
	else
		parse_args(&ctx, argc - eal_argc, argv + eal_argc);
	if (opts.root != NULL && load_root(opts.root) != 0)
		return APP_EXIT_USAGE;
	llhttp_settings_init(&settings);
	settings.on_message_begin = on_message_begin;
	settings.on_url = on_url;
	settings.on_header_field = on_header_bytes;
	settings.on_header_value = on_header_bytes;
	settings.on_body = on_body;
	settings.on_message_complete = on_message_complete;
	app_load_config(&ctx);
	/* the bodies sent by reference exist before the port starts */
	ctx.prepare = static_content_init;
	busy = httpd_busy_max(&ctx.cfg);
	ctx.mem_per_worker = httpd_mem_per_worker;
	snprintf(mem_what, sizeof(mem_what), "tern-httpd's connection state ([tcp] max_conns) "
			"and request state (--max-busy %u)", busy);
	ctx.mem_what = mem_what;
	app_start(&ctx, eal_argc, argv);
	nw = tern_stack_worker_count(ctx.stack);
	workers = calloc(nw, sizeof(workers[0]));
	for (unsigned int i = 0; workers != NULL && i < nw; i++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		struct tern_worker *w = tern_stack_worker(ctx.stack, i);
		int rc;

		snprintf(name, sizeof(name), "httpd_conns%u", i);
		rc = tern_objpool_create(&workers[i].conn_pool, name, ctx.cfg.tcp_max_conns,
				sizeof(struct httpd_conn), SOCKET_ID_ANY);
		snprintf(name, sizeof(name), "httpd_busy%u", i);
		if (rc == 0)
			rc = tern_objpool_create(&workers[i].busy_pool, name, busy,
					sizeof(struct httpd_busy), SOCKET_ID_ANY);
		if (rc != 0) {
			fprintf(stderr, "tern-httpd: connection pools: %s\n", rte_strerror(rte_errno));
			return 1;
		}
		rc = tern_listen(w, opts.port, httpd_on_accept, &workers[i]);
		if (rc != 0) {
			fprintf(stderr, "tern-httpd: listen on %u: %s\n", opts.port, strerror(-rc));
			return 1;
		}
	}
	if (ctx.cfg.ip6_enabled && memcmp(ctx.cfg.ip6_addr, (uint8_t[16]){ 0 }, 16) != 0) {
		char a6[INET6_ADDRSTRLEN];

		printf("tern-httpd: also on http://[%s]:%u/\n",
				inet_ntop(AF_INET6, ctx.cfg.ip6_addr, a6, sizeof(a6)), opts.port);
	}
	printf("tern-httpd: serving http://%s:%u/ (%zu files from --root)\n",
			inet_ntoa((struct in_addr){ .s_addr = ctx.cfg.ip_addr }), opts.port, nfiles);
	app_run(&ctx);
	return app_finish(&ctx, release);
}
