/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-loadgen, HTTP modes: the request, uploads, and the response reader. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "loadgen.h"

static char request[512];
static size_t request_len;
/* bulk --upload: the server's answer to each upload, and the body sent (filled
 * once, as iperf3 sends one buffer again and again) */
static char upload_reply[64];
static size_t upload_reply_len;
static uint8_t upload_buf[65536];

void
lg_http_prepare(void)
{
	if (lg.opts.mode == M_BULK && lg.opts.upload) {
		snprintf(request, sizeof(request), "POST /echo HTTP/1.1\r\nHost: tern\r\n"
				"Content-Length: %" PRIu64 "\r\n\r\n", lg.opts.bytes);
		snprintf(upload_reply, sizeof(upload_reply), "received %" PRIu64 " bytes\n",
				lg.opts.bytes);
		upload_reply_len = strlen(upload_reply);
		for (size_t i = 0; i < sizeof(upload_buf); i++)
			upload_buf[i] = pattern_byte(i);
	} else if (lg.opts.mode == M_BULK) {
		snprintf(request, sizeof(request), "GET /bytes/%" PRIu64 " HTTP/1.1\r\nHost: tern\r\n"
				"\r\n", lg.opts.bytes);
	} else if (lg.opts.mode == M_HTTP_CLOSE) {
		snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: tern\r\n"
				"Connection: close\r\n\r\n", lg.opts.path);
	} else {
		snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: tern\r\n\r\n",
				lg.opts.path);
	}
	request_len = strlen(request);
}

int
lg_http_send(struct lg_conn *lc)
{
	if (tern_send_space(lc->c) < request_len)
		return 0;
	if (tern_send(lc->c, request, request_len) != (int)request_len)
		return -1;
	lc->lw->st.bytes_tx += request_len;
	return 1;
}

/* One response is complete: count it and ask for the next. */
static void
lg_http_done(struct lg_conn *lc)
{
	lc->in_body = false;
	lc->hlen = 0;
	lg_complete(lc, lc->status == 200);
	if (lg.opts.mode == M_HTTP_CLOSE) {
		lc->done = true;
		if (lg.opts.client_close && !lc->closing) {
			lc->closing = true;
			tern_close(lc->c);
			return;
		}
	} else {
		lg_send_more(lc);
	}
	lg_close_if_drained(lc);
}

/* Digits at @p (up to @end) as a number; @return false if there are none. */
static bool
lg_parse_u64(const char *p, const char *end, uint64_t *v)
{
	const char *start;

	while (p < end && *p == ' ')
		p++;
	start = p;
	*v = 0;
	while (p < end && *p >= '0' && *p <= '9')
		*v = *v * 10 + (uint64_t)(*p++ - '0');
	return p != start;
}

/* Parse a complete header block [h, h+len): status and Content-Length. */
static bool
lg_http_header(struct lg_conn *lc, const char *h, size_t len)
{
	static const char cl_name[] = "\r\nContent-Length:";
	const char *end = h + len, *cl;
	uint64_t v;

	if (len < 12 || memcmp(h, "HTTP/1.", 7) != 0 || !lg_parse_u64(h + 9, h + 12, &v))
		return false;
	lc->status = (uint16_t)v;
	cl = memmem(h, len, cl_name, sizeof(cl_name) - 1);
	if (cl == NULL || !lg_parse_u64(cl + sizeof(cl_name) - 1, end, &lc->body_left))
		return false;
	if (lg.opts.mode == M_BULK && lc->body_left != (lg.opts.upload ? upload_reply_len : lg.opts.bytes))
		return false;
	lc->in_body = true;
	if (lc->body_left == 0)
		lg_http_done(lc);
	return true;
}

/* Consume HTTP response bytes; @return false on a malformed response. */
bool
lg_http_input(struct lg_conn *lc, const uint8_t *p, uint32_t n)
{
	while (n != 0) {
		if (lc->in_body) {
			uint32_t take = (uint32_t)RTE_MIN((uint64_t)n, lc->body_left);

			/* an upload's answer says how many bytes the server took */
			if (lg.opts.upload && memcmp(p, upload_reply + upload_reply_len - lc->body_left,
					take) != 0)
				return false;
			lc->body_left -= take;
			p += take;
			n -= take;
			if (lc->body_left == 0)
				lg_http_done(lc);
			continue;
		}
		if (lc->hlen == 0) {
			/* the usual case: the whole header block in this segment */
			const uint8_t *e = memmem(p, n, "\r\n\r\n", 4);

			if (e != NULL) {
				uint32_t hl = (uint32_t)(e + 4 - p);

				if (!lg_http_header(lc, (const char *)p, hl))
					return false;
				p += hl;
				n -= hl;
				continue;
			}
		}
		/* a header split over segments: gather it first */
		while (n != 0 && !lc->in_body) {
			if (lc->hlen == HDR_MAX - 1)
				return false;
			lc->hbuf[lc->hlen++] = (char)*p++;
			n--;
			if (lc->hlen >= 4 && memcmp(&lc->hbuf[lc->hlen - 4], "\r\n\r\n", 4) == 0) {
				uint32_t hl = lc->hlen;

				lc->hlen = 0;
				if (!lg_http_header(lc, lc->hbuf, hl))
					return false;
				break;
			}
		}
	}
	return true;
}

/* ------------------------------------------------------------- requests */

/* Queue what the send buffer takes of the upload's body. @return true when all is queued. */
bool
lg_upload_more(struct lg_conn *lc)
{
	while (lc->up_left != 0) {
		int k = tern_send(lc->c, upload_buf, (size_t)RTE_MIN(lc->up_left,
				(uint64_t)sizeof(upload_buf)));

		if (k < 0)
			lc->failed = true;
		if (k <= 0)
			return false;
		lc->up_left -= (uint64_t)k;
		lc->lw->st.bytes_tx += (uint64_t)k;
	}
	return true;
}
