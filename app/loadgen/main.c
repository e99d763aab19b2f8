/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen: the client side of Tern's benchmarks, on the public API.
 *
 *   tern-loadgen [EAL args] -- --config FILE --target A.B.C.D:PORT --mode MODE
 *       [--conns N] [--size BYTES] [--depth D] [--path P] [--bytes N]
 *       [--duration SEC] [--requests N] [--rate PPS] [--wait-link SEC] [--json] [--quiet]
 *       [--linger] [--bridge DEVICE]
 *
 * Modes:
 *   echo        N connections, messages of --size bytes, --depth in flight
 *               each; every echoed byte is checked against the pattern sent
 *   http        keep-alive GETs of --path over N connections (--depth pipelined)
 *   http-close  one GET with "Connection: close" per connection, N at a time:
 *               connections per second
 *   bulk        GET /bytes/--bytes again and again on N keep-alive connections
 *               (one, for the single-connection figure): Gbit/s; with --upload
 *               POST --bytes to /echo instead (a copying sender: tern_send)
 *   syn-flood   SYNs from random spoofed sources (198.18.0.0/15) at --rate
 *               packets/s (0: as fast as possible), sent to the target's IP
 *               in broadcast frames: a flood source for resilience tests
 * --flood PPS adds that flood (0: flat out) to any other mode, from the same
 * worker: legitimate load and a flood at once over one port. --bridge DEVICE
 * sends what a second port receives out of this one (bridge.h): a
 * third-party flood (pktgen) beside the legitimate load.
 * Every response is checked (status 200, Content-Length, body length; echo
 * content). One line per second on stderr; a summary at the end with
 * latency percentiles from an HDR histogram, or a JSON object (--json).
 * Latency runs from the worker iteration that queued a request to the one
 * that received its response, on the worker's clock (tern_worker_now: read
 * once per iteration, not per request).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "app_common.h"
#include "bridge.h"
#include "hdr.h"

enum lg_mode { M_ECHO, M_HTTP, M_HTTP_CLOSE, M_BULK, M_SYN_FLOOD };

struct lg_opts {
	enum lg_mode mode;
	uint32_t addr;              /* network order */
	uint16_t port;
	uint32_t conns, size, depth;
	const char *path;
	uint64_t bytes, requests, rate;
	bool json, quiet;
	bool flood;                 /* --flood: flood alongside the mode */
	bool upload;                /* bulk --upload: POST --bytes, not GET them */
	uint64_t idle;              /* --idle: connections held open, silent */
	uint64_t delay_us;          /* --delay-ms: pause between a response and the next request */
	const char *bridge;         /* --bridge: a second port's frames out of ours */
};

#define DEPTH_MAX 64
#define HDR_MAX   1024
#define CONNECTS_PER_ITER 64

struct lg_conn {
	struct tern_conn *c;        /* NULL: slot free, to be (re)opened */
	struct lg_worker *lw;
	uint32_t id;
	uint32_t inflight;          /* requests sent, not answered */
	uint64_t sent_ts[DEPTH_MAX];/* send time of each in-flight request, FIFO */
	uint32_t ts_head;
	uint64_t tx_off, rx_off;    /* echo: stream offsets */
	uint32_t rx_msg_off;        /* echo: bytes of the message being received */
	uint64_t next_send_us;      /* --delay-ms: no request before this */
	uint64_t up_left;           /* bulk --upload: body bytes still to queue */
	/* HTTP response parsing */
	uint32_t hlen;
	bool in_body;
	uint64_t body_left;
	uint16_t status;
	bool done;                  /* http-close / bulk: response complete */
	bool failed;
	bool closing;               /* draining: tern_close() called */
	bool established;           /* on_connected came */
	char hbuf[HDR_MAX];
};

struct lg_stats {
	uint64_t requests, non2xx, errors, bytes_rx, bytes_tx, conns_opened, conns_done;
	/* errors, by kind: connections that never got established (refused,
	 * reset, timed out, no port or memory to open, or still opening when
	 * the drain ran out), and established ones reset or timed out */
	uint64_t conns_failed, conns_reset;
	uint64_t syn_sent;
	uint64_t bytes_up;          /* bulk --upload: body bytes the server said it got */
};

/* One --idle connection: 16 bytes of loadgen state. */
struct idle_slot {
	struct tern_conn *c;        /* NULL once closed */
	struct lg_worker *lw;
	bool established;
	bool closing;               /* tern_close() called at the end */
};

struct lg_worker {
	struct tern_worker *w;
	struct lg_conn *conns;
	uint32_t nconns, open;
	struct lg_stats st;
	struct hdr_hist lat;        /* µs */
	uint64_t next_report_us, start_us, last_us;
	uint64_t busy0_us;           /* the worker's polls_busy_us at start_us */
	uint64_t busy_run_us;        /* of that, spent before the drain began */
	struct lg_stats last;       /* at the previous report */
	uint64_t flood_credit_us;
	bool drain_started;         /* this worker closed its idle connections */
	uint32_t left_open;         /* aborted when the drain ran out of time */
	/* --idle: silent connections from our 2nd..last addresses */
	uint64_t idle_want, idle_started, idle_open, idle_est, idle_failed;
	uint64_t idle_closed_upto;  /* draining: slots below this were closed */
	uint64_t idle_closing;      /* of those, not yet gone */
	int last_errno;             /* of the last failed tern_connect */
	bool warm;                  /* a connection got through: the target's MAC is known */
	uint32_t idle_addr;         /* index of the address now in use */
	struct idle_slot *idle;     /* idle_want of them */
	struct rte_mbuf *spare;     /* echo: a received buffer kept to carry a message */
} __rte_cache_aligned;

/*
 * The end of a run: when --requests or --duration is reached the measurement
 * stops (its figures are frozen), no new request or connection starts, and
 * every connection is closed gracefully once its in-flight requests are
 * answered, for at most --drain-ms. Whatever is still open then is aborted
 * and reported as left open. A peer thus sees every connection end normally.
 */
enum lg_phase { PH_IDLE, PH_RUN, PH_DRAIN, PH_DONE };

static struct lg_opts opts = { .mode = M_HTTP, .conns = 64, .size = 64, .depth = 1,
	.path = "/", .bytes = 1 << 20 };
static struct lg_worker *lws;
static unsigned int nlw;
static struct tern_stack *stack;
static char request[512];
static size_t request_len;
/* bulk --upload: the server's answer to each upload, and the body sent (filled
 * once, as iperf3 sends one buffer again and again) */
static char upload_reply[64];
static size_t upload_reply_len;
static uint8_t upload_buf[65536];
static uint64_t duration_us, drain_us = 1000000;
static unsigned int wait_link_ms;    /* --wait-link: before the first connection */
static volatile enum lg_phase phase = PH_RUN;
static uint64_t idle_setup_us;      /* how long the --idle connections took */
static uint64_t drain_start_us, drain_end_us;
static struct lg_stats frozen;      /* totals when the drain began */
static uint64_t idle_held;          /* --idle connections open when it began */
static uint64_t frozen_frames_tx, frozen_frames_rx;

/* The test pattern: byte @off of a stream (uploads; echo streams, offset per connection). */
static inline uint8_t
pattern_byte(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 8));
}

/*
 * The echo streams: byte OFF of connection ID's stream is
 * pattern_byte((OFF + ID * ECHO_STRIDE) mod ECHO_PERIOD), read from a table
 * holding two periods, so that a run of up to one period is contiguous: sent
 * with tern_send straight from the table and checked with memcmp, not made
 * and compared a byte at a time. The stride (odd) sets connections apart.
 */
#define ECHO_PERIOD 65536u
#define ECHO_STRIDE 4099u
static uint8_t echo_pattern[2 * ECHO_PERIOD];

static void
echo_pattern_fill(void)
{
	for (uint32_t i = 0; i < 2 * ECHO_PERIOD; i++)
		echo_pattern[i] = pattern_byte(i % ECHO_PERIOD);
}

/* Where connection @id's stream byte @off starts a contiguous run (<= ECHO_PERIOD). */
static inline const uint8_t *
echo_run(uint32_t id, uint64_t off)
{
	return &echo_pattern[(off + (uint64_t)id * ECHO_STRIDE) % ECHO_PERIOD];
}

static void lg_send_more(struct lg_conn *lc);

/*
 * Echo: a buffer received on this worker carries its next message out
 * (tern_send_mbuf), as tern-echo sends what it receives: no buffer freed and
 * another allocated per message. One is kept at a time, only while running.
 */
static void
lg_keep_spare(struct lg_worker *lw, struct rte_mbuf *m)
{
	if (opts.mode == M_ECHO && phase == PH_RUN && lw->spare == NULL && m->nb_segs == 1 &&
			RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1)
		lw->spare = m;
	else
		rte_pktmbuf_free(m);
}

static void
lg_free_spare(struct lg_worker *lw)
{
	rte_pktmbuf_free(lw->spare);
	lw->spare = NULL;
}

/* Queue one echo message of @lc: in the spare buffer if it fits, else copied. */
static bool
lg_echo_send(struct lg_conn *lc)
{
	struct rte_mbuf *m = lc->lw->spare;
	uint32_t left = opts.size;

	/* (a buffer's room, under 64 KiB, is less than one pattern period) */
	if (m != NULL && opts.size + RTE_PKTMBUF_HEADROOM <= m->buf_len) {
		lc->lw->spare = NULL;
		rte_pktmbuf_reset(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)opts.size), echo_run(lc->id, lc->tx_off),
				opts.size);
		if (tern_send_mbuf(lc->c, m) != (int)opts.size)
			return false;
		lc->tx_off += opts.size;
		return true;
	}
	while (left != 0) {
		uint32_t k = RTE_MIN(left, ECHO_PERIOD);

		if (tern_send(lc->c, echo_run(lc->id, lc->tx_off), k) != (int)k)
			return false;
		lc->tx_off += k;
		left -= k;
	}
	return true;
}

/* Draining: close @lc gracefully once nothing it asked for is outstanding. */
static void
lg_close_if_drained(struct lg_conn *lc)
{
	if (phase < PH_DRAIN || lc->c == NULL || lc->closing || lc->inflight != 0)
		return;
	lc->closing = true;
	/* in SYN-SENT this ends the connection at once (on_closed runs) */
	tern_close(lc->c);
}

/* ------------------------------------------------------------ responses */

static void
lg_complete(struct lg_conn *lc, bool ok)
{
	struct lg_worker *lw = lc->lw;
	uint64_t now = tern_worker_now(lw->w);

	lc->next_send_us = now + opts.delay_us;
	if (lc->inflight != 0) {
		hdr_record(&lw->lat, now - lc->sent_ts[lc->ts_head]);
		lc->ts_head = (lc->ts_head + 1) % DEPTH_MAX;
		lc->inflight--;
	}
	lw->st.requests++;
	if (!ok)
		lw->st.non2xx++;
	else if (opts.upload)
		lw->st.bytes_up += opts.bytes;
}

/* One response is complete: count it and ask for the next. */
static void
lg_http_done(struct lg_conn *lc)
{
	lc->in_body = false;
	lc->hlen = 0;
	lg_complete(lc, lc->status == 200);
	if (opts.mode == M_HTTP_CLOSE)
		lc->done = true;
	else
		lg_send_more(lc);
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
	if (opts.mode == M_BULK && lc->body_left != (opts.upload ? upload_reply_len : opts.bytes))
		return false;
	lc->in_body = true;
	if (lc->body_left == 0)
		lg_http_done(lc);
	return true;
}

/* Consume HTTP response bytes; @return false on a malformed response. */
static bool
lg_http_input(struct lg_conn *lc, const uint8_t *p, uint32_t n)
{
	while (n != 0) {
		if (lc->in_body) {
			uint32_t take = (uint32_t)RTE_MIN((uint64_t)n, lc->body_left);

			/* an upload's answer says how many bytes the server took */
			if (opts.upload && memcmp(p, upload_reply + upload_reply_len - lc->body_left,
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

/* Check echoed bytes against the pattern, a message at a time (no division
 * per byte: this loop bounds how fast the echo benchmark can go). */
static bool
lg_echo_input(struct lg_conn *lc, const uint8_t *p, uint32_t n)
{
	while (n != 0) {
		uint32_t to_end = opts.size - lc->rx_msg_off;
		uint32_t k = RTE_MIN(RTE_MIN(n, to_end), ECHO_PERIOD);

		if (memcmp(p, echo_run(lc->id, lc->rx_off), k) != 0)
			return false;
		lc->rx_off += k;
		lc->rx_msg_off += k;
		p += k;
		n -= k;
		if (k == to_end) {
			lc->rx_msg_off = 0;
			lg_complete(lc, true);
			lg_send_more(lc);
			lg_close_if_drained(lc);
		}
	}
	return true;
}

/* ------------------------------------------------------------- requests */

/* Queue what the send buffer takes of the upload's body. @return true when all is queued. */
static bool
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

static void
lg_send_more(struct lg_conn *lc)
{
	struct lg_worker *lw = lc->lw;

	if ((phase != PH_RUN && phase != PH_DRAIN) || lc->c == NULL)
		return;
	/* the rest of an upload already under way goes out in the drain too:
	 * its request completes and the connection closes cleanly */
	if (!lg_upload_more(lc) || phase != PH_RUN)
		return;
	while (lc->inflight < opts.depth) {
		uint64_t now = tern_worker_now(lw->w);

		if (now < lc->next_send_us)
			return;         /* --delay-ms: lg_send_due() sends it later */
		if (opts.mode == M_ECHO) {
			if (tern_send_space(lc->c) < opts.size)
				return;
			if (!lg_echo_send(lc)) {
				lc->failed = true;
				return;
			}
			lw->st.bytes_tx += opts.size;
		} else {
			if (tern_send_space(lc->c) < request_len)
				return;
			if (tern_send(lc->c, request, request_len) != (int)request_len) {
				lc->failed = true;
				return;
			}
			lw->st.bytes_tx += request_len;
		}
		lc->sent_ts[(lc->ts_head + lc->inflight) % DEPTH_MAX] = now;
		lc->inflight++;
		if (opts.mode == M_HTTP_CLOSE)
			return;     /* one request per connection */
		lc->up_left = opts.upload ? opts.bytes : 0;
		if (!lg_upload_more(lc))
			return;
	}
}

/* ------------------------------------------------------------ callbacks */

static void
lg_on_connected(struct tern_conn *c, void *arg)
{
	struct lg_conn *lc = arg;

	(void)c;
	lc->established = true;
	lc->lw->warm = true;
	lg_send_more(lc);
}

static void
lg_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct lg_conn *lc = arg;
	bool ok = true;

	for (struct rte_mbuf *s = m; s != NULL && ok; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		lc->lw->st.bytes_rx += s->data_len;
		ok = opts.mode == M_ECHO ? lg_echo_input(lc, p, s->data_len) :
			lg_http_input(lc, p, s->data_len);
	}
	lg_keep_spare(lc->lw, m);
	if (!ok) {
		lc->failed = true;
		tern_abort(c);
		return;
	}
}

static void
lg_on_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	(void)c;
	(void)acked;
	lg_send_more(arg);
}

static void
lg_on_peer_closed(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_close(c);
}

static void
lg_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_worker *lw = lc->lw;

	(void)c;
	lw->open--;
	lc->c = NULL;
	if (lc->failed) {
		lw->st.errors++;        /* a wrong response, whenever it came */
	} else if (reason == TERN_CLOSE_NORMAL && (lc->done || lc->closing)) {
		lw->st.conns_done += lc->done;
	} else if (reason == TERN_CLOSE_RESET || reason == TERN_CLOSE_REFUSED ||
			reason == TERN_CLOSE_TIMEOUT) {
		/* whatever the phase: the peer or the path failed us */
		if (lc->established)
			lw->st.conns_reset++;
		else
			lw->st.conns_failed++;
		lw->st.errors++;
	} else if (phase != PH_DONE && !(phase == PH_DRAIN && reason == TERN_CLOSE_ABORTED)) {
		lw->st.errors++;
	}
}

static const struct tern_conn_ops lg_ops = {
	.on_connected = lg_on_connected,
	.on_recv = lg_on_recv,
	.on_sent = lg_on_sent,
	.on_peer_closed = lg_on_peer_closed,
	.on_closed = lg_on_closed,
};

/* ---------------------------------------------------------- the poll hook */

static void
lg_open(struct lg_worker *lw, struct lg_conn *lc)
{
	uint32_t id = lc->id;

	memset(lc, 0, offsetof(struct lg_conn, hbuf));
	lc->id = id;
	lc->lw = lw;
	/* with --idle, the measured connections keep the first address to
	 * themselves (the idle ones hold the others' ports) */
	lc->c = tern_connect_from(lw->w, opts.idle != 0 ? tern_stack_config(stack)->ip_addr : 0,
			opts.addr, opts.port, &lg_ops, lc);
	if (lc->c == NULL) {
		lw->st.errors++;
		lw->st.conns_failed++;
		lw->last_errno = rte_errno;
		return;
	}
	lw->open++;
	lw->st.conns_opened++;
}

/* The SYN flood: crafted SYNs straight onto the device queue. */
static void
lg_flood(struct lg_worker *lw, uint64_t now)
{
	struct tern_netdev *dev = tern_stack_netdev(stack);
	const struct tern_config *cfg = tern_stack_config(stack);
	struct rte_mbuf *pkts[32];
	uint16_t n = 32, sent;

	if (opts.rate != 0) {
		uint64_t budget;

		if (lw->flood_credit_us == 0)
			lw->flood_credit_us = now;
		budget = (now - lw->flood_credit_us) * opts.rate / 1000000;
		if (budget == 0)
			return;
		n = (uint16_t)RTE_MIN(budget, (uint64_t)32);
		lw->flood_credit_us += n * 1000000 / opts.rate;
	}
	if (rte_pktmbuf_alloc_bulk(tern_worker_pool(lw->w), pkts, n) != 0)
		return;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(pkts[i],
				sizeof(*eh) + 20 + 20);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		uint64_t r = rte_rand();

		memset(eh, 0xff, sizeof(eh->dst_addr));
		rte_ether_addr_copy(&dev->mac, &eh->src_addr);
		eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = RTE_BE16(40);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		/* RFC 2544 benchmark range, never a real host */
		ip->src_addr = rte_cpu_to_be_32(0xc6120000u | (uint32_t)(r & 0x1ffff));
		ip->dst_addr = opts.addr;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		memset(th, 0, sizeof(*th));
		th->src_port = rte_cpu_to_be_16((uint16_t)(1024 + ((r >> 17) % 64000)));
		th->dst_port = rte_cpu_to_be_16(opts.port);
		th->sent_seq = rte_cpu_to_be_32((uint32_t)(r >> 32));
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_SYN_FLAG;
		th->rx_win = RTE_BE16(65535);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
	(void)cfg;
	sent = dev->ops->tx_burst(dev, (uint16_t)tern_worker_id(lw->w), pkts, n);
	lw->st.syn_sent += sent;
	if (sent < n)
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
}

/* @dst += @src, field by field (struct lg_stats is all uint64_t). */
static void
lg_stats_add(struct lg_stats *dst, const struct lg_stats *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *v = (const uint64_t *)src;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += v[i];
}

/* The bulk figure: bytes downloaded, or with --upload bytes the server took. */
static uint64_t
lg_payload_bytes(const struct lg_stats *s)
{
	return opts.upload ? s->bytes_up : s->bytes_rx;
}

static void
lg_report_line(uint64_t now)
{
	struct lg_stats sum = { 0 }, last = { 0 };
	struct tern_stats ts;
	uint32_t open = 0;
	double dt;

	for (unsigned int i = 0; i < nlw; i++) {
		lg_stats_add(&sum, &lws[i].st);
		lg_stats_add(&last, &lws[i].last);
		open += lws[i].open;
		lws[i].last = lws[i].st;
	}
	dt = (now - lws[0].last_us) / 1e6;
	lws[0].last_us = now;
	if (opts.quiet || dt <= 0)
		return;
	/* the stack's own view of trouble: resends and resets, so far */
	tern_stack_stats(stack, &ts);
	fprintf(stderr, "tern-loadgen: %5.1fs req/s %.0f conn/s %.0f Gbit/s %.3f syn/s %.0f"
			" errors %" PRIu64 " open %u rexmt %" PRIu64 " rst in %" PRIu64 " out %"
			PRIu64 "\n", (now - lws[0].start_us) / 1e6,
			(sum.requests - last.requests) / dt, (sum.conns_done - last.conns_done) / dt,
			(lg_payload_bytes(&sum) - lg_payload_bytes(&last)) * 8 / dt / 1e9,
			(sum.syn_sent - last.syn_sent) / dt,
			sum.errors, open, ts.tcp_rexmt_segs, ts.tcp_rst_rcvd, ts.tcp_rst_sent);
}

/* ------------------------------------------------- --idle connections */

static void
idle_on_connected(struct tern_conn *c, void *arg)
{
	struct idle_slot *s = arg;

	(void)c;
	s->established = true;
	s->lw->warm = true;
	s->lw->idle_est++;
}

static void
idle_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct idle_slot *s = arg;

	/* an idle connection is silent both ways */
	rte_pktmbuf_free(m);
	s->lw->st.errors++;
	tern_abort(c);
}

static void
idle_on_peer_closed(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_close(c);
}

static void
idle_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct idle_slot *s = arg;
	struct lg_worker *lw = s->lw;

	(void)c;
	(void)reason;
	s->c = NULL;
	lw->idle_open--;
	lw->idle_failed += !s->established;
	lw->idle_closing -= s->closing;
	/* one lost before the measurement ends is an error */
	if (phase < PH_DRAIN)
		lw->st.errors++;
}

static const struct tern_conn_ops idle_ops = {
	.on_connected = idle_on_connected,
	.on_recv = idle_on_recv,
	.on_peer_closed = idle_on_peer_closed,
	.on_closed = idle_on_closed,
};

/* Open more idle connections, from our 2nd..last addresses in turn (the
 * first stays for the measured ones); a bounded number of handshakes at once. */
static void
lg_idle_open_some(struct lg_worker *lw)
{
	const struct tern_config *cfg = tern_stack_config(stack);
	unsigned int started = 0;

	/* until one connection got through, one at a time: a burst of SYNs to
	 * a next hop still being resolved would overflow ARP's pending queue
	 * and wait a second for the SYN retransmission */
	uint64_t in_flight_max = lw->warm ? 4096 : 1;

	while (lw->idle_started < lw->idle_want &&
			lw->idle_started - lw->idle_est - lw->idle_failed < in_flight_max &&
			started < CONNECTS_PER_ITER) {
		struct idle_slot *s = &lw->idle[lw->idle_started];
		uint32_t saddr = htonl(ntohl(cfg->ip_addr) + 1 + lw->idle_addr);
		struct tern_conn *c;

		s->lw = lw;
		c = tern_connect_from(lw->w, saddr, opts.addr, opts.port, &idle_ops, s);

		if (c == NULL && rte_errno == EADDRNOTAVAIL &&
				lw->idle_addr + 2 < cfg->ip_addr_count) {
			lw->idle_addr++;          /* this address's ports are used up */
			continue;
		}
		if (c == NULL) {
			/* pairs used up (EADDRNOTAVAIL), no control block (ENOMEM:
			 * [tcp] max_conns), no route: hold what we have and go on */
			fprintf(stderr, "tern-loadgen: worker %u stops opening idle connections "
					"after %" PRIu64 ": %s%s\n", tern_worker_id(lw->w),
					lw->idle_started, rte_strerror(rte_errno),
					rte_errno == EADDRNOTAVAIL ? " (raise [ipv4] address_count or "
					"widen [tcp] port_min..port_max)" : "");
			lw->st.errors++;
			lw->last_errno = rte_errno;
			lw->idle_want = lw->idle_started;
			return;
		}
		s->c = c;
		lw->idle_started++;
		lw->idle_open++;
		started++;
	}
}

/* @lw's polls_busy_us (worker 0 reads the others' at the run's start and end). */
static uint64_t
lg_busy_us(const struct lg_worker *lw)
{
	return __atomic_load_n(&tern_worker_stats(lw->w)->polls_busy_us, __ATOMIC_RELAXED);
}

/* @lw's time on frames since its run started (0 if it has not started). */
static uint64_t
lg_busy_since_start(const struct lg_worker *lw)
{
	uint64_t now = lg_busy_us(lw);

	return lw->start_us != 0 && now > lw->busy0_us ? now - lw->busy0_us : 0;
}

/* The measured run starts for @lw: its clock, and its load from here. */
static void
lg_start_clock(struct lg_worker *lw, uint64_t now)
{
	lw->start_us = lw->last_us = lw->next_report_us = now;
	lw->busy0_us = lg_busy_us(lw);
}

/* Worker 0: every worker holds its idle connections: the measurement starts. */
static void
lg_idle_check(uint64_t now)
{
	for (unsigned int i = 0; i < nlw; i++) {
		const struct lg_worker *lw = &lws[i];

		/* every connection started, none still in its handshake */
		if (__atomic_load_n(&lw->idle_started, __ATOMIC_RELAXED) < lw->idle_want ||
				__atomic_load_n(&lw->idle_est, __ATOMIC_RELAXED) +
				__atomic_load_n(&lw->idle_failed, __ATOMIC_RELAXED) < lw->idle_want)
			return;
	}
	idle_setup_us = now - lws[0].start_us;
	if (!opts.quiet)
		fprintf(stderr, "tern-loadgen: %" PRIu64 " idle connections open in %.2f s\n",
				opts.idle, idle_setup_us / 1e6);
	for (unsigned int i = 0; i < nlw; i++)
		lg_start_clock(&lws[i], now);
	__atomic_store_n(&phase, PH_RUN, __ATOMIC_RELEASE);
}

/* Draining: close the idle connections, paced like their opening: a million
 * FINs at once (each answered by an ACK and a FIN) would overflow the device
 * queues, a poll reading only a burst of frames, and wait for RTOs. */
static void
lg_idle_close_some(struct lg_worker *lw)
{
	unsigned int n = 0;

	while (lw->idle_closed_upto < lw->idle_started && lw->idle_closing < 4096 &&
			n < CONNECTS_PER_ITER / 4) {
		struct idle_slot *s = &lw->idle[lw->idle_closed_upto++];

		if (s->c == NULL)
			continue;
		s->closing = true;
		lw->idle_closing++;
		n++;
		tern_close(s->c);     /* on_closed follows (at once in SYN-SENT) */
	}
}

/* Worker 0: has the run reached --requests or --duration? */
static bool
lg_run_over(uint64_t now)
{
	if (opts.requests != 0) {
		uint64_t r = 0;

		for (unsigned int i = 0; i < nlw; i++)
			r += lws[i].st.requests;
		if (r >= opts.requests)
			return true;
	}
	return duration_us != 0 && now - lws[0].start_us >= duration_us;
}

/* Worker 0: freeze the figures and start the drain. */
static void
lg_begin_drain(uint64_t now)
{
	struct tern_stats ts;

	memset(&frozen, 0, sizeof(frozen));
	for (unsigned int i = 0; i < nlw; i++)
		lg_stats_add(&frozen, &lws[i].st);
	tern_stack_stats(stack, &ts);
	frozen_frames_tx = ts.tx_frames;
	frozen_frames_rx = ts.rx_frames;
	for (unsigned int i = 0; i < nlw; i++)
		lws[i].busy_run_us = lg_busy_since_start(&lws[i]);
	idle_held = 0;
	for (unsigned int i = 0; i < nlw; i++)
		idle_held += lws[i].idle_open;
	drain_start_us = now;
	drain_end_us = now + drain_us;
	__atomic_store_n(&phase, PH_DRAIN, __ATOMIC_RELEASE);
}

/* Every worker, draining: close idle connections once, abort the rest at the end. */
static void
lg_drain(struct lg_worker *lw, uint64_t now)
{
	if (!lw->drain_started) {
		lw->drain_started = true;
		for (uint32_t i = 0; i < lw->nconns; i++)
			lg_close_if_drained(&lw->conns[i]);
	}
	lg_idle_close_some(lw);
	if (now < drain_end_us || (lw->open == 0 && lw->idle_open == 0))
		return;
	for (uint32_t i = 0; i < lw->nconns; i++)
		if (lw->conns[i].c != NULL) {
			lw->left_open++;
			if (!lw->conns[i].established) {
				/* opening for the whole drain: its SYN went unanswered */
				lw->st.conns_failed++;
				lw->st.errors++;
			}
			tern_abort(lw->conns[i].c);
		}
	for (uint64_t i = 0; i < lw->idle_started; i++)
		if (lw->idle[i].c != NULL) {
			lw->left_open++;
			tern_abort(lw->idle[i].c);
		}
}

/* Worker 0: stop the stack when every worker's connections are gone. */
static void
lg_stop_when_drained(void)
{
	for (unsigned int i = 0; i < nlw; i++)
		if (__atomic_load_n(&lws[i].open, __ATOMIC_RELAXED) != 0 ||
				__atomic_load_n(&lws[i].idle_open, __ATOMIC_RELAXED) != 0)
			return;
	__atomic_store_n(&phase, PH_DONE, __ATOMIC_RELEASE);
	tern_stack_stop(stack);
}

/* Keep N connections open (http-close cycles them); scan only when a slot is free. */
static void
lg_refill(struct lg_worker *lw)
{
	unsigned int started = 0;

	/* one connection first, as for --idle: the others wait for its MAC */
	uint32_t open_max = lw->warm ? lw->nconns : 1;

	for (uint32_t i = 0; lw->open < open_max && i < lw->nconns &&
			started < CONNECTS_PER_ITER; i++) {
		if (lw->conns[i].c != NULL)
			continue;
		lg_open(lw, &lw->conns[i]);
		started++;
	}
}

/* --delay-ms: the connections whose pause is over send their next request. */
static void
lg_send_due(struct lg_worker *lw, uint64_t now)
{
	for (uint32_t i = 0; i < lw->nconns; i++) {
		struct lg_conn *lc = &lw->conns[i];

		if (lc->c != NULL && lc->inflight < opts.depth && now >= lc->next_send_us)
			lg_send_more(lc);
	}
}

static void
lg_hook(struct tern_worker *w, uint64_t now, void *arg)
{
	struct lg_worker *lw = arg;

	if (lw->start_us == 0)
		lg_start_clock(lw, now);
	if (opts.bridge != NULL && lw == &lws[0])
		lg_bridge_poll(tern_stack_netdev(stack), (uint16_t)tern_worker_id(w));
	if (phase == PH_IDLE) {
		lg_idle_open_some(lw);
		if (lw == &lws[0])
			lg_idle_check(now);
		if (lw == &lws[0] && !opts.quiet && now >= lw->next_report_us + 1000000) {
			uint64_t est = 0, errs = 0;
			int e = 0;

			lw->next_report_us = now;
			for (unsigned int i = 0; i < nlw; i++) {
				est += lws[i].idle_est;
				errs += lws[i].st.errors;
				e = lws[i].last_errno != 0 ? lws[i].last_errno : e;
			}
			fprintf(stderr, "tern-loadgen: %5.1fs idle connections %" PRIu64 " of %"
					PRIu64 ", errors %" PRIu64 "%s%s\n", (now - lw->start_us) / 1e6,
					est, opts.idle, errs, e != 0 ? ", last connect error: " : "",
					e != 0 ? rte_strerror(e) : "");
		}
		return;
	}
	if (lw == &lws[0] && phase == PH_RUN && lg_run_over(now))
		lg_begin_drain(now);
	if (phase == PH_RUN) {
		if (opts.mode == M_SYN_FLOOD || opts.flood)
			lg_flood(lw, now);
		if (opts.mode != M_SYN_FLOOD)
			lg_refill(lw);
		if (opts.delay_us != 0)
			lg_send_due(lw, now);
	} else if (phase == PH_DRAIN) {
		lg_free_spare(lw);
		lg_drain(lw, now);
		if (lw == &lws[0])
			lg_stop_when_drained();
	}
	if (lw == &lws[0] && now >= lw->next_report_us + 1000000) {
		lw->next_report_us = now;
		lg_report_line(now);
	}
}

/* ---------------------------------------------------------------- setup */

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- --config FILE --target A.B.C.D:PORT --mode MODE [options]\n"
		"  --mode M        echo | http | http-close | bulk | syn-flood (default http)\n"
		"  --conns N       connections (default 64)\n"
		"  --size BYTES    echo message size (default 64)\n"
		"  --depth D       requests in flight per connection (default 1, max 64)\n"
		"  --path P        HTTP path (default /)\n"
		"  --bytes N       bulk: bytes per download (default 1 MiB, tern-httpd serves <= 64 MiB)\n"
		"  --upload        bulk: POST --bytes to /echo instead (tern-httpd --max-body),\n"
		"                  each answer checked (\"received N bytes\")\n"
		"  --duration SEC  run time (default until SIGINT, or --requests)\n"
		"  --requests N    stop after N responses\n"
		"  --idle N        first open N connections that stay silent, from the\n"
		"                  config's 2nd..last addresses ([ipv4] address_count), and\n"
		"                  hold them through the measurement (the measured ones use\n"
		"                  the first address)\n"
		"  --delay-ms MS   http, echo: pause MS after each response before the\n"
		"                  next request on that connection (a moderate, steady\n"
		"                  rate for latency: as wrk's delay())\n"
		"  --wait-link SEC wait up to SEC for the port's link before starting (a\n"
		"                  memif server's link is up once its peer connects);\n"
		"                  exit 1 if it is still down\n"
		"  --linger        after the summary keep the port open, workers stopped,\n"
		"                  until SIGINT or SIGTERM (a memif pair's harness closes\n"
		"                  the other end first)\n"
		"  --drain-ms MS   at the end, wait up to MS for connections to close\n"
		"                  gracefully before aborting them (default 1000)\n"
		"  --rate PPS      syn-flood rate (0: as fast as possible)\n"
		"  --flood PPS     also flood SYNs at PPS (0: flat out) during another mode\n"
		"  --bridge DEV    send what DPDK device DEV receives out of our port as it\n"
		"                  is (worker 0's queue): a third-party generator beside us\n"
		"  --json          print the summary as JSON\n"
		"  --quiet         no live line\n", prog);
}

static void
parse_args(struct app_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "target", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' }, { "conns", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' }, { "depth", required_argument, NULL, 'D' },
		{ "path", required_argument, NULL, 'p' }, { "bytes", required_argument, NULL, 'b' },
		{ "upload", no_argument, NULL, 'U' },
		{ "duration", required_argument, NULL, 'd' },
		{ "drain-ms", required_argument, NULL, 'e' },
		{ "wait-link", required_argument, NULL, 'L' },
		{ "delay-ms", required_argument, NULL, 'w' },
		{ "idle", required_argument, NULL, 'i' },
		{ "requests", required_argument, NULL, 'r' }, { "rate", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
		{ "flood", required_argument, NULL, 'F' }, { "linger", no_argument, NULL, 'G' },
		{ "bridge", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:t:m:n:s:D:p:b:Ud:e:L:w:i:r:R:F:B:jqGh", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': ctx->config_path = optarg; break;
		case 't': app_parse_addr_port(ctx->name, "--target", optarg, &opts.addr, &opts.port); break;
		case 'm':
			if (strcmp(optarg, "echo") == 0) opts.mode = M_ECHO;
			else if (strcmp(optarg, "http") == 0) opts.mode = M_HTTP;
			else if (strcmp(optarg, "http-close") == 0) opts.mode = M_HTTP_CLOSE;
			else if (strcmp(optarg, "bulk") == 0) opts.mode = M_BULK;
			else if (strcmp(optarg, "syn-flood") == 0) opts.mode = M_SYN_FLOOD;
			else {
				fprintf(stderr, "tern-loadgen: --mode: unknown '%s'\n", optarg);
				exit(APP_EXIT_USAGE);
			}
			break;
		case 'n': opts.conns = (uint32_t)app_parse_u64("tern-loadgen", "--conns", optarg, 1, 4000000); break;
		case 's': opts.size = (uint32_t)app_parse_u64("tern-loadgen", "--size", optarg, 1, 1 << 20); break;
		case 'D': opts.depth = (uint32_t)app_parse_u64("tern-loadgen", "--depth", optarg, 1, DEPTH_MAX); break;
		case 'p': opts.path = optarg; break;
		case 'b': opts.bytes = app_parse_u64("tern-loadgen", "--bytes", optarg, 1, 1ull << 40); break;
		case 'U': opts.upload = true; break;
		case 'd': duration_us = app_parse_u64("tern-loadgen", "--duration", optarg, 1, 86400) * 1000000; break;
		case 'e': drain_us = app_parse_u64("tern-loadgen", "--drain-ms", optarg, 0, 600000) * 1000; break;
		case 'L':
			wait_link_ms = (unsigned int)app_parse_u64("tern-loadgen", "--wait-link", optarg,
					0, 600) * 1000;
			break;
		case 'w': opts.delay_us = app_parse_u64("tern-loadgen", "--delay-ms", optarg, 0, 60000) * 1000; break;
		case 'r': opts.requests = app_parse_u64("tern-loadgen", "--requests", optarg, 1, UINT64_MAX); break;
		case 'R': opts.rate = app_parse_u64("tern-loadgen", "--rate", optarg, 0, 1ull << 32); break;
		case 'F':
			opts.rate = app_parse_u64("tern-loadgen", "--flood", optarg, 0, 1ull << 32);
			opts.flood = true;
			break;
		case 'i': opts.idle = app_parse_u64("tern-loadgen", "--idle", optarg, 0, 16000000); break;
		case 'j': opts.json = true; break;
		case 'q': opts.quiet = true; break;
		case 'G': ctx->linger = true; break;
		case 'B': opts.bridge = optarg; break;
		case 'h': usage(ctx->name); exit(0);
		default: usage(ctx->name); exit(APP_EXIT_USAGE);
		}
	}
	if (optind != argc || opts.addr == 0) {
		fprintf(stderr, "tern-loadgen: %s\n", opts.addr == 0 ? "--target is required" :
				"unexpected argument");
		exit(APP_EXIT_USAGE);
	}
	if (opts.upload && opts.mode != M_BULK) {
		fprintf(stderr, "tern-loadgen: --upload goes with --mode bulk\n");
		exit(APP_EXIT_USAGE);
	}
	if (opts.delay_us != 0 && opts.mode != M_HTTP && opts.mode != M_ECHO) {
		fprintf(stderr, "tern-loadgen: --delay-ms goes with --mode http or echo\n");
		exit(APP_EXIT_USAGE);
	}
}

/*
 * The share of the measured run the workers spent on frames (their
 * polls_busy_us over the run, all workers together): near 100, tern-loadgen
 * itself may be what limits the figures. Iterations that received nothing
 * count as idle even when the hook worked in them (opening connections,
 * --delay-ms sends), so light, timer-driven runs read low.
 */
static double
lg_busy_pct(double secs)
{
	uint64_t busy = 0;

	for (unsigned int i = 0; i < nlw; i++)
		busy += phase >= PH_DRAIN ? lws[i].busy_run_us : lg_busy_since_start(&lws[i]);
	return 100.0 * (double)busy / (secs * 1e6 * nlw);
}

static void
print_summary(double secs)
{
	struct lg_stats s = { 0 };
	struct tern_stats ts;
	struct lg_bridge_stats br;
	struct hdr_hist *lat = calloc(1, sizeof(*lat));

	struct lg_stats end = { 0 };
	uint32_t left_open = 0;
	char per_worker[4096] = "";

	if (lat == NULL)
		return;
	lg_bridge_stats(&br);
	hdr_init(lat);
	for (unsigned int i = 0; i < nlw; i++) {
		lg_stats_add(&end, &lws[i].st);
		hdr_merge(lat, &lws[i].lat);
		left_open += lws[i].left_open;
	}
	/* the measured figures stop where the drain began; errors count to the end */
	s = phase < PH_DRAIN ? end : frozen;
	s.errors = end.errors;
	if (secs <= 0)
		secs = 1e-9;
	tern_stack_stats(stack, &ts);
	if (phase >= PH_DRAIN) {
		ts.tx_frames = frozen_frames_tx;
		ts.rx_frames = frozen_frames_rx;
	}
	for (unsigned int i = 0, off = 0; i < nlw && off < sizeof(per_worker); i++)
		off += (unsigned int)snprintf(per_worker + off, sizeof(per_worker) - off,
				"%s{\"conns_opened\": %" PRIu64 ", \"conns_done\": %" PRIu64
				", \"requests\": %" PRIu64 "}", i != 0 ? ", " : "",
				lws[i].st.conns_opened, lws[i].st.conns_done, lws[i].st.requests);
	if (opts.json) {
		printf("{\"seconds\": %.3f, \"requests\": %" PRIu64 ", \"requests_per_s\": %.1f, "
			"\"conns_opened\": %" PRIu64 ", \"conns_done\": %" PRIu64 ", \"conns_per_s\": %.1f, "
			"\"conns_failed\": %" PRIu64 ", \"conns_reset\": %" PRIu64 ", "
			"\"bytes_rx\": %" PRIu64 ", \"gbit_per_s\": %.4f, \"errors\": %" PRIu64 ", "
			"\"non2xx\": %" PRIu64 ", \"syn_sent\": %" PRIu64 ", \"syn_per_s\": %.1f, "
			"\"frames_tx_per_s\": %.1f, \"frames_rx_per_s\": %.1f, "
			"\"conns_closed_in_drain\": %" PRIu64 ", \"left_open\": %" PRIu32 ", "
			"\"idle_held\": %" PRIu64 ", \"idle_setup_s\": %.3f, \"busy_pct\": %.1f, "
			"\"retransmits\": %" PRIu64 ", \"rst_rcvd\": %" PRIu64 ", "
			"\"rst_sent\": %" PRIu64 ", "
			"\"bridge_rx\": %" PRIu64 ", \"bridge_tx\": %" PRIu64 ", "
			"\"bridge_dropped\": %" PRIu64 ", "
			"\"workers\": [%s], "
			"\"lat_us\": {\"p50\": %" PRIu64 ", \"p90\": %" PRIu64 ", \"p99\": %" PRIu64
			", \"p999\": %" PRIu64 ", \"max\": %" PRIu64 "}}\n",
			secs, s.requests, s.requests / secs, s.conns_opened, s.conns_done,
			s.conns_done / secs, end.conns_failed, end.conns_reset, s.bytes_rx,
			lg_payload_bytes(&s) * 8 / secs / 1e9, s.errors, s.non2xx,
			s.syn_sent, s.syn_sent / secs, ts.tx_frames / secs, ts.rx_frames / secs,
			end.conns_done - s.conns_done, left_open, idle_held, idle_setup_us / 1e6,
			lg_busy_pct(secs), ts.tcp_rexmt_segs, ts.tcp_rst_rcvd, ts.tcp_rst_sent,
			br.rx, br.tx, br.dropped, per_worker,
			hdr_percentile(lat, 50), hdr_percentile(lat, 90),
			hdr_percentile(lat, 99), hdr_percentile(lat, 99.9), lat->total ? lat->max : 0);
	} else {
		printf("tern-loadgen: %.2f s, %" PRIu64 " requests (%.0f/s), %" PRIu64
			" connections done (%.0f/s), %.3f Gbit/s %s, %" PRIu64 " errors, %" PRIu64
			" non-2xx, %" PRIu64 " SYNs sent (%.0f/s)\n", secs, s.requests, s.requests / secs,
			s.conns_done, s.conns_done / secs, lg_payload_bytes(&s) * 8 / secs / 1e9,
			opts.upload ? "uploaded" : "received", s.errors,
			s.non2xx, s.syn_sent, s.syn_sent / secs);
		printf("tern-loadgen: connections: %" PRIu64 " opened, %" PRIu64 " failed to open, %"
			PRIu64 " reset, %" PRIu32 " left open after the drain\n", end.conns_opened,
			end.conns_failed, end.conns_reset, left_open);
		printf("tern-loadgen: segments retransmitted %" PRIu64 ", RSTs received %" PRIu64
			" (ending a connection), sent %" PRIu64 "\n", ts.tcp_rexmt_segs,
			ts.tcp_rst_rcvd, ts.tcp_rst_sent);
		printf("tern-loadgen: latency us p50 %" PRIu64 " p90 %" PRIu64 " p99 %" PRIu64
			" p99.9 %" PRIu64 " max %" PRIu64 "\n", hdr_percentile(lat, 50),
			hdr_percentile(lat, 90), hdr_percentile(lat, 99), hdr_percentile(lat, 99.9),
			lat->total ? lat->max : 0);
		if (opts.bridge != NULL)
			printf("tern-loadgen: bridge: %" PRIu64 " frames received, %" PRIu64
				" sent on, %" PRIu64 " dropped\n", br.rx, br.tx, br.dropped);
	}
	free(lat);
}

int
main(int argc, char **argv)
{
	struct app_ctx ctx = { .name = "tern-loadgen", .config_path = "config/memif-client.conf" };
	int eal_argc = app_eal_argc(argc, argv);
	uint64_t t0, t1;
	bool oom = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (eal_argc < 0) {
		usage(argv[0]);
		return APP_EXIT_USAGE;
	}
	parse_args(&ctx, argc - eal_argc, argv + eal_argc);
	if (opts.mode == M_BULK && opts.upload) {
		snprintf(request, sizeof(request), "POST /echo HTTP/1.1\r\nHost: tern\r\n"
				"Content-Length: %" PRIu64 "\r\n\r\n", opts.bytes);
		snprintf(upload_reply, sizeof(upload_reply), "received %" PRIu64 " bytes\n",
				opts.bytes);
		upload_reply_len = strlen(upload_reply);
		for (size_t i = 0; i < sizeof(upload_buf); i++)
			upload_buf[i] = pattern_byte(i);
	} else if (opts.mode == M_ECHO) {
		echo_pattern_fill();
	} else if (opts.mode == M_BULK)
		snprintf(request, sizeof(request), "GET /bytes/%" PRIu64 " HTTP/1.1\r\nHost: tern\r\n"
				"\r\n", opts.bytes);
	else if (opts.mode == M_HTTP_CLOSE)
		snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: tern\r\n"
				"Connection: close\r\n\r\n", opts.path);
	else
		snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: tern\r\n\r\n", opts.path);
	request_len = strlen(request);
	app_load_config(&ctx);
	app_start(&ctx, eal_argc, argv);
	stack = ctx.stack;
	if (wait_link_ms != 0 && !app_wait_link(&ctx, wait_link_ms)) {
		if (tern_stack_stopping(stack))
			fprintf(stderr, "tern-loadgen: stopped while waiting for the link\n");
		else
			fprintf(stderr, "tern-loadgen: --wait-link: link still down after %u s\n",
					wait_link_ms / 1000);
		app_finish(&ctx, NULL);
		return 1;
	}
	nlw = tern_stack_worker_count(stack);
	if (opts.idle != 0 && ctx.cfg.ip_addr_count < 2) {
		fprintf(stderr, "tern-loadgen: --idle needs [ipv4] address_count >= 2 in %s\n",
				ctx.config_path);
		app_finish(&ctx, NULL);
		return APP_EXIT_USAGE;
	}
	lws = rte_zmalloc("lg_workers", nlw * sizeof(lws[0]), RTE_CACHE_LINE_SIZE);
	for (unsigned int i = 0; lws != NULL && i < nlw; i++) {
		struct lg_worker *lw = &lws[i];

		lw->w = tern_stack_worker(stack, i);
		lw->nconns = opts.conns / nlw + (i < opts.conns % nlw);
		lw->conns = rte_zmalloc("lg_conns", (lw->nconns + 1) * sizeof(lw->conns[0]), 0);
		if (lw->conns == NULL) {
			oom = true;
			break;
		}
		for (uint32_t k = 0; k < lw->nconns; k++) {
			lw->conns[k].id = i * 1000003u + k;
			lw->conns[k].lw = lw;
		}
		hdr_init(&lw->lat);
		lw->idle_want = opts.idle / nlw + (i < opts.idle % nlw);
		if (lw->idle_want != 0) {
			lw->idle = rte_zmalloc("lg_idle", lw->idle_want * sizeof(lw->idle[0]), 0);
			if (lw->idle == NULL) {
				oom = true;
				break;
			}
		}
		tern_worker_set_poll_hook(lw->w, lg_hook, lw);
	}
	if (lws == NULL || oom) {
		fprintf(stderr, "tern-loadgen: out of memory\n");
		return 1;
	}
	if (opts.bridge != NULL && lg_bridge_open(opts.bridge) < 0) {
		app_finish(&ctx, NULL);
		return 1;
	}
	if (opts.idle != 0)
		phase = PH_IDLE;
	t0 = tern_clock_us();
	app_run(&ctx);
	t1 = tern_clock_us();
	for (unsigned int i = 0; i < nlw; i++)
		lg_free_spare(&lws[i]);     /* a run stopped before its drain */
	/* the measurement starts after any --idle setup and ends at the drain */
	if (phase >= PH_RUN && lws[0].start_us != 0)
		t0 = lws[0].start_us;
	if (phase >= PH_DRAIN)
		t1 = drain_start_us;
	print_summary((t1 - t0) / 1e6);
	return app_finish(&ctx, lg_bridge_close);
}
