/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulation suite.
 *
 *   test_sim matrix PROFILE N   seeds 1..N of one fault profile, workload by
 *                               seed % 3; one summary line; failures replayed
 *                               with a report and a pcap (TERN_SIM_PCAP_DIR)
 *   test_sim trace              exact-trace scenarios (below)
 *   test_sim determinism        one seed twice: identical pcaps (1 worker,
 *                               and 4 with random queues)
 *   test_sim throughput         goodput in virtual time, clean and lossy
 *   test_sim workers PROFILE N W SPREAD [Q]
 *                               seeds 1..N of one profile, W workers per stack
 *                               (or AxB: A's and B's),
 *                               devices spreading frames by SPREAD (queue0,
 *                               rss, flow, random) over Q queues (default W),
 *                               workload by seed % 4
 *   test_sim regressions        seeds that found bugs, replayed
 *   test_sim pressure [N]       seeds 1..N with tiny pools, big send buffers
 *                               and a tail-dropping queue (run_pressure)
 *   test_sim                    all of the above, 200 seeds per profile
 *
 * Exact-trace scenarios drop chosen segments at the tap (sim_world.h) on an
 * otherwise clean link and check what each stack sent, segment by segment:
 * fast retransmit on the third duplicate ACK, RTO doubling under 100% loss
 * up to ETIMEDOUT, recovery of a lost SYN, SYN-ACK, handshake ACK, FIN and
 * last ACK, simultaneous open, simultaneous close.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "scenarios.h"

#define F_FIN RTE_TCP_FIN_FLAG
#define F_SYN RTE_TCP_SYN_FLAG
#define F_RST RTE_TCP_RST_FLAG
#define F_ACK RTE_TCP_ACK_FLAG
#define DELAY_US 1000u
#define TPORT 9000

static unsigned int n_checks, n_failed;
static const char *cur_test;
static bool cur_failed;

#define CHECK(cond, ...) check_at((cond), __LINE__, #cond, __VA_ARGS__)

static bool
check_at(bool ok, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	n_checks++;
	if (ok)
		return true;
	cur_failed = true;
	fprintf(stderr, "  FAIL %s (test_sim.c:%d: %s): ", cur_test, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return false;
}

/* ------------------------------------------------------ a small test app */

struct tconn {
	struct tern_conn *c;
	int side;
	unsigned int connected, peer_closed, closed, accepted;
	int reason;
	uint64_t connected_at, closed_at, peer_closed_at;
	uint64_t rx;                     /* bytes received (pattern checked) */
	uint64_t tx;                     /* bytes queued */
	bool close_on_peer_close;
	bool bad_data;
};

struct tworld {
	struct sim_world w;
	struct tconn a, b;               /* A's connection, B's accepted one */
	uint64_t frx_delivered;          /* B>A frames delivered to A when A fast-retransmitted */
	uint64_t delivered_prev;         /* B>A frames delivered by the previous iteration */
	bool frx_seen;
	uint8_t buf[65536];
};

static uint8_t
tbyte(int side, uint64_t off)
{
	return (uint8_t)((off * 131 + (uint64_t)side * 71) ^ (off >> 9));
}

static void
t_connected(struct tern_conn *c __rte_unused, void *arg)
{
	struct tconn *t = arg;
	struct tworld *tw = (struct tworld *)((char *)t - (t->side == 0 ?
			offsetof(struct tworld, a) : offsetof(struct tworld, b)));

	t->connected++;
	t->connected_at = tw->w.now;
}

static void
t_recv(struct tern_conn *c __rte_unused, struct rte_mbuf *m, void *arg)
{
	struct tconn *t = arg;

	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint32_t i = 0; i < rte_pktmbuf_data_len(s); i++)
			if (d[i] != tbyte(!t->side, t->rx + i))
				t->bad_data = true;
		t->rx += rte_pktmbuf_data_len(s);
	}
	rte_pktmbuf_free(m);
}

static void
t_peer_closed(struct tern_conn *c, void *arg)
{
	struct tconn *t = arg;
	struct tworld *tw = (struct tworld *)((char *)t - (t->side == 0 ?
			offsetof(struct tworld, a) : offsetof(struct tworld, b)));

	t->peer_closed++;
	t->peer_closed_at = tw->w.now;
	if (t->close_on_peer_close)
		tern_close(c);
}

static void
t_closed(struct tern_conn *c __rte_unused, int reason, void *arg)
{
	struct tconn *t = arg;
	struct tworld *tw = (struct tworld *)((char *)t - (t->side == 0 ?
			offsetof(struct tworld, a) : offsetof(struct tworld, b)));

	t->closed++;
	t->reason = reason;
	t->closed_at = tw->w.now;
}

static const struct tern_conn_ops t_ops = {
	.on_connected = t_connected,
	.on_recv = t_recv,
	.on_peer_closed = t_peer_closed,
	.on_closed = t_closed,
};

static int
t_accept(struct tern_conn *c, void *arg)
{
	struct tworld *tw = arg;

	tw->b.c = c;
	tw->b.accepted++;
	tw->b.connected_at = tw->w.now;
	tern_conn_set_ops(c, &t_ops, &tw->b);
	return 0;
}

static void
t_send(struct tworld *tw, struct tconn *t, uint32_t len)
{
	while (len != 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)sizeof(tw->buf));
		int r;

		for (uint32_t i = 0; i < n; i++)
			tw->buf[i] = tbyte(t->side, t->tx + i);
		r = tern_send(t->c, tw->buf, n);
		if (!CHECK(r == (int)n, "tern_send %u: %d", n, r))
			return;
		t->tx += n;
		len -= n;
	}
}

/* A test world: clean 1 ms link, B listening on TPORT; @p tune edits configs. */
static bool
tw_up(struct tworld *tw, uint64_t seed, sim_filter_fn *filter, void *farg,
		void (*tune)(struct tern_config *cfg), const struct tern_sim_fault *fault)
{
	struct sim_world_params p;
	char err[256];

	memset(tw, 0, sizeof(*tw));
	tw->a.side = 0;
	tw->b.side = 1;
	memset(&p, 0, sizeof(p));
	p.seed = seed;
	p.trace_keep = 4096;
	for (int i = 0; i < 2; i++) {
		sim_world_config(&p.cfg[i], i == 0 ? SIM_IP_A : SIM_IP_B);
		p.cfg[i].tcp_time_wait_ms = 10000;
		if (tune != NULL)
			tune(&p.cfg[i]);
		if (fault != NULL)
			p.fault[i] = *fault;
		else
			p.fault[i].delay_us = DELAY_US;
	}
	if (!CHECK(sim_world_create(&tw->w, &p, err, sizeof(err)) == 0, "%s", err)) {
		sim_world_free(&tw->w);
		return false;
	}
	tw->w.filter = filter;
	tw->w.filter_arg = farg;
	CHECK(tern_listen(tw->w.w[1], TPORT, t_accept, tw) == 0, "listen");
	return true;
}

static bool
tw_connect(struct tworld *tw)
{
	tw->a.c = tern_connect(tw->w.w[0], SIM_IP_B, TPORT, &t_ops, &tw->a);
	return CHECK(tw->a.c != NULL, "tern_connect");
}

/* Each iteration, after the polls: note how many of B's frames A had
 * received when its first fast retransmit happened. */
static unsigned int
tw_step(void *arg, uint64_t now __rte_unused)
{
	struct tworld *tw = ((void **)arg)[1];
	struct tern_sim_link_stats ls;

	/* this iteration's polls read what the previous one delivered */
	if (!tw->frx_seen && tern_worker_stats(tw->w.w[0])->tcp_fast_rexmt != 0) {
		tw->frx_seen = true;
		tw->frx_delivered = tw->delivered_prev;
	}
	sim_world_link_stats(&tw->w, 1, &ls);
	tw->delivered_prev = ls.delivered;
	return 0;
}

static bool
until_cb(void *arg)
{
	bool (*pred)(struct tworld *) = ((void **)arg)[0];

	return pred(((void **)arg)[1]);
}

/* Run until @p pred or @p limit_us of virtual time. */
static bool
tw_run_until(struct tworld *tw, bool (*pred)(struct tworld *), uint64_t limit_us)
{
	void *arg[2] = { (void *)pred, tw };

	return sim_world_run(&tw->w, tw_step, until_cb, arg, tw->w.now + limit_us) ==
		SIM_RUN_DONE;
}

static bool p_established(struct tworld *tw) { return tw->a.connected && tw->b.accepted; }
static bool p_both_closed(struct tworld *tw) { return tw->a.closed && tw->b.closed; }
static bool p_a_closed(struct tworld *tw) { return tw->a.closed != 0; }
static bool
p_no_conns(struct tworld *tw)
{
	return sim_world_conns(&tw->w, 0) == 0 && sim_world_conns(&tw->w, 1) == 0;
}

static uint64_t want_rx_a, want_rx_b;
static bool p_rx_done(struct tworld *tw) { return tw->a.rx >= want_rx_a && tw->b.rx >= want_rx_b; }

static void
tw_dump(struct tworld *tw)
{
	fprintf(stderr, "  trace of %s:\n", cur_test);
	for (uint64_t i = 0; i < sim_world_trace_count(&tw->w); i++) {
		const struct sim_seg *s = sim_world_trace(&tw->w, i);

		if (s->is_tcp) {
			fprintf(stderr, "  ");
			sim_seg_print(stderr, s, REPLAY_T0_US);
		}
	}
}

/* Teardown with the pool checks (the trace is printed first on failure). */
static void
tw_down(struct tworld *tw)
{
	char err[256];

	if (cur_failed)
		tw_dump(tw);
	if (tw->a.c != NULL && !tw->a.closed)
		tern_abort(tw->a.c);
	if (tw->b.c != NULL && !tw->b.closed)
		tern_abort(tw->b.c);
	tern_unlisten(tw->w.w[1], TPORT);
	CHECK(sim_world_drain(&tw->w, err, sizeof(err)) == 0, "%s", err);
	sim_world_free(&tw->w);
}

/* TCP records of the trace matching @p dir and flags (mask/value), in order. */
static unsigned int
tw_find(struct tworld *tw, int dir, uint8_t mask, uint8_t value, int with_data,
		const struct sim_seg **out, unsigned int max)
{
	unsigned int n = 0;

	for (uint64_t i = 0; i < sim_world_trace_count(&tw->w); i++) {
		const struct sim_seg *s = sim_world_trace(&tw->w, i);

		if (!s->is_tcp || s->dir != dir || (s->flags & mask) != value)
			continue;
		if (with_data >= 0 && (s->len != 0) != with_data)
			continue;
		if (n < max)
			out[n] = s;
		n++;
	}
	return n;
}

static void
begin(const char *name)
{
	cur_test = name;
	cur_failed = false;
}

static void
end(struct tworld *tw __rte_unused)
{
	printf("%-28s %s\n", cur_test, cur_failed ? "FAIL" : "ok");
	if (cur_failed)
		n_failed++;
}

/* Standard finish: exchange is over, close A, B closes on FIN, wait for both
 * and for TIME_WAIT to expire; both must be NORMAL. */
static void
finish_close(struct tworld *tw)
{
	tw->b.close_on_peer_close = true;
	CHECK(tern_close(tw->a.c) == 0, "tern_close A");
	CHECK(tw_run_until(tw, p_both_closed, 600000000), "both closed");
	CHECK(tw->a.reason == TERN_CLOSE_NORMAL && tw->b.reason == TERN_CLOSE_NORMAL,
			"reasons A %d B %d", tw->a.reason, tw->b.reason);
	CHECK(tw_run_until(tw, p_no_conns, 600000000), "TIME_WAIT expired");
}

/* ------------------------------------------------------- fast retransmit */

struct drop_nth {
	int dir;
	uint8_t mask, value;
	int with_data;                 /* -1 any, 0 none, 1 payload */
	unsigned int nth;              /* drop the nth match (1-based) */
	unsigned int seen;
	bool done;
	struct sim_seg dropped;
};

static bool
drop_nth_filter(void *arg, const struct sim_seg *s)
{
	struct drop_nth *d = arg;

	if (d->done || !s->is_tcp || s->dir != d->dir || (s->flags & d->mask) != d->value)
		return false;
	if (d->with_data >= 0 && (s->len != 0) != d->with_data)
		return false;
	if (++d->seen != d->nth)
		return false;
	d->done = true;
	d->dropped = *s;
	return true;
}

static void
test_fast_retransmit(void)
{
	/* segments spaced by a 100 Mbit/s wire, so B answers each one (nothing
	 * arrives together to be coalesced) */
	const struct tern_sim_fault f = { .delay_us = DELAY_US, .rate_bps = 100000000,
		.queue_frames = 1000 };
	struct drop_nth d = { .dir = 0, .mask = F_SYN | F_FIN, .value = 0, .with_data = 1,
		.nth = 14 };
	static struct tworld tw;
	const struct sim_seg *segs[4096];
	const struct tern_stats *sa;
	unsigned int n, copies = 0, dupacks_before = 0;

	begin("fast_retransmit");
	if (!tw_up(&tw, 101, drop_nth_filter, &d, NULL, &f))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.a, 64 * 1024);
	want_rx_a = 0;
	want_rx_b = 64 * 1024;
	CHECK(tw_run_until(&tw, p_rx_done, 10000000), "64 KiB delivered (B has %" PRIu64 ")",
			tw.b.rx);
	CHECK(!tw.b.bad_data, "B's data matches");
	CHECK(d.done, "a data segment was dropped");
	sa = tern_worker_stats(tw.w.w[0]);
	CHECK(sa->tcp_fast_rexmt == 1, "fast retransmits %" PRIu64, sa->tcp_fast_rexmt);
	CHECK(sa->tcp_rexmt_timeout == 0, "RTO expiries %" PRIu64, sa->tcp_rexmt_timeout);
	CHECK(sa->tcp_rexmt_segs == 1, "segments retransmitted %" PRIu64, sa->tcp_rexmt_segs);
	/* the lost segment went out exactly twice */
	n = tw_find(&tw, 0, 0, 0, 1, segs, RTE_DIM(segs));
	for (unsigned int i = 0; i < RTE_MIN(n, (unsigned int)RTE_DIM(segs)); i++)
		if (segs[i]->seq == d.dropped.seq)
			copies++;
	CHECK(copies == 2, "segment %u sent %u times", d.dropped.seq, copies);
	/* B's frames reach A in the order the tap saw them (the link keeps
	 * order here): of the first frx_delivered, the duplicate ACKs (ack =
	 * the hole) are those A had when it retransmitted: exactly three */
	CHECK(tw.frx_seen, "fast retransmit observed");
	n = tw_find(&tw, 1, 0, 0, -1, segs, RTE_DIM(segs));
	for (unsigned int i = 0; i < RTE_MIN((uint64_t)n, tw.frx_delivered); i++)
		if (segs[i]->ack == d.dropped.seq && segs[i]->len == 0 &&
				!(segs[i]->flags & (F_SYN | F_FIN)))
			dupacks_before++;
	/* the first ACK up to the hole is the original; the rest duplicate it.
	 * Each SACKs one more segment past the hole: the second SACKs three,
	 * more than (DupThresh - 1) * SMSS bytes, which RFC 6675 §5 (IsLost)
	 * counts as DupThresh duplicates (RFC 5681 §3.2 alone would wait for
	 * the third) */
	if (dupacks_before != 0)
		dupacks_before--;
	CHECK(dupacks_before == 2, "A retransmitted after %u duplicate ACKs, want 2 "
			"(RFC 6675 5: three segments SACKed)", dupacks_before);
	finish_close(&tw);
	tw_down(&tw);
out:
	end(&tw);
}

static void
test_fast_retransmit_burst(void)
{
	/* the same loss, but the wire has no rate: a whole flight reaches B in
	 * one poll. RFC 5681 4.2: an immediate duplicate ACK for each
	 * out-of-order segment; RFC 6675: or count SACKed segments. Either way
	 * the sender has its three duplicates one RTT after the loss. */
	struct drop_nth d = { .dir = 0, .mask = F_SYN | F_FIN, .value = 0, .with_data = 1,
		.nth = 14 };
	static struct tworld tw;
	const struct sim_seg *segs[4096];
	const struct tern_stats *sa;
	uint64_t t_first = 0, t_again = 0;
	unsigned int n, copies = 0, acks = 0;

	begin("fast_retransmit_burst");
	if (!tw_up(&tw, 102, drop_nth_filter, &d, NULL, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.a, 64 * 1024);
	want_rx_a = 0;
	want_rx_b = 64 * 1024;
	CHECK(tw_run_until(&tw, p_rx_done, 10000000), "64 KiB delivered (B has %" PRIu64 ")",
			tw.b.rx);
	CHECK(!tw.b.bad_data, "B's data matches");
	CHECK(d.done, "a data segment was dropped");
	sa = tern_worker_stats(tw.w.w[0]);
	n = tw_find(&tw, 0, 0, 0, 1, segs, RTE_DIM(segs));
	for (unsigned int i = 0; i < RTE_MIN(n, (unsigned int)RTE_DIM(segs)); i++)
		if (segs[i]->seq == d.dropped.seq && copies++ == 0)
			t_first = segs[i]->t;
		else if (segs[i]->seq == d.dropped.seq)
			t_again = segs[i]->t;
	n = tw_find(&tw, 1, F_SYN | F_FIN, 0, 0, segs, RTE_DIM(segs));
	for (unsigned int i = 0; i < RTE_MIN(n, (unsigned int)RTE_DIM(segs)); i++)
		acks += segs[i]->ack == d.dropped.seq;
	CHECK(sa->tcp_rexmt_timeout == 0, "RTO expiries %" PRIu64 " (fast retransmits %" PRIu64
			"; B sent %u ACKs for the hole)", sa->tcp_rexmt_timeout, sa->tcp_fast_rexmt,
			acks);
	CHECK(copies == 2 && t_again - t_first <= 2 * 2 * DELAY_US + 1000,
			"lost segment resent %" PRIu64 " us after it was first sent (RTT 2 ms)",
			t_again - t_first);
	finish_close(&tw);
	tw.w.n_trace = RTE_MIN(tw.w.n_trace, (uint64_t)120);
	tw_down(&tw);
out:
	end(&tw);
}

/* Drop the first transmissions of the @a-th and @b-th new data segments A sends. */
struct drop_two {
	unsigned int a, b;
	unsigned int new_segs;
	uint32_t snd_max;              /* highest sequence end seen from A */
	bool started;
	uint32_t seq[2];
	unsigned int dropped;
};

static bool
drop_two_filter(void *arg, const struct sim_seg *s)
{
	struct drop_two *d = arg;

	if (!s->is_tcp || s->dir != 0 || s->len == 0)
		return false;
	if (d->started && (int32_t)(s->seq + s->len - d->snd_max) <= 0)
		return false;                   /* a retransmission: let it through */
	d->started = true;
	d->snd_max = s->seq + s->len;
	d->new_segs++;
	if (d->new_segs != d->a && d->new_segs != d->b)
		return false;
	d->seq[d->dropped++] = s->seq;
	return true;
}

/* A's data segments as the tap saw them, against the holes of @d. */
struct holes_seen {
	unsigned int copies[2];        /* times each hole went out */
	uint64_t t_first[2], t_again[2];
	unsigned int other_dups;       /* other segments that went out twice */
};

static void
holes_seen(struct tworld *tw, const struct drop_two *d, struct holes_seen *hs)
{
	static const struct sim_seg *segs[4096];
	unsigned int n = RTE_MIN(tw_find(tw, 0, F_SYN | F_FIN, 0, 1, segs, RTE_DIM(segs)),
			(unsigned int)RTE_DIM(segs));

	memset(hs, 0, sizeof(*hs));
	for (unsigned int i = 0; i < n; i++) {
		bool again = false;

		for (int h = 0; h < 2; h++) {
			if (segs[i]->seq != d->seq[h])
				continue;
			if (++hs->copies[h] == 1)
				hs->t_first[h] = segs[i]->t;
			else if (hs->copies[h] == 2)
				hs->t_again[h] = segs[i]->t;
		}
		for (unsigned int k = 0; k < i; k++)
			again |= segs[k]->seq == segs[i]->seq && segs[i]->seq != d->seq[0] &&
				segs[i]->seq != d->seq[1];
		hs->other_dups += again;
	}
}

static void
test_sack_two_holes(void)
{
	/* RFC 6675: with two holes in one window, the SACK scoreboard lets A
	 * retransmit both in the recovery's first round trip, and nothing B
	 * already holds. 100 Mbit/s wire, 1 ms each way. */
	const struct tern_sim_fault f = { .delay_us = DELAY_US, .rate_bps = 100000000,
		.queue_frames = 1000 };
	struct drop_two d = { .a = 14, .b = 18 };
	static struct tworld tw;
	const struct sim_seg *segs[4096];
	const struct tern_stats *sa;
	struct holes_seen hs;
	unsigned int n, sack_acks = 0;

	begin("sack_two_holes");
	if (!tw_up(&tw, 103, drop_two_filter, &d, NULL, &f))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.a, 64 * 1024);
	want_rx_a = 0;
	want_rx_b = 64 * 1024;
	CHECK(tw_run_until(&tw, p_rx_done, 10000000), "64 KiB delivered (B has %" PRIu64 ")",
			tw.b.rx);
	CHECK(!tw.b.bad_data, "B's data matches");
	CHECK(d.dropped == 2, "two data segments dropped (%u)", d.dropped);
	sa = tern_worker_stats(tw.w.w[0]);
	CHECK(sa->tcp_rexmt_timeout == 0, "RTO expiries %" PRIu64, sa->tcp_rexmt_timeout);
	CHECK(sa->tcp_rexmt_segs == 2, "segments retransmitted %" PRIu64 " (only the holes)",
			sa->tcp_rexmt_segs);
	/* every data segment from A: the holes went out twice, nothing else did */
	holes_seen(&tw, &d, &hs);
	CHECK(hs.copies[0] == 2 && hs.copies[1] == 2, "holes sent %u and %u times, want 2 each",
			hs.copies[0], hs.copies[1]);
	CHECK(hs.other_dups == 0, "%u segments B already had were sent again", hs.other_dups);
	/* both repairs in one round trip (2 ms): the second did not wait for
	 * the ACK of the first, as NewReno's partial ACK would make it */
	CHECK(hs.t_again[1] >= hs.t_again[0] && hs.t_again[1] - hs.t_again[0] < 2 * DELAY_US,
			"second hole resent %" PRIu64 " us after the first (RTT %u us)",
			hs.t_again[1] - hs.t_again[0], 2 * DELAY_US);
	/* B told A about both holes: its duplicate ACKs carried SACK blocks */
	n = RTE_MIN(tw_find(&tw, 1, F_SYN | F_FIN, 0, 0, segs, RTE_DIM(segs)),
			(unsigned int)RTE_DIM(segs));
	for (unsigned int i = 0; i < n; i++)
		sack_acks += segs[i]->ack == d.seq[0] && segs[i]->nsack != 0;
	CHECK(sack_acks >= 3, "B sent %u ACKs for the first hole with SACK blocks", sack_acks);
	finish_close(&tw);
	tw_down(&tw);
out:
	end(&tw);
}

static void
test_tail_loss_probe(void)
{
	/* The last two segments of a burst are lost: no duplicate ACKs can
	 * follow. RFC 8985 §7: after a probe timeout A resends the last
	 * segment; B's SACK for it shows the other hole, which A repairs at
	 * once. Both holes mended well before the 200 ms RTO would fire. */
	const struct tern_sim_fault f = { .delay_us = DELAY_US, .rate_bps = 100000000,
		.queue_frames = 1000 };
	struct drop_two d = { .a = 19, .b = 20 };
	static struct tworld tw;
	const struct tern_stats *sa;
	struct tern_conn_info ci;
	struct holes_seen hs;
	uint64_t t_fixed;

	begin("tail_loss_probe");
	if (!tw_up(&tw, 104, drop_two_filter, &d, NULL, &f))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	tern_conn_get_info(tw.a.c, &ci);
	t_send(&tw, &tw.a, 20 * 1448);
	want_rx_a = 0;
	want_rx_b = 20 * 1448;
	CHECK(tw_run_until(&tw, p_rx_done, 5000000), "all delivered (B has %" PRIu64 ")",
			tw.b.rx);
	CHECK(!tw.b.bad_data, "B's data matches");
	CHECK(d.dropped == 2, "the last two segments dropped (%u)", d.dropped);
	sa = tern_worker_stats(tw.w.w[0]);
	CHECK(sa->tcp_rexmt_timeout == 0, "RTO expiries %" PRIu64, sa->tcp_rexmt_timeout);
	CHECK(sa->tcp_tlp_probes == 1, "loss probes %" PRIu64, sa->tcp_tlp_probes);
	CHECK(sa->tcp_fast_rexmt == 1, "recoveries started by the probe's answer %" PRIu64,
			sa->tcp_fast_rexmt);
	CHECK(sa->tcp_rexmt_segs == 2, "segments resent %" PRIu64 " (the two holes)",
			sa->tcp_rexmt_segs);
	holes_seen(&tw, &d, &hs);
	t_fixed = RTE_MAX(hs.t_again[0], hs.t_again[1]);
	CHECK(hs.copies[0] == 2 && hs.copies[1] == 2, "holes sent %u and %u times, want 2 each",
			hs.copies[0], hs.copies[1]);
	CHECK(t_fixed > hs.t_first[0] && t_fixed - hs.t_first[0] < ci.rto_us,
			"both holes resent %" PRIu64 " us after the loss (RTO %u us)",
			t_fixed - hs.t_first[0], ci.rto_us);
	finish_close(&tw);
	tw_down(&tw);
out:
	end(&tw);
}

/* --------------------------------------------------- RTO under 100% loss */

static bool
drop_all_data(void *arg, const struct sim_seg *s)
{
	bool *on = arg;

	return *on && s->is_tcp && s->dir == 0;
}

static void
tune_retries(struct tern_config *cfg)
{
	cfg->tcp_retries = 10;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_max_ms = 60000;
}

static void
test_rto_backoff(void)
{
	static struct tworld tw;
	const struct sim_seg *segs[64];
	struct tern_conn_info ci;
	bool on = false;
	uint64_t prev_gap = 0, expect_gap;
	unsigned int n;

	begin("rto_backoff_etimedout");
	if (!tw_up(&tw, 202, drop_all_data, &on, tune_retries, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	sim_world_run_for(&tw.w, 100000);
	tw.w.n_trace = 0;
	on = true;
	tern_conn_get_info(tw.a.c, &ci);
	expect_gap = ci.rto_us;
	CHECK(ci.rto_us == 200000, "RTO after a 2 ms handshake: %u us (rto_min 200 ms)", ci.rto_us);
	t_send(&tw, &tw.a, 1000);
	CHECK(tw_run_until(&tw, p_a_closed, 3600000000ull), "A gave up");
	CHECK(tw.a.reason == TERN_CLOSE_TIMEOUT, "A closed by %d, want TIMEOUT", tw.a.reason);
	CHECK(tern_worker_stats(tw.w.w[0])->tcp_conn_timeout == 1, "tcp_conn_timeout");
	n = tw_find(&tw, 0, 0, 0, 1, segs, RTE_DIM(segs));
	/* the first transmission and tcp_retries = 10 retransmissions */
	CHECK(n == 11, "%u transmissions of the data, want 1 + 10 retries", n);
	for (unsigned int i = 1; i < RTE_MIN(n, (unsigned int)RTE_DIM(segs)); i++) {
		uint64_t gap = segs[i]->t - segs[i - 1]->t;

		CHECK(segs[i]->seq == segs[0]->seq, "retransmission %u of the same data", i);
		/* RFC 6298 (5.5): doubling, capped at rto_max; the wheel's 1 ms tick */
		CHECK(gap >= expect_gap && gap <= expect_gap + 1000,
				"gap before retransmission %u: %" PRIu64 " us, want %" PRIu64, i, gap,
				expect_gap);
		prev_gap = gap;
		expect_gap = RTE_MIN(expect_gap * 2, (uint64_t)60000000);
	}
	CHECK(prev_gap == 60000000 || prev_gap == 60001000, "the RTO reached its 60 s cap (%"
			PRIu64 ")", prev_gap);
	/* ETIMEDOUT one more backed-off RTO after the last retransmission */
	if (n > 0) {
		/* the tap saw A's segments DELAY_US after A sent them */
		uint64_t after = tw.a.closed_at + DELAY_US -
			segs[RTE_MIN(n, (unsigned int)RTE_DIM(segs)) - 1]->t;

		CHECK(after >= expect_gap && after <= expect_gap + 1000,
				"ETIMEDOUT %" PRIu64 " us after the last retransmission, want %"
				PRIu64, after, expect_gap);
	}
	tw_down(&tw);
out:
	end(&tw);
}

/* ------------------------------------------------- handshake and close losses */

/* The usual exchange after a handshake: 20 KB each way, A closes. */
static void
exchange_and_close(struct tworld *tw)
{
	t_send(tw, &tw->a, 20000);
	t_send(tw, &tw->b, 20000);
	want_rx_a = want_rx_b = 20000;
	CHECK(tw_run_until(tw, p_rx_done, 60000000), "data both ways (A %" PRIu64 ", B %"
			PRIu64 ")", tw->a.rx, tw->b.rx);
	CHECK(!tw->a.bad_data && !tw->b.bad_data, "data matches");
	finish_close(tw);
}

static void
test_lost_syn(void)
{
	struct drop_nth d = { .dir = 0, .mask = F_SYN | F_ACK, .value = F_SYN, .with_data = -1,
		.nth = 1 };
	static struct tworld tw;
	const struct sim_seg *syn[8];
	unsigned int n;

	begin("lost_syn");
	if (!tw_up(&tw, 303, drop_nth_filter, &d, NULL, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 10000000), "established");
	n = tw_find(&tw, 0, F_SYN | F_ACK, F_SYN, -1, syn, RTE_DIM(syn));
	CHECK(n == 2, "%u SYNs, want 2", n);
	if (n >= 2)
		CHECK(syn[1]->t - syn[0]->t >= 1000000 && syn[1]->t - syn[0]->t <= 1001000,
				"SYN retransmitted after %" PRIu64 " us, want the initial RTO 1 s "
				"(RFC 6298 2.1)", syn[1]->t - syn[0]->t);
	exchange_and_close(&tw);
	tw_down(&tw);
out:
	end(&tw);
}

static void
test_lost_synack(void)
{
	struct drop_nth d = { .dir = 1, .mask = F_SYN | F_ACK, .value = F_SYN | F_ACK,
		.with_data = -1, .nth = 1 };
	static struct tworld tw;
	const struct sim_seg *s[8];
	unsigned int n;

	begin("lost_synack");
	if (!tw_up(&tw, 404, drop_nth_filter, &d, NULL, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 10000000), "established");
	CHECK(d.done, "the SYN-ACK was dropped");
	n = tw_find(&tw, 1, F_SYN | F_ACK, F_SYN | F_ACK, -1, s, RTE_DIM(s));
	CHECK(n >= 2, "%u SYN-ACKs", n);
	CHECK(tw.a.connected_at - REPLAY_T0_US < tw.w.trace[0].t - REPLAY_T0_US + 1100000,
			"established within 1.1 s of the SYN");
	exchange_and_close(&tw);
	tw_down(&tw);
out:
	end(&tw);
}

static void
test_lost_handshake_ack(void)
{
	/* A's first segment without SYN: the ACK completing the handshake */
	struct drop_nth d = { .dir = 0, .mask = F_SYN | F_ACK | F_FIN, .value = F_ACK,
		.with_data = 0, .nth = 1 };
	static struct tworld tw;
	const struct sim_seg *s[8];
	unsigned int n;

	begin("lost_handshake_ack");
	if (!tw_up(&tw, 505, drop_nth_filter, &d, NULL, NULL))
		goto out;
	tw_connect(&tw);
	/* A is established at once and sends nothing: B must recover alone */
	CHECK(tw_run_until(&tw, p_established, 10000000), "established");
	CHECK(d.done, "the ACK was dropped");
	n = tw_find(&tw, 1, F_SYN | F_ACK, F_SYN | F_ACK, -1, s, RTE_DIM(s));
	CHECK(n == 2, "%u SYN-ACKs, want 2 (one retransmitted)", n);
	if (n == 2)
		CHECK(s[1]->t - s[0]->t >= 1000000 && s[1]->t - s[0]->t <= 1001000,
				"SYN-ACK retransmitted after %" PRIu64 " us", s[1]->t - s[0]->t);
	CHECK(tw.b.connected_at > tw.a.connected_at + 1000000, "B accepted after the "
			"retransmitted SYN-ACK was answered");
	exchange_and_close(&tw);
	tw_down(&tw);
out:
	end(&tw);
}

static void
test_lost_fin(void)
{
	struct drop_nth d = { .dir = 0, .mask = F_FIN, .value = F_FIN, .with_data = -1,
		.nth = 1 };
	static struct tworld tw;
	const struct sim_seg *s[8];
	struct tern_conn_info ci;
	unsigned int n;

	begin("lost_fin");
	if (!tw_up(&tw, 606, drop_nth_filter, &d, NULL, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.a, 3000);
	want_rx_a = 0;
	want_rx_b = 3000;
	CHECK(tw_run_until(&tw, p_rx_done, 5000000), "data");
	sim_world_run_for(&tw.w, 100000);
	tern_conn_get_info(tw.a.c, &ci);
	finish_close(&tw);
	CHECK(d.done, "A's FIN was dropped");
	n = tw_find(&tw, 0, F_FIN, F_FIN, -1, s, RTE_DIM(s));
	CHECK(n == 2, "A sent its FIN %u times, want 2", n);
	/* a tail loss probe resends it (RFC 8985 §7): after the probe timeout,
	 * max(2 * SRTT, 10 ms) with nothing added for a FIN, not the RTO */
	if (n == 2) {
		uint64_t pto = RTE_MAX(2 * (uint64_t)ci.srtt_us, (uint64_t)10000);

		CHECK(s[1]->t - s[0]->t >= pto && s[1]->t - s[0]->t <= pto + 1000,
				"FIN resent after %" PRIu64 " us, probe timeout %" PRIu64
				" (RTO %u)", s[1]->t - s[0]->t, pto, ci.rto_us);
	}
	CHECK(tern_worker_stats(tw.w.w[0])->tcp_tlp_probes == 1 &&
			tern_worker_stats(tw.w.w[0])->tcp_rexmt_timeout == 0,
			"one loss probe (%" PRIu64 "), no RTO (%" PRIu64 ")",
			tern_worker_stats(tw.w.w[0])->tcp_tlp_probes,
			tern_worker_stats(tw.w.w[0])->tcp_rexmt_timeout);
	CHECK(tern_worker_stats(tw.w.w[0])->tcp_time_wait_entered == 1, "A went through TIME_WAIT");
	tw_down(&tw);
out:
	end(&tw);
}

static bool
drop_last_ack(void *arg, const struct sim_seg *s)
{
	struct drop_nth *d = arg;

	/* A's first pure ACK after B's FIN was seen: acks B's FIN */
	if (!s->is_tcp)
		return false;
	if (s->dir == 1 && (s->flags & F_FIN) && d->seen == 0) {
		d->seen = 1;
		d->dropped.ack = s->seq + s->len + 1;   /* what A's ACK will say */
		return false;
	}
	if (d->seen == 1 && !d->done && s->dir == 0 && s->flags == F_ACK && s->len == 0 &&
			s->ack == d->dropped.ack) {
		d->done = true;
		return true;
	}
	return false;
}

static void
test_lost_last_ack(void)
{
	struct drop_nth d = { 0 };
	static struct tworld tw;
	const struct sim_seg *s[8];
	unsigned int n, acks = 0;

	begin("lost_last_ack");
	if (!tw_up(&tw, 707, drop_last_ack, &d, NULL, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.b, 3000);
	want_rx_a = 3000;
	want_rx_b = 0;
	CHECK(tw_run_until(&tw, p_rx_done, 5000000), "data");
	finish_close(&tw);
	CHECK(d.done, "A's last ACK was dropped");
	n = tw_find(&tw, 1, F_FIN, F_FIN, -1, s, RTE_DIM(s));
	CHECK(n == 2, "B sent its FIN %u times, want 2", n);
	n = tw_find(&tw, 0, 0xff, F_ACK, 0, s, RTE_DIM(s));
	for (unsigned int i = 0; i < RTE_MIN(n, (unsigned int)RTE_DIM(s)); i++)
		acks += s[i]->ack == d.dropped.ack;
	CHECK(acks == 2, "A acknowledged B's FIN %u times, want 2 (from TIME_WAIT)", acks);
	CHECK(tw.b.reason == TERN_CLOSE_NORMAL, "B (LAST_ACK) closed normally");
	tw_down(&tw);
out:
	end(&tw);
}

/* --------------------------------------------------------- simultaneous */

static uint16_t
next_port_of(struct sim_world *w, int side)
{
	/* a connection opened and aborted before any poll sends nothing and
	 * shows the port the next tern_connect will take (+1) */
	struct tern_conn *c = tern_connect(w->w[side], side == 0 ? SIM_IP_B : SIM_IP_A, 1,
			NULL, NULL);
	struct tern_conn_info ci;

	if (c == NULL)
		return 0;
	tern_conn_get_info(c, &ci);
	tern_abort(c);
	return (uint16_t)(ci.lport + 1);
}

static void
test_simultaneous_open(void)
{
	static struct tworld tw;
	const struct sim_seg *s[16];
	uint16_t pa, pb;
	unsigned int n;

	begin("simultaneous_open");
	if (!tw_up(&tw, 808, NULL, NULL, NULL, NULL))
		goto out;
	pa = next_port_of(&tw.w, 0);
	pb = next_port_of(&tw.w, 1);
	CHECK(pa != 0 && pb != 0, "ports");
	/* A: pa -> B:pb and B: pb -> A:pa, before either SYN can arrive */
	tw.a.c = tern_connect(tw.w.w[0], SIM_IP_B, pb, &t_ops, &tw.a);
	tw.b.c = tern_connect(tw.w.w[1], SIM_IP_A, pa, &t_ops, &tw.b);
	CHECK(tw.a.c != NULL && tw.b.c != NULL, "both connects");
	if (tw.a.c == NULL || tw.b.c == NULL)
		goto down;
	{
		struct tern_conn_info ia, ib;

		tern_conn_get_info(tw.a.c, &ia);
		tern_conn_get_info(tw.b.c, &ib);
		CHECK(ia.lport == pa && ib.lport == pb, "ports %u/%u, want %u/%u", ia.lport,
				ib.lport, pa, pb);
	}
	tw.b.accepted = 1;
	CHECK(tw_run_until(&tw, p_established, 10000000), "both established (A %u, B %u)",
			tw.a.connected, tw.b.connected);
	CHECK(tw.a.connected == 1 && tw.b.connected == 1, "on_connected on both sides");
	n = tw_find(&tw, 0, F_SYN | F_ACK, F_SYN, -1, s, RTE_DIM(s));
	CHECK(n == 1, "A sent %u SYNs", n);
	n = tw_find(&tw, 1, F_SYN | F_ACK, F_SYN, -1, s, RTE_DIM(s));
	CHECK(n == 1, "B sent %u SYNs", n);
	/* RFC 9293 Figure 8: each answers the other's SYN with SYN,ACK */
	n = tw_find(&tw, 0, F_SYN | F_ACK, F_SYN | F_ACK, -1, s, RTE_DIM(s));
	CHECK(n == 1, "A sent %u SYN-ACKs", n);
	n = tw_find(&tw, 1, F_SYN | F_ACK, F_SYN | F_ACK, -1, s, RTE_DIM(s));
	CHECK(n == 1, "B sent %u SYN-ACKs", n);
	n = tw_find(&tw, 0, F_RST, F_RST, -1, s, RTE_DIM(s)) +
		tw_find(&tw, 1, F_RST, F_RST, -1, s, RTE_DIM(s));
	CHECK(n == 0, "%u RSTs", n);
	if (tw.a.connected && tw.b.connected)
		exchange_and_close(&tw);
down:
	tw_down(&tw);
out:
	end(&tw);
}

static void
test_simultaneous_close(void)
{
	static struct tworld tw;
	const struct sim_seg *s[16];
	uint64_t first;
	unsigned int n;

	begin("simultaneous_close");
	if (!tw_up(&tw, 909, NULL, NULL, NULL, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.a, 5000);
	t_send(&tw, &tw.b, 5000);
	want_rx_a = want_rx_b = 5000;
	CHECK(tw_run_until(&tw, p_rx_done, 5000000), "data");
	sim_world_run_for(&tw.w, 500000);       /* every ACK is out */
	first = sim_world_trace_count(&tw.w);
	/* both close at the same virtual instant: the FINs cross */
	CHECK(tern_close(tw.a.c) == 0 && tern_close(tw.b.c) == 0, "closes");
	CHECK(tw_run_until(&tw, p_both_closed, 10000000), "both closed");
	CHECK(tw.a.reason == TERN_CLOSE_NORMAL && tw.b.reason == TERN_CLOSE_NORMAL,
			"reasons A %d B %d", tw.a.reason, tw.b.reason);
	CHECK(tern_worker_stats(tw.w.w[0])->tcp_time_wait_entered == 1 &&
			tern_worker_stats(tw.w.w[1])->tcp_time_wait_entered == 1,
			"both went through CLOSING to TIME_WAIT");
	CHECK(tw_run_until(&tw, p_no_conns, 60000000), "TIME_WAIT expired");
	/* after the close: one FIN and one ACK each way, nothing else */
	n = 0;
	for (uint64_t i = first; i < sim_world_trace_count(&tw.w); i++) {
		const struct sim_seg *g = sim_world_trace(&tw.w, i);

		if (!g->is_tcp)
			continue;
		if (n < RTE_DIM(s))
			s[n] = g;
		n++;
	}
	CHECK(n == 4, "%u segments after the closes, want FIN+FIN+ACK+ACK", n);
	tw_down(&tw);
out:
	end(&tw);
}

/* ------------------------------------------- TIME_WAIT and duplicate ACKs */

static void
test_time_wait_dup_ack(void)
{
	/* simultaneous close, but everything B sends arrives twice: A's
	 * TIME_WAIT gets B's ACK twice. RFC 9293 3.10.7.4: an acceptable
	 * segment in TIME_WAIT that is not a FIN asks for nothing; only a
	 * retransmitted FIN is acknowledged. */
	const struct tern_sim_fault dupf = { .delay_us = DELAY_US, .dup = 1.0 };
	static struct tworld tw;
	uint64_t first, n = 0;

	begin("time_wait_dup_ack");
	if (!tw_up(&tw, 1010, NULL, NULL, NULL, NULL))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.a, 5000);
	t_send(&tw, &tw.b, 5000);
	want_rx_a = want_rx_b = 5000;
	CHECK(tw_run_until(&tw, p_rx_done, 5000000), "data");
	sim_world_run_for(&tw.w, 500000);
	first = sim_world_trace_count(&tw.w);
	tern_sim_link_set_faults(tw.w.link, 1, &dupf);
	CHECK(tern_close(tw.a.c) == 0 && tern_close(tw.b.c) == 0, "closes");
	CHECK(tw_run_until(&tw, p_both_closed, 10000000), "both closed");
	/* one second into TIME_WAIT (in steps: a storm stops the test early) */
	for (int step = 0; step < 100 && n <= 100; step++) {
		sim_world_run_for(&tw.w, 10000);
		n = 0;
		for (uint64_t i = first; i < sim_world_trace_count(&tw.w); i++)
			n += sim_world_trace(&tw.w, i)->is_tcp;
	}
	/* FIN and ACK each way, plus A's ACK of B's duplicated FIN */
	CHECK(n <= 6, "%" PRIu64 "%s segments after the closes: the two TIME_WAIT ends "
			"keep acknowledging each other's ACKs", n, n > 100 ? "+" : "");
	tern_sim_link_set_faults(tw.w.link, 1, &(struct tern_sim_fault){ .delay_us = DELAY_US });
	if (n > 6) {
		/* a ping-pong would outlive TIME_WAIT on a clean wire too: stop
		 * here (the drain frees what is in flight); keep the dump short */
		tw.w.n_trace = RTE_MIN(tw.w.n_trace, first + 40);
	} else {
		CHECK(tw_run_until(&tw, p_no_conns, 60000000), "TIME_WAIT expired");
	}
	tw_down(&tw);
out:
	end(&tw);
}

/* -------------------------------- out-of-order queue vs the advertised window */

static void
test_reass_full_window(void)
{
	/* 100 Mbit/s, 15 ms one way: the 256 KiB window (181 segments) is the
	 * limit. One segment is lost when a whole window is in flight: the
	 * receiver must hold every in-window segment above the hole. */
	const struct tern_sim_fault f = { .delay_us = 15000, .rate_bps = 100000000,
		.queue_frames = 1000 };
	struct drop_nth d = { .dir = 0, .mask = F_SYN | F_FIN, .value = 0, .with_data = 1,
		.nth = 1500 };
	static struct tworld tw;
	const struct tern_stats *sa, *sb;

	begin("reass_full_window");
	if (!tw_up(&tw, 1111, drop_nth_filter, &d, NULL, &f))
		goto out;
	tw_connect(&tw);
	CHECK(tw_run_until(&tw, p_established, 5000000), "established");
	t_send(&tw, &tw.a, 200000);
	want_rx_a = 0;
	want_rx_b = 4u << 20;
	for (int i = 0; i < 100000 && tw.b.rx < want_rx_b; i++) {
		uint32_t room = tern_send_space(tw.a.c);

		if (room != 0 && tw.a.tx < want_rx_b)
			t_send(&tw, &tw.a, RTE_MIN(room, (uint32_t)(want_rx_b - tw.a.tx)));
		sim_world_run_for(&tw.w, 10000);
	}
	CHECK(tw.b.rx == want_rx_b && !tw.b.bad_data, "4 MiB delivered (%" PRIu64 ")", tw.b.rx);
	CHECK(d.done, "a segment was dropped");
	sa = tern_worker_stats(tw.w.w[0]);
	sb = tern_worker_stats(tw.w.w[1]);
	CHECK(sb->tcp_drop_ooo_full == 0, "B dropped %" PRIu64 " in-window out-of-order "
			"segments (reassembly queue full); A retransmitted %" PRIu64 " segments for "
			"one loss", sb->tcp_drop_ooo_full, sa->tcp_rexmt_segs);
	tw.w.n_trace = 0;     /* a long trace says nothing more */
	finish_close(&tw);
	tw_down(&tw);
out:
	end(&tw);
}

static int
run_trace(void)
{
	printf("exact-trace scenarios:\n");
	test_fast_retransmit();
	test_fast_retransmit_burst();
	test_sack_two_holes();
	test_tail_loss_probe();
	test_rto_backoff();
	test_lost_syn();
	test_lost_synack();
	test_lost_handshake_ack();
	test_lost_fin();
	test_lost_last_ack();
	test_simultaneous_open();
	test_simultaneous_close();
	test_time_wait_dup_ack();
	test_reass_full_window();
	return n_failed == 0 ? 0 : 1;
}

/* ------------------------------------------------------- determinism */

static bool
files_equal(const char *a, const char *b, long *size)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool eq = fa != NULL && fb != NULL;
	int ca, cb;

	*size = 0;
	while (eq) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			eq = false;
		if (ca == EOF || cb == EOF)
			break;
		(*size)++;
	}
	if (fa != NULL)
		fclose(fa);
	if (fb != NULL)
		fclose(fb);
	return eq;
}

static int
run_determinism(void)
{
	const struct sim_profile *p = sim_profile_find("mixed");
	char path[3][256];
	struct sim_result r[3];
	struct sim_opts o;
	long size = 0;
	bool same;

	begin("determinism");
	sim_opts_default(&o);
	o.bulk_bytes = 1u << 20;
	for (int i = 0; i < 3; i++) {
		snprintf(path[i], sizeof(path[i]), "/tmp/tern-sim-det-%d-%d.pcap", (int)getpid(), i);
		o.pcap = path[i];
		sim_scenario_run(p, i == 2 ? SIM_WL_SHORT : SIM_WL_BULK, i == 2 ? 43 : 42, &o, &r[i]);
	}
	same = files_equal(path[0], path[1], &size);
	CHECK(same && size > 1000, "seed 42 twice: pcaps differ (or empty: %ld bytes)", size);
	CHECK(r[0].ls[0].dropped == r[1].ls[0].dropped && r[0].vtime_us == r[1].vtime_us &&
			r[0].iterations == r[1].iterations, "seed 42 twice: runs differ");
	same = files_equal(path[0], path[2], &size);
	CHECK(!same, "seeds 42 and 43 give the same pcap");
	/* four workers a side, each frame on a random queue, both sides
	 * opening connections: the queues' PRNGs and the order workers are
	 * polled in replay too */
	o.workers = 4;
	o.spread = TERN_SIM_SPREAD_RANDOM;
	for (int i = 0; i < 2; i++) {
		o.pcap = path[i];
		sim_scenario_run(p, SIM_WL_BOTH, 44, &o, &r[i]);
		CHECK(r[i].ok, "4 workers, random, seed 44: %s", r[i].why);
	}
	same = files_equal(path[0], path[1], &size);
	CHECK(same && size > 1000, "4 workers, seed 44 twice: pcaps differ (or empty: %ld bytes)",
			size);
	CHECK(r[0].st[0].steer_tx == r[1].st[0].steer_tx && r[0].st[0].steer_tx != 0 &&
			r[0].iterations == r[1].iterations, "4 workers, seed 44 twice: runs differ");
	for (int i = 0; i < 3; i++)
		remove(path[i]);
	end(NULL);
	return cur_failed ? 1 : 0;
}

/* ------------------------------------------------------- throughput */

static void
tune_no_sack(struct tern_config *cfg)
{
	cfg->tcp_sack = 0;      /* the receiver refuses SACK: plain NewReno */
}

static void
tune_trust_checksums(struct tern_config *cfg)
{
	cfg->port_trust_checksums = 1;  /* both ends: nothing computed or checked */
}

static int
run_throughput(void)
{
	static const struct {
		const char *name;
		double drop;
		double min_frac;     /* of the 100 Mbit/s wire */
		bool no_sack;
		uint32_t burst;
		bool trust;
	} cases[] = {
		/* measured 70-80 Mbit/s: slow start overshoots the 128-frame queue
		 * once, and congestion avoidance fills it again near the end (a
		 * tail drop, repaired by a loss probe since RFC 8985 TLP: 60-67
		 * before, when it waited for the RTO); the floor catches regressions */
		{ "clean", 0, 0.65, false, 0, false },
		{ "loss 0.1%", 0.001, 0.20, false, 0, false },
		{ "loss 1%", 0.01, 0.085, false, 0, false },   /* 0.6 x the Mathis bound */
		{ "loss 1% no SACK", 0.01, 0.0, true, 0, false },
		/* 1% of frames lost in bursts of 4 (a loss event every 400) */
		{ "burst4 1%", 0.0025, 0.0, false, 4, false },
		{ "burst4 1% no SACK", 0.0025, 0.0, true, 4, false },
		/* the same bytes checked end to end with checksums trusted */
		{ "clean, trusted", 0, 0.65, false, 0, true },
	};
	double mean[RTE_DIM(cases)] = { 0 };
	int rc = 0;

	printf("throughput, 8 MiB A>B over 100 Mbit/s, 5 ms one way, 128-frame queue "
			"(virtual time):\n");
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		struct sim_profile p = { .name = cases[i].name };
		struct sim_result r;
		struct sim_opts o;
		double sec, mbps, sum = 0, worst = 1e9;
		unsigned int ok = 0;
		char name[64];

		snprintf(name, sizeof(name), "throughput %s", cases[i].name);
		begin(name);
		p.f.delay_us = 5000;
		p.f.rate_bps = 100000000;
		p.f.queue_frames = 128;
		p.f.drop = cases[i].drop;
		p.f.drop_burst = cases[i].burst;
		sim_opts_default(&o);
		o.bulk_dir = 0;
		o.cc = SIM_CC_BY_SEED;
		if (cases[i].no_sack)
			o.tune_server = tune_no_sack;
		if (cases[i].trust)
			o.tune_both = tune_trust_checksums;
		for (uint64_t seed = 1; seed <= 6; seed++) {
			sim_scenario_run(&p, SIM_WL_BULK, seed * 6, &o, &r);
			CHECK(r.ok, "seed %" PRIu64 ": %s", seed * 6, r.why);
			if (!r.ok)
				continue;
			/* the transfer (to the last byte), not the close after it */
			sec = (double)r.xfer_us / 1e6;
			mbps = (double)o.bulk_bytes * 8 / sec / 1e6;
			if (getenv("TERN_SIM_VERBOSE") != NULL)
				printf("    seed %2" PRIu64 " %-7s %7.3f s %6.1f Mbit/s: rexmt %" PRIu64
						" (rto %" PRIu64 ", fast %" PRIu64 "), queue drops %"
						PRIu64 ", link drops %" PRIu64 "\n", seed * 6, r.cc, sec,
						mbps, r.st[0].tcp_rexmt_segs, r.st[0].tcp_rexmt_timeout,
						r.st[0].tcp_fast_rexmt, r.ls[0].queue_drops,
						r.ls[0].dropped + r.ls[1].dropped);
			sum += mbps;
			worst = RTE_MIN(worst, mbps);
			ok++;
		}
		if (ok != 0) {
			mean[i] = sum / ok;
			printf("  %-16s goodput mean %6.1f Mbit/s, worst %6.1f (floor %.0f)\n",
					cases[i].name, sum / ok, worst, 100 * cases[i].min_frac);
			CHECK(worst >= 100 * cases[i].min_frac, "worst goodput %.1f Mbit/s", worst);
		}
		end(NULL);
		rc |= cur_failed;
	}
	/*
	 * The target: at 1% loss, SACK at least doubles goodput on the
	 * same seeds. Not reachable here, and printed rather than asserted: with
	 * independent 1% loss both senders sit at the Mathis et al. bound for any
	 * AIMD that halves once per loss event, MSS * 1.22 / (RTT * sqrt(p)) =
	 * 14.1 Mbit/s for a 10 ms RTT; losses are mostly one per window (cwnd ~12
	 * segments), which NewReno repairs as fast as SACK does. SACK's gain is
	 * in windows with several holes: the burst rows show it (and RFC 6582
	 * NewReno with limited transmit keeps the pipe full through the extra
	 * round trips, so even there it is modest on a 10 ms path).
	 */
	printf("  Mathis bound at 1%% loss, 10 ms RTT: %.1f Mbit/s\n",
			1448 * 8 * 1.22 / (0.010 * 0.1) / 1e6);
	printf("  SACK / no SACK goodput at 1%% loss: %.2f independent, %.2f in bursts of 4 "
			"(target 2.00: not reachable, see above)\n",
			mean[3] > 0 ? mean[2] / mean[3] : 0, mean[5] > 0 ? mean[4] / mean[5] : 0);
	return rc;
}

/* ------------------------------------------------------- regressions */

/* Seeds that found bugs: each replays the same run, frame for frame. */
static const struct {
	const char *profile, *workload;
	uint64_t seed;
	const char *what;
} regressions[] = {
	{ "dup", "short", 2, "two TIME_WAIT ends acknowledge each other's ACKs forever" },
	{ "reorder", "short", 695, "a reordered segment starts the TIME_WAIT ACK ping-pong" },
	{ "mixed", "echo", 723, "the fast retransmission of a short tail segment takes 12 "
		"bytes queued since, past SND.MAX (tcp_retransmit_range); the peer's ACK of "
		"them is 'ACK of unsent data' forever" },
	{ "mixed", "short", 9731, "an ACK completing the handshake in the burst that also held "
		"a retransmitted SYN left SND.NXT at ISS, below SND.UNA: nothing sent, no timer" },
	{ "loss20", "short", 23, "LAST_ACK reset after the peer's TIME_WAIT (tolerated)" },
	{ "loss20", "short", 125, "FIN_WAIT_2 limit shorter than the peer's FIN backoff" },
	{ "loss20", "short", 554, "all 7 SYNs lost (the sim allows 11)" },
};

static int
run_regressions(void)
{
	struct sim_opts o;
	int rc = 0;

	sim_opts_default(&o);
	printf("regression seeds:\n");
	for (unsigned int i = 0; i < RTE_DIM(regressions); i++) {
		struct sim_result r;
		char name[96];

		snprintf(name, sizeof(name), "%s/%s/%" PRIu64, regressions[i].profile,
				regressions[i].workload, regressions[i].seed);
		begin(name);
		sim_scenario_run(sim_profile_find(regressions[i].profile),
				sim_workload_parse(regressions[i].workload), regressions[i].seed, &o, &r);
		CHECK(r.ok, "%s: %s", regressions[i].what, r.why);
		end(NULL);
		rc |= cur_failed;
	}
	return rc;
}

/* ------------------------------------------------------------ SYN cookies */

static void
tune_queue_of_one(struct tern_config *cfg)
{
	/* issue "SYN cookies": a listener with a SYN queue of one */
	cfg->tcp_syn_backlog = 1;
	cfg->tcp_syncookies = TERN_SYNCOOKIES_AUTO;
}

/*
 * 200 short connections (16 at a time; the client's request rides on the
 * third segment) to a listener whose SYN queue holds one: all but the first
 * go through cookies, with window scale, SACK and timestamps restored from
 * them; under loss a lost third segment is retransmitted with its data and
 * still completes the cookie handshake, and a later segment overtaking it is
 * dropped, not reset. Clean, 1% and 5% loss, 40 seeds each; 5% loss again
 * with 4 workers a side and frames on random queues.
 */
static int
run_cookies(void)
{
	/* not loss20: a cookie is good for 2-3 minutes, and at 20% loss the
	 * third segment's backed-off retransmissions can outlive it */
	static const char *const profiles[] = { "clean", "loss1", "loss5", "loss5" };
	struct sim_opts o;
	int rc = 0;

	sim_opts_default(&o);
	o.tune_server = tune_queue_of_one;
	printf("syn cookies, server SYN queue of 1, 200 short connections:\n");
	for (unsigned int i = 0; i < RTE_DIM(profiles); i++) {
		uint64_t cookies = 0, conns = 0;
		char name[64];

		/* the last: 4 workers a side, frames on random queues, so a
		 * cookie's ACK is often taken by a worker that did not send
		 * the cookie and passed to the one that did */
		o.workers = i == RTE_DIM(profiles) - 1 ? 4 : 1;
		o.spread = o.workers > 1 ? TERN_SIM_SPREAD_RANDOM : TERN_SIM_SPREAD_QUEUE0;
		snprintf(name, sizeof(name), "cookies %s%s", profiles[i],
				o.workers > 1 ? ", 4 workers, random" : "");
		begin(name);
		for (uint64_t seed = 1; seed <= 40 && !cur_failed; seed++) {
			struct sim_result r;

			sim_scenario_run(sim_profile_find(profiles[i]),
					sim_workload_parse("short"), seed, &o, &r);
			CHECK(r.ok, "seed %" PRIu64 ": %s", seed, r.why);
			CHECK(r.st[1].tcp_rst_sent == 0, "seed %" PRIu64 ": %" PRIu64
					" RSTs from the server", seed, r.st[1].tcp_rst_sent);
			cookies += r.st[1].tcp_syncookies_ok;
			conns += r.conns;
		}
		printf("  %-8s %" PRIu64 " connections, %" PRIu64 " through cookies\n",
				profiles[i], conns, cookies);
		CHECK(cookies >= conns / 2, "%" PRIu64 " of %" PRIu64 " through cookies",
				cookies, conns);
		end(NULL);
		rc |= cur_failed;
	}
	return rc;
}

/* ------------------------------------------------------------ pressure */

/*
 * Issue 18, "no stall under pressure": tiny pools (1024 mbufs a worker, the
 * least the config takes: 2 MiB of buffers) behind send buffers twice that
 * size, so a bulk sender's backlog alone could take every mbuf; a link with
 * an 8-frame queue that tail-drops (a full ring) and 1% loss. Every
 * connection must still complete: the send queues stop at their share of the
 * pool and a segment that found no mbuf is retried (lib/tcp/tcp_output.c).
 */
static const struct sim_profile pressure_profile = {
	"pressure", "tiny pools, 4 MiB send buffers, 50 Mbit/s with an 8-frame queue, 1% loss",
	{ .delay_us = 1000, .rate_bps = 50000000, .queue_frames = 8, .drop = 0.01 },
};

static void
tune_pressure(struct tern_config *cfg)
{
	cfg->mbufs = 1024;
	cfg->mbuf_cache = 16;
	cfg->port_rx_desc = 256;
	cfg->tcp_sndbuf = 4u << 20;
}

static int
run_pressure(uint64_t seeds)
{
	uint64_t hits = 0, nombuf = 0, retries = 0, conns = 0;
	struct sim_opts o;

	sim_opts_default(&o);
	o.tune_both = tune_pressure;
	o.n_workloads = SIM_WL_N;
	o.bulk_bytes = 4u << 20;
	begin("pressure");
	for (uint64_t seed = 1; seed <= seeds; seed++) {
		struct sim_result r;

		sim_scenario_run(&pressure_profile, (int)(seed % SIM_WL_N), seed, &o, &r);
		CHECK(r.ok, "seed %" PRIu64 " (%s): %s", seed, sim_workload_name((int)(seed % SIM_WL_N)),
				r.why);
		conns += r.conns;
		for (int i = 0; i < 2; i++) {
			hits += r.st[i].tcp_snd_reserve_hit;
			nombuf += r.st[i].tcp_nombuf;
			retries += r.st[i].tcp_nombuf_retry;
		}
	}
	printf("  %" PRIu64 " seeds, %" PRIu64 " connections: %" PRIu64 " writes cut at the "
			"send share, %" PRIu64 " segments without an mbuf, %" PRIu64 " retries\n",
			seeds, conns, hits, nombuf, retries);
	/* the pressure was there: backlogs reached their share */
	CHECK(hits != 0, "no write reached the send queues' share");
	end(NULL);
	return cur_failed ? 1 : 0;
}

/* ------------------------------------------------------------ matrix */

static int
run_matrix(const char *profile, uint64_t seeds)
{
	const char *dir = getenv("TERN_SIM_PCAP_DIR");
	struct sim_matrix_totals t;
	struct sim_opts o;
	uint64_t failures = 0;

	sim_opts_default(&o);
	sim_matrix_print_header(stdout);
	for (unsigned int i = 0; i < sim_n_profiles; i++) {
		if (profile != NULL && strcmp(profile, sim_profiles[i].name) != 0)
			continue;
		sim_matrix_run(&sim_profiles[i], -1, 1, seeds, &o, dir != NULL ? dir : ".", 3, &t);
		sim_matrix_print_line(stdout, sim_profiles[i].name, &t);
		failures += t.failures;
	}
	return failures == 0 ? 0 : 1;
}

/*
 * Seeds 1..N of one profile with @p workers workers per stack and devices
 * that spread frames by @p spread, workload seed % 4 (both sides opening
 * connections included). Beyond each run's invariants (scenarios.h: under
 * RSS done our way nothing is steered), the frames some device put on a
 * worker that does not own them must have been passed on over the run.
 */
static int
run_workers(const char *profile, uint64_t seeds, const char *workers, int spread,
		unsigned int queues)
{
	const char *dir = getenv("TERN_SIM_PCAP_DIR");
	struct sim_matrix_totals t;
	struct sim_opts o;
	char name[80];

	sim_opts_default(&o);
	if (sim_workers_parse(workers, &o) != 0) {
		fprintf(stderr, "test_sim: workers %s: N or NxM, 1..%u\n", workers,
				SIM_WORKERS_MAX);
		return 2;
	}
	o.queues = queues;
	o.spread = (enum tern_sim_spread)spread;
	o.n_workloads = SIM_WL_N;
	snprintf(name, sizeof(name), "workers %s%s, %s, %s", workers,
			queues != 0 ? " (more queues)" : "", sim_spread_name(spread), profile);
	begin(name);
	sim_matrix_print_header(stdout);
	sim_matrix_run(sim_profile_find(profile), -1, 1, seeds, &o, dir != NULL ? dir : ".", 3,
			&t);
	sim_matrix_print_line(stdout, profile, &t);
	CHECK(t.failures == 0, "%" PRIu64 " of %" PRIu64 " seeds failed", t.failures, t.seeds);
	if (RTE_MAX(o.workers, o.workers_b) > 1 && spread != TERN_SIM_SPREAD_RSS)
		CHECK(t.steer_tx != 0, "no frame steered with %s workers and %s", workers,
				sim_spread_name(spread));
	else
		CHECK(t.steer_tx == 0, "%" PRIu64 " frames steered", t.steer_tx);
	end(NULL);
	return cur_failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";
	int rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(what, "matrix") == 0 && argc > 2 && sim_profile_find(argv[2]) == NULL &&
			strcmp(argv[2], "all") != 0) {
		fprintf(stderr, "test_sim: unknown profile %s\n", argv[2]);
		return 2;
	}
	sim_eal_init();
	if (strcmp(what, "workers") == 0) {
		int spread = argc > 5 ? sim_spread_parse(argv[5]) : -1;
		unsigned int queues = argc > 6 ? (unsigned int)strtoul(argv[6], NULL, 0) : 0;

		if (argc <= 5 || sim_profile_find(argv[2]) == NULL || spread < 0 ||
				queues > SIM_QUEUES_MAX) {
			fprintf(stderr, "usage: test_sim workers PROFILE SEEDS N|NxM "
					"queue0|rss|flow|random [QUEUES]\n");
			return 2;
		}
		rc = run_workers(argv[2], strtoull(argv[3], NULL, 0), argv[4], spread, queues);
	} else if (strcmp(what, "matrix") == 0)
		rc = run_matrix(argc > 2 && strcmp(argv[2], "all") != 0 ? argv[2] : NULL,
				argc > 3 ? strtoull(argv[3], NULL, 0) : 200);
	else if (strcmp(what, "trace") == 0)
		rc = run_trace();
	else if (strcmp(what, "determinism") == 0)
		rc = run_determinism();
	else if (strcmp(what, "throughput") == 0)
		rc = run_throughput();
	else if (strcmp(what, "regressions") == 0)
		rc = run_regressions();
	else if (strcmp(what, "cookies") == 0)
		rc = run_cookies();
	else if (strcmp(what, "pressure") == 0)
		rc = run_pressure(argc > 2 ? strtoull(argv[2], NULL, 0) : 200);
	else if (strcmp(what, "all") == 0)
		rc = run_trace() | run_determinism() | run_throughput() | run_regressions() |
			run_cookies() | run_pressure(200) | run_matrix(NULL, 200);
	else {
		fprintf(stderr, "usage: test_sim [matrix [PROFILE|all [SEEDS]] | workers PROFILE "
				"SEEDS WORKERS SPREAD [QUEUES] | trace | determinism | throughput | "
				"regressions | cookies | pressure [SEEDS]]\n");
		return 2;
	}
	printf("%u checks, %u failed tests\n", n_checks, n_failed);
	rte_eal_cleanup();
	return rc;
}
