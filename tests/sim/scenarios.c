/* SPDX-License-Identifier: BSD-3-Clause */
/* Seeded workloads and their invariants; see scenarios.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "scenarios.h"

/* --------------------------------------------------------------- profiles */

#define D1MS .delay_us = 1000

const struct sim_profile sim_profiles[] = {
	{ "clean",   "no faults, 1 ms one way", { D1MS } },
	{ "loss1",   "1% loss each way", { D1MS, .drop = 0.01 } },
	{ "loss5",   "5% loss each way", { D1MS, .drop = 0.05 } },
	{ "loss20",  "20% loss each way", { D1MS, .drop = 0.20 } },
	{ "reorder", "10% of frames held back 1..3 ms", { D1MS, .reorder = 0.10,
		.reorder_us = 3000 } },
	{ "dup",     "5% of frames delivered twice", { D1MS, .dup = 0.05 } },
	{ "corrupt", "3% of frames with one bit flipped", { D1MS, .corrupt = 0.03 } },
	{ "mixed",   "2% loss, 2% dup, 5% reorder (2 ms), 1% corrupt, 300 us jitter",
		{ D1MS, .drop = 0.02, .dup = 0.02, .reorder = 0.05, .reorder_us = 2000,
		  .corrupt = 0.01, .jitter_us = 300 } },
	{ "bw",      "20 Mbit/s, 16-frame queue (tail drop), 2 ms one way",
		{ .delay_us = 2000, .rate_bps = 20000000, .queue_frames = 16 } },
};
const unsigned int sim_n_profiles = RTE_DIM(sim_profiles);

const struct sim_profile *
sim_profile_find(const char *name)
{
	for (unsigned int i = 0; i < sim_n_profiles; i++)
		if (strcmp(sim_profiles[i].name, name) == 0)
			return &sim_profiles[i];
	return NULL;
}

static const char *const wl_names[SIM_WL_N] = { "echo", "bulk", "short", "both" };

const char *
sim_workload_name(int wl)
{
	return wl >= 0 && wl < SIM_WL_N ? wl_names[wl] : "?";
}

int
sim_workload_parse(const char *name)
{
	for (int i = 0; i < SIM_WL_N; i++)
		if (strcmp(wl_names[i], name) == 0)
			return i;
	return -1;
}

static const char *const spread_names[TERN_SIM_SPREAD_N] = {
	[TERN_SIM_SPREAD_QUEUE0] = "queue0",
	[TERN_SIM_SPREAD_RSS] = "rss",
	[TERN_SIM_SPREAD_FLOW] = "flow",
	[TERN_SIM_SPREAD_RANDOM] = "random",
};

const char *
sim_spread_name(int spread)
{
	return spread >= 0 && spread < TERN_SIM_SPREAD_N ? spread_names[spread] : "?";
}

int
sim_workers_parse(const char *s, struct sim_opts *o)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;

	if (*end == 'x')
		b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || a < 1 || a > SIM_WORKERS_MAX || b < 1 || b > SIM_WORKERS_MAX)
		return -1;
	o->workers = (unsigned int)a;
	o->workers_b = b != a ? (unsigned int)b : 0;
	return 0;
}

const char *
sim_workers_str(const struct sim_opts *o, char *buf, size_t len)
{
	if (o->workers_b != 0)
		snprintf(buf, len, "%ux%u", o->workers, o->workers_b);
	else
		snprintf(buf, len, "%u", o->workers);
	return buf;
}

int
sim_spread_parse(const char *name)
{
	for (int i = 0; i < TERN_SIM_SPREAD_N; i++)
		if (strcmp(spread_names[i], name) == 0)
			return i;
	return -1;
}

void
sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->bulk_bytes = 8u << 20;
	o->echo_bytes = 256u << 10;
	o->short_conns = 200;
	o->short_parallel = 16;
	o->cc = SIM_CC_BY_SEED;
	o->bulk_dir = -1;
	/* 20% loss each way stretches an 8 MiB transfer to about 17 virtual
	 * hours (the RTO sits at its 60 s ceiling); virtual time is cheap */
	o->deadline_us = 36ull * 3600 * 1000000;
	o->max_frames = 200000;     /* an 8 MiB bulk at 20% loss needs ~15000 */
	o->workers = 1;
	o->spread = TERN_SIM_SPREAD_QUEUE0;
	o->n_workloads = SIM_WL_CLASSIC;
	/* TERN_SIM_FAMILY=6: the connections over IPv6 (meson's matrix6-*) */
	o->ip6 = getenv("TERN_SIM_FAMILY") != NULL && strcmp(getenv("TERN_SIM_FAMILY"), "6") == 0;
	/* TERN_SIM_MTU=9000: jumbo frames end to end (meson's matrix-jumbo) */
	o->mtu = getenv("TERN_SIM_MTU") != NULL ? (uint16_t)atoi(getenv("TERN_SIM_MTU")) : 0;
	/* TERN_SIM_OFFLOADS=1: both devices cut frames of many segments, both
	 * stacks coalesce what they receive (meson's matrix-offloads) */
	o->tso = getenv("TERN_SIM_OFFLOADS") != NULL &&
		strcmp(getenv("TERN_SIM_OFFLOADS"), "1") == 0;
}

/* --------------------------------------------------------------- patterns */

/* Byte @off of stream @key: 64-bit words of splitmix64(key, word index). */
static inline uint64_t
pat_word(uint64_t key, uint64_t word)
{
	return sim_mix64(key ^ (word * 0xd6e8feb86659fd93ull));
}

static void
pat_fill(uint8_t *dst, uint64_t key, uint64_t off, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint64_t o = off + i, w = pat_word(key, o >> 3);
		uint32_t b = (uint32_t)(o & 7);

		for (; b < 8 && i < len; b++, i++)
			dst[i] = (uint8_t)(w >> (8 * b));
	}
}

/* @return the first offset in [0, len) where @p data differs, or -1. */
static int64_t
pat_check(const uint8_t *data, uint64_t key, uint64_t off, uint32_t len)
{
	uint8_t want[2048];
	uint32_t done = 0;

	while (done < len) {
		uint32_t n = RTE_MIN(len - done, (uint32_t)sizeof(want));

		pat_fill(want, key, off + done, n);
		if (memcmp(want, data + done, n) != 0)
			for (uint32_t i = 0; i < n; i++)
				if (want[i] != data[done + i])
					return done + i;
		done += n;
	}
	return -1;
}

/* ------------------------------------------------------------------- apps */

#define PORT_ECHO  7
#define PORT_BULK  5001
#define PORT_SHORT 8080
#define ECHO_OUTSTANDING (32u << 10)
#define ECHO_PEND_CAP    (256u << 10)
#define SHORT_HDR 8
#define STAGE 65536

struct app;

struct rec {
	struct app *app;
	struct tern_conn *c;
	uint8_t side;                /* the stack: 0 A, 1 B */
	bool client;                 /* opened it (else accepted it) */
	uint32_t id;                 /* index in app->recs */
	uint32_t idx;                /* short, both: connection number */
	uint16_t lport, rport;       /* its ports, host order */
	unsigned int connected, peer_closed, closed;
	int reason;
	uint64_t closed_at;
	/* sending */
	uint64_t tx_key, tx_total, tx_queued, tx_acked;
	uint8_t tx_prefix[SHORT_HDR];
	uint32_t tx_prefix_len;
	bool tx_close;               /* close once everything is queued */
	bool want_close;             /* peer closed: close once everything is queued */
	bool closing;                /* tern_close called */
	bool echo;                   /* server of echo: sends what it receives */
	bool late_rst;               /* reset in LAST_ACK after the peer's TIME_WAIT */
	/* receiving */
	uint64_t rx_key, rx_total, rx_got;
	bool rx_known;               /* rx_total known (short server: after the header) */
	uint8_t hdr[SHORT_HDR];
	uint32_t rx_prefix_len;      /* bytes of header before the pattern */
	/* echo server */
	uint8_t *pend;
	uint32_t pend_len;
};

struct app;

/* A listener's argument: which stack accepts. */
struct lsn {
	struct app *app;
	int side;
};

struct app {
	struct sim_world *w;
	const struct sim_opts *o;
	struct sim_result *r;
	int wl;
	uint64_t seed, rng;
	struct rec *recs;
	uint32_t n_recs, cap;
	uint32_t n_planned;          /* connections to make, both sides */
	/* per stack: connections it opens (planned, started, open, closed)
	 * and accepts (accepted, closed) */
	uint32_t planned[2], started[2], active[2], client_closed[2];
	uint32_t accepted[2], server_closed[2];
	struct lsn lsn[2];
	uint16_t port;
	int bulk_dir;
	bool failed;
	bool no_rst;                 /* a wire that loses, duplicates and reorders
	                                nothing: not even a stray RST */
	uint8_t stage[STAGE];
};

static void
app_fail(struct app *a, const char *fmt, ...)
{
	va_list ap;

	if (a->failed)
		return;
	a->failed = true;
	va_start(ap, fmt);
	vsnprintf(a->r->why, sizeof(a->r->why), fmt, ap);
	va_end(ap);
}

static struct rec *
rec_new(struct app *a, struct tern_conn *c, int side, bool client)
{
	struct rec *r;

	/* callbacks hold rec pointers: the array is sized once, never moved */
	if (a->n_recs == a->cap)
		return NULL;
	r = &a->recs[a->n_recs];
	memset(r, 0, sizeof(*r));
	r->app = a;
	r->c = c;
	r->side = (uint8_t)side;
	r->client = client;
	r->id = a->n_recs++;
	return r;
}

static uint64_t
stream_key(const struct app *a, uint32_t idx, uint32_t which)
{
	return sim_mix64(a->seed * 0x100000001b3ull ^ ((uint64_t)idx << 8) ^ which);
}

/* short: request body and reply lengths of connection @idx */
static uint32_t
short_req_len(const struct app *a, uint32_t idx)
{
	return 1 + (uint32_t)(sim_mix64(stream_key(a, idx, 7)) % 2000);
}

static uint32_t
short_rep_len(const struct app *a, uint32_t idx)
{
	return 1 + (uint32_t)(sim_mix64(stream_key(a, idx, 9)) % 4000);
}

static const char *
side_name(const struct rec *r)
{
	return r->side == 0 ? "A" : "B";
}

/* request/reply workloads: short, and short both ways */
static bool
wl_short(const struct app *a)
{
	return a->wl == SIM_WL_SHORT || a->wl == SIM_WL_BOTH;
}

/* both: A opens the even connections, B the odd ones */
static int
opener_of(const struct app *a, uint32_t idx)
{
	return a->wl == SIM_WL_BOTH ? (int)(idx & 1) : 0;
}

static void
rec_close(struct rec *r)
{
	int rc;

	if (r->closing || r->closed)
		return;
	r->closing = true;
	rc = tern_close(r->c);
	if (rc != 0)
		app_fail(r->app, "%s conn %u: tern_close: %s", side_name(r), r->idx, strerror(-rc));
}

/* Queue what the connection may send now, and close when it is time. */
static void
pump(struct rec *r)
{
	struct app *a = r->app;

	if (r->closed || r->closing)
		return;
	if (r->echo) {
		while (r->pend_len != 0) {
			int n = tern_send(r->c, r->pend, r->pend_len);

			if (n < 0) {
				app_fail(a, "B echo: tern_send: %s", strerror(-n));
				return;
			}
			if (n == 0)
				break;
			memmove(r->pend, r->pend + n, r->pend_len - (uint32_t)n);
			r->pend_len -= (uint32_t)n;
			r->tx_queued += (uint32_t)n;
		}
		if (r->want_close && r->pend_len == 0)
			rec_close(r);
		return;
	}
	while (r->tx_queued < r->tx_total) {
		uint64_t left = r->tx_total - r->tx_queued;
		uint32_t space = tern_send_space(r->c), n, chunk;
		int sent;

		if (space == 0)
			break;
		if (a->wl == SIM_WL_ECHO) {
			uint64_t out = r->tx_queued - r->rx_got;

			if (out >= ECHO_OUTSTANDING)
				break;
			chunk = 1 + (uint32_t)(sim_rand(&a->rng) % 4096);
			chunk = RTE_MIN(chunk, (uint32_t)(ECHO_OUTSTANDING - out));
		} else {
			chunk = STAGE;
		}
		n = (uint32_t)RTE_MIN((uint64_t)RTE_MIN(space, chunk), left);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t off = r->tx_queued + i;

			if (off >= r->tx_prefix_len)
				break;
			a->stage[i] = r->tx_prefix[off];
		}
		if (r->tx_queued + n > r->tx_prefix_len) {
			uint64_t from = RTE_MAX(r->tx_queued, (uint64_t)r->tx_prefix_len);

			pat_fill(a->stage + (from - r->tx_queued), r->tx_key,
					from - r->tx_prefix_len,
					(uint32_t)(r->tx_queued + n - from));
		}
		sent = tern_send(r->c, a->stage, n);
		if (sent < 0) {
			app_fail(a, "%s conn %u: tern_send: %s", side_name(r), r->idx,
					strerror(-sent));
			return;
		}
		if (sent == 0)
			break;
		r->tx_queued += (uint32_t)sent;
	}
	if (r->tx_queued == r->tx_total && (r->tx_close || r->want_close))
		rec_close(r);
}

static struct rec *
live(struct rec *r, const char *cb)
{
	if (r->closed) {
		app_fail(r->app, "%s conn %u: %s after on_closed", side_name(r), r->idx, cb);
		return NULL;
	}
	return r;
}

static void
cb_connected(struct tern_conn *c __rte_unused, void *arg)
{
	struct rec *r = live(arg, "on_connected");

	if (r == NULL)
		return;
	if (++r->connected != 1)
		app_fail(r->app, "%s conn %u: on_connected twice", side_name(r), r->idx);
	pump(r);
}

/* short server: the header names the connection and the request length */
static bool
short_header(struct rec *r)
{
	struct app *a = r->app;
	uint32_t len, idx;

	memcpy(&len, r->hdr, 4);
	memcpy(&idx, r->hdr + 4, 4);
	if (idx >= a->n_planned || opener_of(a, idx) == r->side || len != short_req_len(a, idx)) {
		app_fail(a, "%s: bad request header (len %u idx %u)", side_name(r), len, idx);
		return false;
	}
	r->idx = idx;
	r->rx_key = stream_key(a, idx, 0);
	r->rx_total = SHORT_HDR + len;
	r->rx_known = true;
	return true;
}

static void
rx_bytes(struct rec *r, const uint8_t *d, uint32_t len)
{
	struct app *a = r->app;

	while (len != 0 && !a->failed) {
		uint32_t n;

		if (r->rx_got < r->rx_prefix_len) {
			n = RTE_MIN(len, (uint32_t)(r->rx_prefix_len - r->rx_got));
			memcpy(r->hdr + r->rx_got, d, n);
			r->rx_got += n;
			if (r->rx_got == r->rx_prefix_len && !short_header(r))
				return;
		} else {
			int64_t bad;

			n = len;
			if (r->rx_known && r->rx_got + n > r->rx_total) {
				app_fail(a, "%s conn %u: %" PRIu64 " bytes past the end of a %"
						PRIu64 "-byte stream", side_name(r), r->idx,
						r->rx_got + n - r->rx_total, r->rx_total);
				return;
			}
			bad = pat_check(d, r->rx_key, r->rx_got - r->rx_prefix_len, n);
			if (bad >= 0) {
				uint8_t want;

				pat_fill(&want, r->rx_key, r->rx_got - r->rx_prefix_len + bad, 1);
				app_fail(a, "%s conn %u: stream byte %" PRIu64 " is 0x%02x, "
						"expected 0x%02x (segment of %u at %" PRIu64 ")",
						side_name(r), r->idx, r->rx_got + bad, d[bad], want,
						len, r->rx_got);
				return;
			}
			if (r->echo) {
				if (r->pend_len + n > ECHO_PEND_CAP) {
					app_fail(a, "B echo: more than %u bytes unsent", ECHO_PEND_CAP);
					return;
				}
				memcpy(r->pend + r->pend_len, d, n);
				r->pend_len += n;
			}
			r->rx_got += n;
			a->r->bytes_checked += n;
			if (r->rx_known && r->rx_got == r->rx_total &&
					a->w->now - REPLAY_T0_US > a->r->xfer_us)
				a->r->xfer_us = a->w->now - REPLAY_T0_US;
		}
		d += n;
		len -= n;
	}
}

static void
short_reply(struct rec *r)
{
	struct app *a = r->app;

	r->tx_key = stream_key(a, r->idx, 1);
	r->tx_total = short_rep_len(a, r->idx);
	/* the server closes first on every other connection of its opener's */
	r->tx_close = ((a->wl == SIM_WL_BOTH ? r->idx >> 1 : r->idx) & 1) != 0;
}

static void
cb_recv(struct tern_conn *c __rte_unused, struct rte_mbuf *m, void *arg)
{
	struct rec *r = live(arg, "on_recv");
	struct app *a;
	bool was_complete;

	if (r == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	a = r->app;
	was_complete = r->rx_known && r->rx_got == r->rx_total;
	if (rte_pktmbuf_pkt_len(m) == 0)
		app_fail(a, "%s conn %u: on_recv with no data", side_name(r), r->idx);
	if (r->closing)
		app_fail(a, "%s conn %u: data delivered after tern_close", side_name(r), r->idx);
	for (struct rte_mbuf *s = m; s != NULL && !a->failed; s = s->next)
		rx_bytes(r, rte_pktmbuf_mtod(s, const uint8_t *), rte_pktmbuf_data_len(s));
	rte_pktmbuf_free(m);
	if (a->failed)
		return;
	if (r->rx_known && r->rx_got == r->rx_total && !was_complete) {
		/* the whole stream is in */
		if (wl_short(a) && !r->client)
			short_reply(r);
		if (r->client && (wl_short(a) || a->wl == SIM_WL_ECHO))
			r->want_close = true;
	}
	pump(r);
}

static void
cb_sent(struct tern_conn *c __rte_unused, uint32_t acked, void *arg)
{
	struct rec *r = live(arg, "on_sent");

	if (r == NULL)
		return;
	r->tx_acked += acked;
	if (r->tx_acked > r->tx_queued)
		app_fail(r->app, "%s conn %u: %" PRIu64 " bytes acknowledged of %" PRIu64 " queued",
				side_name(r), r->idx, r->tx_acked, r->tx_queued);
	pump(r);
}

static void
cb_peer_closed(struct tern_conn *c __rte_unused, void *arg)
{
	struct rec *r = live(arg, "on_peer_closed");

	if (r == NULL)
		return;
	if (++r->peer_closed != 1)
		app_fail(r->app, "%s conn %u: on_peer_closed twice", side_name(r), r->idx);
	if (!r->rx_known || r->rx_got != r->rx_total)
		app_fail(r->app, "%s conn %u: FIN after %" PRIu64 " of %" PRIu64 " bytes",
				side_name(r), r->idx, r->rx_got, r->rx_total);
	r->want_close = true;
	pump(r);
}

static const char *const reason_names[] = { "NORMAL", "RESET", "TIMEOUT", "ABORTED",
	"REFUSED" };

static const char *
reason_name(int reason)
{
	return reason >= 0 && reason < (int)RTE_DIM(reason_names) ? reason_names[reason] : "?";
}

static void
cb_closed(struct tern_conn *c __rte_unused, int reason, void *arg)
{
	struct rec *r = arg;
	struct app *a = r->app;

	if (++r->closed != 1) {
		app_fail(a, "%s conn %u: on_closed twice", side_name(r), r->idx);
		return;
	}
	r->reason = reason;
	r->closed_at = a->w->now;
	if (r->client) {
		a->active[r->side]--;
		a->client_closed[r->side]++;
	} else {
		a->server_closed[r->side]++;
	}
	if (reason == TERN_CLOSE_RESET && r->closing && r->rx_known &&
			r->rx_got == r->rx_total && r->tx_queued == r->tx_total) {
		/*
		 * Everything was delivered and our FIN was sent; if the peer
		 * had closed NORMAL before (final_checks looks), only our FIN's
		 * ACK went missing and the peer's TIME_WAIT ran out before a
		 * retransmitted FIN got through (the RTO can back off past
		 * 2MSL), so the peer answered RST. RFC 9293 allows it; counted.
		 */
		r->late_rst = true;
	} else if (reason != TERN_CLOSE_NORMAL)
		app_fail(a, "%s conn %u closed by %s (rx %" PRIu64 "/%" PRIu64 ", queued %"
				PRIu64 "/%" PRIu64 ", %s)", side_name(r), r->idx, reason_name(reason),
				r->rx_got, r->rx_total, r->tx_queued, r->tx_total,
				r->closing ? "after tern_close" : "app had not closed");
	else if (!r->closing)
		app_fail(a, "%s conn %u closed NORMAL without tern_close", side_name(r), r->idx);
}

/* Note the ports of @r's connection, to know its RSTs at the tap. */
static void
rec_ports(struct rec *r)
{
	struct tern_conn_info ci;

	tern_conn_get_info(r->c, &ci);
	r->lport = ci.lport;
	r->rport = ci.rport;
}

/*
 * The tap's filter (it drops nothing): a stack sends a RST only for a
 * segment of a connection it had already closed: one reordered or
 * duplicated past the close, or a FIN retransmitted past the peer's
 * TIME_WAIT (the tolerated late RST). A RST for a connection still open on
 * the sender's side, or for one it never had, means a segment reached a
 * worker that does not hold its connection (RFC 9293 §3.10.7.1 answers it
 * from CLOSED), as a frame steered to the wrong worker would.
 */
static bool
tap_check_rst(void *arg, const struct sim_seg *sg)
{
	struct app *a = arg;
	const struct rec *r = NULL;
	int side = sg->dir;          /* direction 0 is what A sent */

	/* what the link corrupted is not what the stack sent (the peer drops it) */
	if (!sg->is_tcp || !(sg->flags & RTE_TCP_RST_FLAG) || sg->cksum_bad)
		return false;
	a->r->rsts++;
	for (uint32_t i = 0; i < a->n_recs; i++)
		if (a->recs[i].side == side && a->recs[i].c != NULL &&
				a->recs[i].lport == sg->sport && a->recs[i].rport == sg->dport)
			r = &a->recs[i];     /* the latest with these ports */
	if (r == NULL)
		app_fail(a, "%c sent a RST %u>%u for a connection it never had", 'A' + side,
				sg->sport, sg->dport);
	else if (!r->closed || r->closed_at > sg->t)
		app_fail(a, "%s conn %u: its stack sent a RST %u>%u while it was open",
				side_name(r), r->idx, sg->sport, sg->dport);
	return false;
}

static const struct tern_conn_ops app_ops = {
	.on_connected = cb_connected,
	.on_recv = cb_recv,
	.on_sent = cb_sent,
	.on_peer_closed = cb_peer_closed,
	.on_closed = cb_closed,
};

static int
on_accept(struct tern_conn *c, void *arg)
{
	struct lsn *l = arg;
	struct app *a = l->app;
	struct rec *r = rec_new(a, c, l->side, false);

	if (r == NULL) {
		app_fail(a, "%c: too many connections for the app", 'A' + l->side);
		return -1;
	}
	a->accepted[l->side]++;
	rec_ports(r);
	r->connected = 1;
	switch (a->wl) {
	case SIM_WL_ECHO:
		r->echo = true;
		r->pend = malloc(ECHO_PEND_CAP);
		r->rx_key = stream_key(a, 0, 0);
		r->rx_total = a->o->echo_bytes;
		r->rx_known = true;
		r->tx_total = a->o->echo_bytes;
		break;
	case SIM_WL_BULK:
		if (a->bulk_dir == 0) {
			r->rx_key = stream_key(a, 0, 0);
			r->rx_total = a->o->bulk_bytes;
		} else {
			r->tx_key = stream_key(a, 0, 0);
			r->tx_total = a->o->bulk_bytes;
			r->tx_close = true;
		}
		r->rx_known = true;
		break;
	default:
		r->rx_prefix_len = SHORT_HDR;
		break;
	}
	tern_conn_set_ops(c, &app_ops, r);
	pump(r);
	return 0;
}

/* Open the next connection of stack @side. */
static void
client_start(struct app *a, int side)
{
	struct rec *r = rec_new(a, NULL, side, true);
	struct sim_world *w = a->w;
	struct tern_worker *wk;
	struct tern_conn *c;

	if (r == NULL) {
		app_fail(a, "%c: too many connections for the app", 'A' + side);
		return;
	}
	r->idx = a->wl == SIM_WL_BOTH ? 2 * a->started[side] + (uint32_t)side : a->started[side];
	a->started[side]++;
	switch (a->wl) {
	case SIM_WL_ECHO:
		r->tx_key = r->rx_key = stream_key(a, 0, 0);
		r->tx_total = r->rx_total = a->o->echo_bytes;
		break;
	case SIM_WL_BULK:
		if (a->bulk_dir == 0) {
			r->tx_key = stream_key(a, 0, 0);
			r->tx_total = a->o->bulk_bytes;
			r->tx_close = true;
		} else {
			r->rx_key = stream_key(a, 0, 0);
			r->rx_total = a->o->bulk_bytes;
		}
		break;
	default: {
		uint32_t len = short_req_len(a, r->idx);

		memcpy(r->tx_prefix, &len, 4);
		memcpy(r->tx_prefix + 4, &r->idx, 4);
		r->tx_prefix_len = SHORT_HDR;
		r->tx_key = stream_key(a, r->idx, 0);
		r->tx_total = SHORT_HDR + len;
		r->rx_key = stream_key(a, r->idx, 1);
		r->rx_total = short_rep_len(a, r->idx);
		break;
	}
	}
	r->rx_known = true;
	a->active[side]++;
	/* spread over the stack's workers, each seed from another one */
	wk = w->wk[side][(r->idx + a->seed) % w->nw[side]];
	c = w->ip6 ? tern_connect6(wk, sim_ip6[1 - side], a->port, &app_ops, r) :
		tern_connect(wk, side == 0 ? SIM_IP_B : SIM_IP_A, a->port, &app_ops, r);
	if (c == NULL) {
		r->closed = 1;
		a->active[side]--;
		app_fail(a, "%c: tern_connect #%u on worker %u: %s", 'A' + side, r->idx,
				tern_worker_id(wk), rte_strerror(rte_errno));
		return;
	}
	r->c = c;
	rec_ports(r);
}

static unsigned int
app_step(void *arg, uint64_t now __rte_unused)
{
	struct app *a = arg;
	uint32_t par = a->wl == SIM_WL_SHORT ? a->o->short_parallel :
		a->wl == SIM_WL_BOTH ? RTE_MAX(a->o->short_parallel / 2, 1u) : 1;
	unsigned int n = 0;

	for (int side = 0; side < 2; side++)
		while (!a->failed && a->started[side] < a->planned[side] && a->active[side] < par) {
			client_start(a, side);
			n++;
		}
	return n;
}

static bool
app_done(void *arg)
{
	struct app *a = arg;
	uint64_t frames;

	if (a->failed)
		return true;
	frames = tern_sim_link_stats(a->w->link, 0)->sent + tern_sim_link_stats(a->w->link, 1)->sent;
	if (frames > a->o->max_frames) {
		app_fail(a, "storm: more than %" PRIu64 " frames on the link", a->o->max_frames);
		return true;
	}
	return a->client_closed[0] + a->client_closed[1] == a->n_planned &&
		a->server_closed[0] == a->accepted[0] && a->server_closed[1] == a->accepted[1] &&
		sim_world_conns(a->w, 0) == 0 && sim_world_conns(a->w, 1) == 0;
}

/* ------------------------------------------------------------------ runs */

static void
report_conns(struct app *a, FILE *f)
{
	uint32_t counts[TERN_TCP_TIME_WAIT + 1];

	for (int s = 0; s < 2; s++) {
		sim_world_conn_counts(a->w, s, counts);
		fprintf(f, "  stack %c connections:", 'A' + s);
		for (int k = 0; k <= TERN_TCP_TIME_WAIT; k++)
			if (counts[k] != 0)
				fprintf(f, " %s=%u", tern_tcp_state_name(k), counts[k]);
		fprintf(f, "\n");
	}
	for (uint32_t i = 0; i < a->n_recs; i++) {
		struct rec *r = &a->recs[i];
		struct tern_conn_info ci;

		if (r->closed || r->c == NULL)
			continue;
		tern_conn_get_info(r->c, &ci);
		fprintf(f, "  open: %s conn %u %u>%u %s snd_una %u snd_nxt %u snd_wnd %u rcv_nxt %u "
				"rcv_wnd %u cwnd %u ssthresh %u srtt %u rto %u us rexmits %u | app rx %"
				PRIu64 "/%" PRIu64 " queued %" PRIu64 "/%" PRIu64 " acked %" PRIu64
				"%s%s\n", side_name(r), r->idx, ci.lport, ci.rport,
				tern_tcp_state_name(ci.state), ci.snd_una, ci.snd_nxt, ci.snd_wnd,
				ci.rcv_nxt, ci.rcv_wnd, ci.cwnd, ci.ssthresh, ci.srtt_us, ci.rto_us, ci.retransmits,
				r->rx_got, r->rx_total, r->tx_queued, r->tx_total, r->tx_acked,
				r->closing ? " closing" : "", r->peer_closed ? " peer-closed" : "");
	}
}

static void
abort_open(struct app *a)
{
	for (uint32_t i = 0; i < a->n_recs; i++) {
		struct rec *r = &a->recs[i];

		if (!r->closed && r->c != NULL)
			tern_abort(r->c);
	}
}

static void
final_checks(struct app *a)
{
	for (uint32_t i = 0; i < a->n_recs && !a->failed; i++) {
		struct rec *r = &a->recs[i];

		if (r->closed != 1)
			app_fail(a, "%s conn %u: on_closed called %u times", side_name(r), r->idx,
					r->closed);
		else if (r->rx_got != r->rx_total)
			app_fail(a, "%s conn %u: received %" PRIu64 " of %" PRIu64 " bytes",
					side_name(r), r->idx, r->rx_got, r->rx_total);
		else if (r->tx_queued != r->tx_total)
			app_fail(a, "%s conn %u: queued %" PRIu64 " of %" PRIu64 " bytes",
					side_name(r), r->idx, r->tx_queued, r->tx_total);
		else if (r->client && r->connected != 1)
			app_fail(a, "%s conn %u: on_connected %u times", side_name(r), r->idx,
					r->connected);
	}
	for (uint32_t i = 0; i < a->n_recs && !a->failed; i++) {
		struct rec *r = &a->recs[i], *peer = NULL;

		if (!r->late_rst)
			continue;
		for (uint32_t k = 0; k < a->n_recs; k++)
			if (a->recs[k].side != r->side && a->recs[k].idx == r->idx &&
					a->recs[k].c != NULL)
				peer = &a->recs[k];
		if (peer == NULL || peer->reason != TERN_CLOSE_NORMAL ||
				peer->closed_at >= r->closed_at)
			app_fail(a, "%s conn %u closed by RESET (rx %" PRIu64 "/%" PRIu64
					", queued %" PRIu64 "/%" PRIu64 ") and the peer had not "
					"closed normally before", side_name(r), r->idx, r->rx_got,
					r->rx_total, r->tx_queued, r->tx_total);
		else
			a->r->late_rst++;
	}
	for (int s = 0; s < 2 && !a->failed; s++)
		if (a->accepted[s] != a->planned[!s])
			app_fail(a, "%c accepted %u connections, %c made %u", 'A' + s,
					a->accepted[s], 'B' - s, a->planned[!s]);
	for (int s = 0; s < 2 && !a->failed; s++) {
		struct tern_stats st;

		sim_world_stats(a->w, s, &st);
		if (st.tcp_conn_closed + st.tcp_conn_reset != a->n_planned)
			app_fail(a, "stack %c: tcp_conn_closed %" PRIu64 " + reset %" PRIu64
					", expected %u", 'A' + s, st.tcp_conn_closed,
					st.tcp_conn_reset, a->n_planned);
		else if (a->w->ip6 && (st.tcp6_rx == 0 || st.tcp_rx != 0))
			app_fail(a, "stack %c: not all over IPv6 (tcp6_rx %" PRIu64 ", tcp_rx %"
					PRIu64 ")", 'A' + s, st.tcp6_rx, st.tcp_rx);
		else if (a->no_rst && (st.tcp_rst_sent != 0 || st.tcp_drop_no_conn != 0))
			app_fail(a, "stack %c: %" PRIu64 " RSTs sent, %" PRIu64 " segments for no "
					"connection on a faultless wire", 'A' + s, st.tcp_rst_sent,
					st.tcp_drop_no_conn);
		/* every frame reaches its owner, every ARP binding every worker */
		else if (st.steer_drop_full != 0 || st.inbox_drop != 0)
			app_fail(a, "stack %c: steer_drop_full %" PRIu64 ", inbox_drop %" PRIu64,
					'A' + s, st.steer_drop_full, st.inbox_drop);
		/* a device that hashes as the owner function puts every frame
		 * on its owner's queue: nothing to pass on */
		else if (a->o->spread == TERN_SIM_SPREAD_RSS && st.steer_tx != 0)
			app_fail(a, "stack %c: %" PRIu64 " frames steered under RSS done our way",
					'A' + s, st.steer_tx);
		/* the stack hands the device only frames it can cut */
		else if (a->o->tso && sim_tso_errors(a->w, s) != 0)
			app_fail(a, "stack %c: %" PRIu64 " frames its device could not cut", 'A' + s,
					sim_tso_errors(a->w, s));
	}
}

int
sim_scenario_run(const struct sim_profile *p, int wl, uint64_t seed, const struct sim_opts *o,
		struct sim_result *res)
{
	struct sim_world_params wp;
	struct sim_world w;
	struct app *a;
	enum sim_run_end end;
	char err[256];
	int cc;

	memset(res, 0, sizeof(*res));
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		snprintf(res->why, sizeof(res->why), "out of memory");
		return -1;
	}
	a->w = &w;
	a->o = o;
	a->r = res;
	a->wl = wl;
	a->seed = seed;
	a->rng = sim_mix64(seed ^ 0xa99);
	a->n_planned = wl_short(a) ? o->short_conns : 1;
	/* both: A opens the even connection numbers, B the odd ones */
	a->planned[1] = wl == SIM_WL_BOTH ? a->n_planned / 2 : 0;
	a->planned[0] = a->n_planned - a->planned[1];
	a->lsn[0] = (struct lsn){ a, 0 };
	a->lsn[1] = (struct lsn){ a, 1 };
	/* by seed / 3 as before "both" was added, so every seed replays */
	a->bulk_dir = o->bulk_dir >= 0 ? o->bulk_dir : (int)((seed / SIM_WL_CLASSIC) & 1);
	/* with every frame delivered once, in order, and each flow's frames
	 * on one queue, no segment can outlive its connection */
	a->no_rst = p->f.drop == 0 && p->f.dup == 0 && p->f.reorder == 0 && p->f.corrupt == 0 &&
		p->f.rate_bps == 0 && o->spread != TERN_SIM_SPREAD_RANDOM;
	a->port = wl == SIM_WL_ECHO ? PORT_ECHO : wl == SIM_WL_BULK ? PORT_BULK : PORT_SHORT;
	res->bulk_dir = a->bulk_dir;
	a->cap = 2 * a->n_planned + 16;
	a->recs = calloc(a->cap, sizeof(*a->recs));
	if (a->recs == NULL) {
		free(a);
		snprintf(res->why, sizeof(res->why), "out of memory");
		return -1;
	}

	memset(&wp, 0, sizeof(wp));
	wp.seed = seed;
	sim_world_config(&wp.cfg[0], SIM_IP_A);
	sim_world_config(&wp.cfg[1], SIM_IP_B);
	cc = o->cc;
#ifdef TERN_TCP_CC_CUBIC
	if (cc == SIM_CC_BY_SEED)
		cc = (seed / (2 * SIM_WL_CLASSIC)) & 1 ? TERN_TCP_CC_CUBIC : TERN_TCP_CC_NEWRENO;
	wp.cfg[0].tcp_cc = wp.cfg[1].tcp_cc = (uint32_t)cc;
	res->cc = cc == TERN_TCP_CC_CUBIC ? "cubic" : "newreno";
#else
	(void)cc;
	res->cc = "newreno";
#endif
	if (o->tune_both != NULL) {
		o->tune_both(&wp.cfg[0]);
		o->tune_both(&wp.cfg[1]);
	}
	if (o->tune_server != NULL)
		o->tune_server(&wp.cfg[1]);
	wp.fault[0] = wp.fault[1] = p->f;
	wp.pcap = o->pcap;
	wp.trace_keep = o->trace != NULL ? 65536 : 0;
	wp.workers[0] = o->workers;
	wp.workers[1] = o->workers_b != 0 ? o->workers_b : o->workers;
	wp.queues[0] = wp.queues[1] = o->queues;
	wp.spread = o->spread;
	wp.ip6 = o->ip6;
	wp.mtu = o->mtu;
	wp.tso = o->tso;

	if (sim_world_create(&w, &wp, err, sizeof(err)) != 0) {
		snprintf(res->why, sizeof(res->why), "world: %s", err);
		sim_world_free(&w);
		free(a->recs);
		free(a);
		return -1;
	}
	/* servers listen on every worker: a SYN is taken by its owner */
	for (int s = 0; s < 2; s++)
		for (unsigned int k = 0; k < w.nw[s] && (s == 1 || wl == SIM_WL_BOTH); k++)
			if (tern_listen(w.wk[s][k], a->port, on_accept, &a->lsn[s]) != 0)
				app_fail(a, "%c worker %u: tern_listen failed", 'A' + s, k);
	w.filter = tap_check_rst;
	w.filter_arg = a;
	end = a->failed ? SIM_RUN_DONE :
		sim_world_run(&w, app_step, app_done, a, w.now + o->deadline_us);
	res->vtime_us = w.now - REPLAY_T0_US;
	switch (end) {
	case SIM_RUN_DONE:
		break;
	case SIM_RUN_DEADLINE:
		app_fail(a, "stuck: not finished after %.0f virtual s (%u/%u connections closed "
				"by their opener, %u/%u by the acceptor)", (double)o->deadline_us / 1e6,
				a->client_closed[0] + a->client_closed[1], a->n_planned,
				a->server_closed[0] + a->server_closed[1],
				a->accepted[0] + a->accepted[1]);
		break;
	case SIM_RUN_STUCK:
		app_fail(a, "stuck: nothing in flight and no timer armed (%u/%u connections "
				"closed by their opener, %u/%u by the acceptor)",
				a->client_closed[0] + a->client_closed[1], a->n_planned,
				a->server_closed[0] + a->server_closed[1],
				a->accepted[0] + a->accepted[1]);
		break;
	case SIM_RUN_LIVELOCK:
		app_fail(a, "livelock: %s", "frames keep moving without time passing");
		break;
	}
	if (!a->failed)
		final_checks(a);
	if (a->failed && o->report) {
		char wks[16];

		fprintf(stderr, "FAIL %s/%s seed %" PRIu64 " (%s, bulk %s, %s workers, %s): %s\n",
				p->name, sim_workload_name(wl), seed, res->cc,
				a->bulk_dir ? "B>A" : "A>B", sim_workers_str(o, wks, sizeof(wks)),
				sim_spread_name(o->spread), res->why);
		fprintf(stderr, "  virtual time %.3f s\n", (double)res->vtime_us / 1e6);
		report_conns(a, stderr);
		for (int d = 0; d < 2; d++) {
			struct tern_stats st;

			sim_world_stats(&w, d, &st);
			fprintf(stderr, "  stack %c counters:", 'A' + d);
			for (size_t k = 0; k < TERN_STATS_COUNT; k++)
				if (tern_stats_value(&st, k) != 0 &&
						(strncmp(tern_stats_name(k), "tcp_", 4) == 0 ||
						 strncmp(tern_stats_name(k), "steer_", 6) == 0))
					fprintf(stderr, " %s=%" PRIu64, tern_stats_name(k) +
							(tern_stats_name(k)[0] == 't' ? 4 : 0),
							tern_stats_value(&st, k));
			fprintf(stderr, "\n");
		}
		sim_world_print_trace(&w, stderr, 40);
	}
	if (o->trace != NULL) {
		FILE *f = fopen(o->trace, "w");

		if (f != NULL) {
			for (uint64_t i = 0; i < sim_world_trace_count(&w); i++)
				sim_seg_print(f, sim_world_trace(&w, i), REPLAY_T0_US);
			fclose(f);
		}
	}
	for (int d = 0; d < 2; d++) {
		sim_world_link_stats(&w, d, &res->ls[d]);
		sim_world_stats(&w, d, &res->st[d]);
	}
	res->iterations = w.iterations;
	res->conns = a->client_closed[0] + a->client_closed[1];
	/* teardown: whatever is open goes (its RSTs are ours), then every mbuf
	 * must be home */
	w.filter = NULL;
	abort_open(a);
	for (int s = 0; s < 2; s++)
		for (unsigned int k = 0; k < w.nw[s]; k++)
			tern_unlisten(w.wk[s][k], a->port);
	if (sim_world_drain(&w, err, sizeof(err)) != 0)
		app_fail(a, "%s", err);
	sim_world_free(&w);
	for (uint32_t i = 0; i < a->n_recs; i++)
		free(a->recs[i].pend);
	free(a->recs);
	res->ok = !a->failed;
	free(a);
	return res->ok ? 0 : -1;
}

/* ---------------------------------------------------------------- matrix */

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
sim_matrix_run(const struct sim_profile *p, int wl, uint64_t first, uint64_t n,
		const struct sim_opts *o, const char *pcap_dir, unsigned int detail,
		struct sim_matrix_totals *t)
{
	double t0 = cpu_now();
	char wks[16];

	memset(t, 0, sizeof(*t));
	for (uint64_t seed = first; seed < first + n; seed++) {
		int w = wl >= 0 ? wl : sim_workload_of_seed(seed, o->n_workloads);
		struct sim_result r;

		sim_scenario_run(p, w, seed, o, &r);
		t->seeds++;
		t->per_wl[w]++;
		t->bytes += r.bytes_checked;
		t->vtime_us += r.vtime_us;
		t->iterations += r.iterations;
		t->conns += r.conns;
		for (int d = 0; d < 2; d++) {
			t->ls.sent += r.ls[d].sent;
			t->ls.delivered += r.ls[d].delivered;
			t->ls.dropped += r.ls[d].dropped;
			t->ls.queue_drops += r.ls[d].queue_drops;
			t->ls.duplicated += r.ls[d].duplicated;
			t->ls.reordered += r.ls[d].reordered;
			t->ls.corrupted += r.ls[d].corrupted;
			t->ls.rx_full += r.ls[d].rx_full;
			t->rexmt_segs += r.st[d].tcp_rexmt_segs;
			t->fast_rexmt += r.st[d].tcp_fast_rexmt;
			t->rto += r.st[d].tcp_rexmt_timeout;
			t->steer_tx += r.st[d].steer_tx;
			t->tso_frames += r.st[d].tcp_tx_tso_frames;
			t->gro_merged += r.st[d].rx_gro_merged;
		}
		t->late_rst += r.late_rst;
		if (r.ok)
			continue;
		t->failures++;
		sim_workers_str(o, wks, sizeof(wks));
		fprintf(stderr, "FAIL profile=%s workload=%s seed=%" PRIu64 " cc=%s bulk=%s "
				"workers=%s queues=%u spread=%s: %s\n", p->name, sim_workload_name(w),
				seed, r.cc, r.bulk_dir ? "B>A" : "A>B", wks, o->queues,
				sim_spread_name(o->spread), r.why);
		if (t->failures <= detail) {
			struct sim_opts ro = *o;
			struct sim_result rr;
			char path[512];

			snprintf(path, sizeof(path), "%s/sim-%s-%s-w%s-%s-%" PRIu64 ".pcap",
					pcap_dir != NULL ? pcap_dir : ".", p->name,
					sim_workload_name(w), wks, sim_spread_name(o->spread), seed);
			ro.pcap = path;
			ro.report = true;
			sim_scenario_run(p, w, seed, &ro, &rr);
			fprintf(stderr, "  replay: %s; pcap %s\n"
					"  reproduce: tern-sim --profile %s --workload %s --seed %"
					PRIu64 " --workers %s --queues %u --spread %s --pcap FILE\n",
					!rr.ok && strcmp(rr.why, r.why) == 0 ? "same failure" :
					"DIFFERENT outcome (not deterministic?)", path, p->name,
					sim_workload_name(w), seed, wks, o->queues,
					sim_spread_name(o->spread));
		}
	}
	t->cpu_s = cpu_now() - t0;
	/* a TSO matrix that never cut a frame tested nothing of it */
	if (o->tso && t->tso_frames == 0) {
		t->failures++;
		fprintf(stderr, "FAIL profile=%s: TSO on, and no frame was cut\n", p->name);
	}
}

void
sim_matrix_print_header(FILE *f)
{
	fprintf(f, "%-8s %6s %15s %9s %7s %7s %6s %6s %6s %8s %6s %6s %4s %7s %7s %7s %9s %7s "
			"%5s\n", "profile", "seeds", "e/b/s/both", "frames", "drop", "qdrop", "dup",
			"reord", "corr", "MiB", "rexmt", "rto", "lrst", "steer", "tso", "gro",
			"vtime_s", "cpu_s", "FAIL");
}

void
sim_matrix_print_line(FILE *f, const char *name, const struct sim_matrix_totals *t)
{
	char wls[48];

	snprintf(wls, sizeof(wls), "%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64,
			t->per_wl[SIM_WL_ECHO], t->per_wl[SIM_WL_BULK], t->per_wl[SIM_WL_SHORT],
			t->per_wl[SIM_WL_BOTH]);
	fprintf(f, "%-8s %6" PRIu64 " %15s %9" PRIu64 " %7" PRIu64 " %7" PRIu64 " %6" PRIu64
			" %6" PRIu64 " %6" PRIu64 " %8.1f %6" PRIu64 " %6" PRIu64 " %4" PRIu64
			" %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %9.1f %7.1f %5" PRIu64 "\n", name,
			t->seeds, wls, t->ls.sent, t->ls.dropped, t->ls.queue_drops,
			t->ls.duplicated, t->ls.reordered, t->ls.corrupted,
			(double)t->bytes / 1048576.0, t->rexmt_segs, t->rto, t->late_rst,
			t->steer_tx, t->tso_frames, t->gro_merged, (double)t->vtime_us / 1e6,
			t->cpu_s, t->failures);
	fflush(f);
}
