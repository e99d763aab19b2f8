/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp against hostile peers (issue 18): each case a regression test.
 * Cases other suites already cover are not repeated here:
 *
 *   option length 0, 1, past the       test_tcp.c test_options_malformed (on a
 *   header (overlong), wrong lengths   SYN and on a connection: dropped, counted)
 *   data offset < 5 or past the        test_tcp.c test_data_offset_bad
 *   segment
 *   SYN without MSS (passive)          test_tcp.c test_passive_open_no_mss_means_536
 *   RST exact / in window / outside    test_tcp_close.c test_rst_exact_resets,
 *   (RFC 5961 §3)                      test_rst_in_window_challenged,
 *                                      test_rst_outside_window_ignored,
 *                                      test_challenge_ack_rate_limit
 *   SYN in window / exact (§4)         test_tcp_close.c test_syn_in_established_challenged
 *   FIN again in TIME_WAIT, FIN out    test_tcp_close.c test_time_wait_fin_retransmitted,
 *   of order                           test_fin_out_of_order
 *   segments after close               test_tcp.c test_closed_port_*, test_tcp_close.c
 *                                      test_time_wait_*, test_send_after_close_and_shutdown
 *   zero-window probing, backoff       test_tcp_data.c test_zero_window_*
 *
 * and here:
 *
 *   SYN-ACK without MSS, MSS 1 and 0   536 used; a floor of 64
 *   SACK blocks at or below SND.UNA,   ignored and counted (tcp_sack_ignored);
 *   past SND.MAX, a storm of them      the scoreboard stays bounded
 *   window 0 forever                   probes back off to rto_max and go on;
 *                                      no memory grows
 *   a peer that never reads            the send buffer bounds the backlog
 *   ... with a user timeout (RFC 5482) it ends ETIMEDOUT on time, and so do
 *   unacknowledged data, a SYN        (test_user_timeout_*); progress restarts it
 *   duplicate and conflicting FINs     acknowledged, on_peer_closed once
 *   SYN outside the window             challenge ACK (RFC 5961 §4.2)
 *   segments after an abort            RST, never state
 *   out-of-order flood                 reassembly bounded by reass_max, counted
 *   4-tuples picked to share a bucket  the tables' hash is keyed and not affine
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_random.h>

#include "core_priv.h"
#include "tcp_harness.h"
#include "tcp_priv.h"

static struct th h;

static void
setup(void)
{
	th_init(&h, "tern_unit_tcp_hostile");
}

static void
teardown(void)
{
	th_down(&h);
}

static const struct tern_stats *
st(void)
{
	return th_stats(&h);
}

static unsigned int
pool_free(void)
{
	return rte_mempool_avail_count(tern_worker_pool(h.ns.w));
}

/* Queue @len bytes of the data pattern at tern's sequence @seq. */
static void
send_pattern(uint32_t seq, uint32_t len)
{
	static uint8_t buf[64 * 1024];

	ck_assert_uint_le(len, sizeof(buf));
	th_fill(buf, seq, len);
	ck_assert_int_eq(tern_send(h.c, buf, len), (int)len);
}

/* ------------------------------------------------------------ MSS */

/* RFC 9293 §3.7.1 MUST-15: a SYN-ACK without MSS means 536. */
START_TEST(test_synack_without_mss_536)
{
	const struct th_opts none = { 0 };
	uint32_t x;

	th_up(&h);
	x = th_open_active(&h, 3000, &none);
	ck_assert_uint_eq(th_info(h.c).mss, 536);
	send_pattern(x + 1, 1000);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 3001, TH_ANY, 536);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 537, 3001, TH_ANY, 464);
	TH_EXPECT_NONE(&h);
}
END_TEST

/* An MSS of 1 (or 0) would make segments of nothing: a floor of 64 bytes. */
START_TEST(test_mss_tiny_clamped)
{
	const struct th_opts o = { .mss = (uint16_t)(_i == 0 ? 1 : 0), .raw = NULL };
	const uint8_t raw0[] = { 2, 4, 0, 0 };
	const struct th_opts o0 = { .raw = raw0, .raw_len = sizeof(raw0) };
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 100, _i == 0 ? &o : &o0);
	ck_assert_uint_eq(th_info(h.c).mss, 64);
	send_pattern(x + 1, 200);
	th_poll(&h);
	for (uint32_t k = 0; k < 3; k++)
		TH_EXPECT(&h, T_ACK, x + 1 + 64 * k, 101, TH_ANY, 64);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 193, 101, TH_ANY, 8);
	TH_EXPECT_NONE(&h);
}
END_TEST

/* ------------------------------------------------------------ SACK */

static uint32_t
open_sack(void)
{
	const struct th_opts o = { .mss = 1460, .sack_ok = 1 };

	return th_open_passive(&h, 5000, &o);
}

/* Four full segments out, none acknowledged. @return SND.UNA. */
static uint32_t
four_in_flight(uint32_t x)
{
	send_pattern(x + 1, 4 * 1460);
	th_poll(&h);
	for (uint32_t k = 0; k < 4; k++)
		TH_EXPECT(&h, TH_ANY, x + 1 + k * 1460, 5001, TH_ANY, 1460);
	TH_EXPECT_NONE(&h);
	return x + 1;
}

/* The first segment sent within @ms milliseconds, which must be at @seq. */
static void
expect_resend_of(uint32_t seq, unsigned int ms)
{
	for (unsigned int t = 0; t < ms; t++) {
		th_advance_ms(&h, 1);
		if (th_pending(&h) != 0) {
			th_check_payload(TH_EXPECT(&h, TH_ANY, seq, 5001, TH_ANY, 1460), seq);
			return;
		}
	}
	ck_abort_msg("nothing resent in %u ms", ms);
}

/*
 * A block that starts at or below SND.UNA claims the byte the peer's own
 * ACK says is missing. Clamped to SND.UNA it made the whole flight look
 * SACKed: the RTO then skipped everything, sent nothing, armed nothing, and
 * the connection hung forever, never timing out. Such blocks are ignored.
 */
START_TEST(test_sack_at_or_below_una_ignored)
{
	uint32_t x, una;
	struct th_opts o = { .nsack = 1 };

	th_up(&h);
	x = open_sack();
	una = four_in_flight(x);
	o.sack[0][0] = _i == 0 ? una - 100 : una;
	o.sack[0][1] = una + 4 * 1460;
	th_inject(&h, T_ACK, 5001, una, TH_PWND, NULL, 0, &o);
	th_poll(&h);
	/* the RTO resends SND.UNA, as with no SACK at all */
	expect_resend_of(una, 5000);
	ck_assert_uint_eq(st()->tcp_sack_ignored, 1);
	/* and the connection still ends when the peer never answers */
	for (int s = 0; s < 600 && th_state(h.c) == TERN_TCP_ESTABLISHED; s++) {
		th_advance_ms(&h, 1000);
		while (th_pending(&h) != 0)
			th_next(&h, &h.last);
	}
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
}
END_TEST

/* Blocks past SND.MAX (data never sent), reversed or empty: ignored. */
START_TEST(test_sack_outside_flight_ignored)
{
	uint32_t x, una;
	struct th_opts o = { .nsack = 3 };

	th_up(&h);
	x = open_sack();
	una = four_in_flight(x);
	o.sack[0][0] = una + 1460;
	o.sack[0][1] = una + 5 * 1460;          /* past SND.MAX */
	o.sack[1][0] = una + 3 * 1460;
	o.sack[1][1] = una + 2 * 1460;          /* reversed */
	o.sack[2][0] = una + 0x80000000u;
	o.sack[2][1] = una + 0x80000000u + 1460; /* half the space away */
	th_inject(&h, T_ACK, 5001, una, TH_PWND, NULL, 0, &o);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* nothing counts as SACKed: the RTO resends from SND.UNA */
	expect_resend_of(una, 5000);
	ck_assert_uint_eq(st()->tcp_sack_ignored, 3);
	th_inject(&h, T_ACK, 5001, una + 4 * 1460, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_rec_of(&h, h.c)->sent, 4 * 1460);
}
END_TEST

/*
 * A storm: thousands of duplicate ACKs, each with four blocks anywhere in
 * (and around) the flight. Nothing grows (the scoreboard holds 8 ranges),
 * and an honest ACK still ends it.
 */
START_TEST(test_sack_storm)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint32_t x, una;
	unsigned int free0;

	th_up(&h);
	x = open_sack();
	una = four_in_flight(x);
	free0 = pool_free();
	for (int k = 0; k < 5000; k++) {
		struct th_opts o = { .nsack = 4 };

		for (int b = 0; b < 4; b++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			o.sack[b][0] = una - 3000 + (uint32_t)(rng % 12000);
			o.sack[b][1] = o.sack[b][0] + (uint32_t)((rng >> 32) % 3000);
		}
		th_inject(&h, T_ACK, 5001, una, TH_PWND, NULL, 0, &o);
		if (k % 32 == 31) {
			th_poll(&h);
			while (th_pending(&h) != 0)
				th_next(&h, &h.last);
		}
	}
	th_poll(&h);
	while (th_pending(&h) != 0)
		th_next(&h, &h.last);
	ck_assert_uint_eq(pool_free(), free0);
	ck_assert_uint_gt(st()->tcp_sack_ignored, 0);
	th_inject(&h, T_ACK, 5001, una + 4 * 1460, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_rec_of(&h, h.c)->sent, 4 * 1460);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

/* ------------------------------------------------------------ zero window */

/*
 * Window 0 forever, every probe answered: RFC 1122 §4.2.2.17, the
 * connection stays open while the peer answers. The probes back off to
 * rto_max and go on at that pace; nothing is retransmitted, nothing grows.
 */
START_TEST(test_zero_window_forever)
{
	uint64_t last_us = 0, gap_max = 0;
	unsigned int probes = 0, free0 = 0;
	uint32_t x;

	h.ns.cfg.tcp_rto_max_ms = 10000;
	h.ns.cfg.arp_timeout_s = 7200;  /* the test peer answers no ARP request */
	th_up(&h);
	x = th_open_passive(&h, 700, NULL);
	th_inject(&h, T_ACK, 701, x + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	send_pattern(x + 1, 5000);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* an hour of it; what the pool holds after the first minute it holds
	 * to the end, give or take the one probe that may wait on ARP */
	for (unsigned int s = 0; s < 3600; s++) {
		th_advance_ms(&h, 1000);
		while (th_pending(&h) != 0) {
			const struct th_seg *p = TH_EXPECT(&h, T_ACK, x + 1, 701, TH_ANY, 1);

			th_check_payload(p, x + 1);
			if (last_us != 0)
				gap_max = RTE_MAX(gap_max, h.ns.now - last_us);
			last_us = h.ns.now;
			probes++;
			th_inject(&h, T_ACK, 701, x + 1, 0, NULL, 0, NULL);
			th_poll(&h);
		}
		if (s == 60)
			free0 = pool_free();
		else if (s > 60)
			ck_assert_uint_ge(pool_free() + 1, free0);
	}
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_closed, 0);
	/* 1, 2, 4, 8 s, then every 10 s (rto_max): about 360 in the hour */
	ck_assert_uint_ge(probes, 350);
	ck_assert_uint_le(probes, 365);
	ck_assert_uint_le(gap_max, 10u * 1000000 + 1000);
	ck_assert_uint_eq(st()->tcp_rexmt_timeout, 0);
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 1);
}
END_TEST

/*
 * A peer that never reads: its window closes and stays closed. The backlog
 * stops at [tcp] sndbuf (tern_send returns 0); an idle timeout closes the
 * connection gracefully, but its FIN waits behind data that cannot go, and
 * the probes are answered (RFC 1122 §4.2.2.17), so without a user timeout
 * (test_user_timeout_peer_never_reads) only tern_abort ends it.
 */
START_TEST(test_peer_never_reads)
{
	static uint8_t buf[16 * 1024];
	uint64_t queued = 0;
	unsigned int free0;
	uint32_t x;
	int rc;

	h.ns.cfg.tcp_sndbuf = 64 * 1024;
	th_up(&h);
	x = th_open_passive(&h, 800, NULL);
	th_inject(&h, T_ACK, 801, x + 1, 1000, NULL, 0, NULL);
	th_poll(&h);
	while ((rc = tern_send(h.c, buf, sizeof(buf))) > 0)
		queued += (uint64_t)rc;
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(queued, 64 * 1024);
	ck_assert_uint_eq(tern_send_space(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 801, TH_ANY, 1000);
	/* the peer takes that and no more */
	th_inject(&h, T_ACK, 801, x + 1001, 0, NULL, 0, NULL);
	th_poll(&h);
	free0 = pool_free();
	tern_conn_set_idle_timeout(h.c, 5000000);
	for (unsigned int s = 0; s < 120; s++) {
		th_advance_ms(&h, 1000);
		while (th_pending(&h) != 0) {
			TH_EXPECT(&h, T_ACK, x + 1001, 801, TH_ANY, 1);
			th_inject(&h, T_ACK, 801, x + 1001, 0, NULL, 0, NULL);
			th_poll(&h);
		}
		ck_assert_uint_le(pool_free(), free0 + 1);
		ck_assert_uint_ge(pool_free() + 1, free0);
	}
	ck_assert_int_eq(tern_send(h.c, buf, 1), -EPIPE);      /* closed by the idle timeout */
	ck_assert_uint_eq(h.n_closed, 0);
	tern_abort(h.c);
	th_poll(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_ABORTED);
}
END_TEST

/* ------------------------------------------------------------ user timeout */

/* Consume what tern sent. */
static void
drain(void)
{
	struct th_seg seg;

	while (th_next(&h, &seg))
		;
}

/*
 * Advance in 10 ms steps until on_closed, answering every segment tern sends
 * with an ACK of tern's @ack and window @wnd, for at most @limit_ms.
 * @return the milliseconds it took; the limit if it did not close.
 */
static uint64_t
run_until_closed(uint32_t ack, uint16_t wnd, uint64_t limit_ms)
{
	uint64_t t0 = h.ns.now;

	while (h.n_closed == 0 && h.ns.now - t0 < limit_ms * 1000) {
		th_advance_ms(&h, 10);
		while (th_pending(&h) != 0) {
			struct th_seg seg;

			ck_assert(th_next(&h, &seg));
			if (!(seg.flags & T_RST))
				th_inject(&h, T_ACK, seg.ack, ack, wnd, NULL, 0, NULL);
			th_poll(&h);
		}
	}
	return (h.ns.now - t0) / 1000;
}

/*
 * RFC 5482 §3 / RFC 9293 §3.10.8: the peer never reads and answers every
 * window probe; with a user timeout of 30 s the connection ends ETIMEDOUT
 * 30 s after the window shut (dated from the first probe, less the interval
 * it waited), and everything it held goes back to the pool.
 */
START_TEST(test_user_timeout_peer_never_reads)
{
	static uint8_t buf[16 * 1024];
	unsigned int free0;
	uint64_t took;
	uint32_t x;

	h.ns.cfg.tcp_sndbuf = 64 * 1024;
	th_up(&h);
	free0 = pool_free();
	x = th_open_passive(&h, 800, NULL);
	th_inject(&h, T_ACK, 801, x + 1, 1000, NULL, 0, NULL);
	th_poll(&h);
	while (tern_send(h.c, buf, sizeof(buf)) > 0)
		;
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 801, TH_ANY, 1000);
	ck_assert_int_eq(tern_conn_set_user_timeout(h.c, 30000), 0);
	th_inject(&h, T_ACK, 801, x + 1001, 0, NULL, 0, NULL);    /* the window shuts */
	th_poll(&h);
	took = run_until_closed(x + 1001, 0, 120000);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_uint_ge(took, 30000);
	ck_assert_uint_le(took, 30020);
	ck_assert_uint_ge(st()->tcp_persist_probes, 4);
	ck_assert_uint_eq(st()->tcp_user_timeout, 1);
	ck_assert_uint_eq(st()->tcp_conn_timeout, 1);
	th_poll(&h);
	ck_assert_uint_eq(pool_free(), free0);
}
END_TEST

/*
 * Data the peer never acknowledges: without SACK no loss probe, so RTOs at
 * 0.2, 0.6, 1.4 and 3.0 s (rto_min 200 ms, doubling); the one due at 6.2 s
 * is brought forward to the user timeout's 5 s, where the connection ends.
 * With SACK and rto_min 1 s a loss probe goes first, at 0.2 s (two RTTs
 * of nothing plus a delayed ACK's 200 ms), then RTOs at 1.2 and 3.2 s; the
 * stall still counts from the send.
 */
START_TEST(test_user_timeout_unacked_data)
{
	const struct th_opts sack = { .mss = 1460, .sack_ok = 1 };
	unsigned int resends = 0;
	struct th_seg seg;
	uint64_t t0;
	uint32_t x;

	if (_i == 1)
		h.ns.cfg.tcp_rto_min_ms = 1000;
	th_up(&h);
	x = th_open_passive(&h, 900, _i == 1 ? &sack : NULL);
	ck_assert_int_eq(tern_conn_set_user_timeout(h.c, 5000), 0);
	t0 = h.ns.now;
	send_pattern(x + 1, 1000);
	th_poll(&h);
	drain();
	while (h.n_closed == 0 && h.ns.now - t0 < 10000000) {
		th_advance_ms(&h, 10);
		while (th_next(&h, &seg)) {
			ck_assert_uint_ne(seg.flags & T_ACK, 0);
			resends++;
		}
	}
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_uint_ge(h.ns.now - t0, 5000000);
	ck_assert_uint_le(h.ns.now - t0, 5020000);
	ck_assert_uint_eq(st()->tcp_tlp_probes, _i == 1 ? 1 : 0);
	ck_assert_uint_eq(st()->tcp_rexmt_timeout, _i == 1 ? 2 : 4);
	ck_assert_uint_eq(resends, _i == 1 ? 3 : 4);
	ck_assert_uint_eq(st()->tcp_user_timeout, 1);
}
END_TEST

/*
 * Progress restarts the clock: a peer that acknowledges 1000 bytes every
 * 1.5 s outlives a 2 s user timeout for 30 s; once it stops, the connection
 * ends 2 s after its last ACK, though its RTO has grown far past that, and
 * only after one retransmission (the RTO brought forward to the 2 s).
 */
START_TEST(test_user_timeout_progress_restarts)
{
	uint32_t x, acked, rto_last = 0;
	uint64_t last_ack;
	unsigned int resent_after = 0;
	struct th_seg seg;

	th_up(&h);
	x = th_open_passive(&h, 1000, NULL);
	ck_assert_int_eq(tern_conn_set_user_timeout(h.c, 2000), 0);
	send_pattern(x + 1, 40000);
	th_poll(&h);
	acked = x + 1;
	last_ack = h.ns.now;
	while (h.ns.now - last_ack < 10000000 && h.n_closed == 0) {
		th_advance_ms(&h, 10);
		while (th_next(&h, &seg))
			resent_after += acked - x - 1 == 30000 && seg.seq == acked;
		if (h.ns.now - last_ack >= 1500000 && acked - x - 1 < 30000) {
			acked += 1000;
			th_inject(&h, T_ACK, 1001, acked, TH_PWND, NULL, 0, NULL);
			th_poll(&h);
			drain();
			last_ack = h.ns.now;
			rto_last = th_info(h.c).rto_us;
		}
	}
	ck_assert_uint_eq(acked, x + 1 + 30000);    /* it lived through all 30 */
	ck_assert_uint_gt(rto_last, 2000000);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_uint_ge(h.ns.now - last_ack, 2000000);
	ck_assert_uint_le(h.ns.now - last_ack, 2020000);
	ck_assert_uint_eq(resent_after, 1);
}
END_TEST

/*
 * A peer whose window stays at 0 but that takes each probe's octet makes
 * progress: with a 10 s user timeout it lives a minute of probes backed off
 * past 10 s; when it stops taking them, the connection ends 10 s after the
 * last octet it took, after one more probe.
 */
START_TEST(test_user_timeout_probes_taken)
{
	static uint8_t buf[8192];
	struct th_seg seg;
	uint64_t last_taken = 0;
	uint32_t x, taken = 0;
	bool taking = true;

	h.ns.cfg.tcp_rto_max_ms = 60000;
	h.ns.cfg.arp_timeout_s = 7200;  /* the test peer answers no ARP request */
	th_up(&h);
	x = th_open_passive(&h, 700, NULL);
	ck_assert_int_eq(tern_conn_set_user_timeout(h.c, 10000), 0);
	ck_assert_int_eq(tern_send(h.c, buf, sizeof(buf)), (int)sizeof(buf));
	th_inject(&h, T_ACK, 701, x + 1, 0, NULL, 0, NULL);    /* shut before any data */
	th_poll(&h);
	drain();
	last_taken = h.ns.now;
	while (h.n_closed == 0 && h.ns.now - last_taken < 120000000) {
		th_advance_ms(&h, 10);
		while (th_next(&h, &seg)) {
			if (!taking || seg.len != 1)
				continue;
			/* the probe's octet taken, the window still 0 */
			taken++;
			th_inject(&h, T_ACK, 701, seg.seq + 1, 0, NULL, 0, NULL);
			th_poll(&h);
			last_taken = h.ns.now;
		}
		if (taking && taken >= 8)
			taking = false;
	}
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_uint_eq(taken, 8);
	ck_assert_uint_ge(h.ns.now - last_taken, 10000000);
	ck_assert_uint_le(h.ns.now - last_taken, 10020000);
	ck_assert_uint_eq(st()->tcp_user_timeout, 1);
}
END_TEST

/*
 * The window stays 0 but the peer takes each probe's octet until the queue
 * is empty: nothing is left to probe for or to time out, so probing stops
 * and the connection lives on (Linux does the same).
 */
START_TEST(test_user_timeout_all_taken_at_zero_window)
{
	struct th_seg seg;
	unsigned int probes = 0;
	uint32_t x;

	h.ns.cfg.arp_timeout_s = 7200;  /* the test peer answers no ARP request */
	th_up(&h);
	x = th_open_passive(&h, 700, NULL);
	ck_assert_int_eq(tern_conn_set_user_timeout(h.c, 2000), 0);
	ck_assert_int_eq(tern_send(h.c, "abcde", 5), 5);
	th_inject(&h, T_ACK, 701, x + 1, 0, NULL, 0, NULL);    /* shut before any data */
	th_poll(&h);
	drain();
	for (unsigned int ms = 0; ms < 60000; ms += 10) {
		th_advance_ms(&h, 10);
		while (th_next(&h, &seg)) {
			probes++;
			ck_assert_uint_eq(seg.len, 1);
			th_inject(&h, T_ACK, 701, seg.seq + 1, 0, NULL, 0, NULL);
			th_poll(&h);
		}
	}
	ck_assert_uint_eq(probes, 5);
	ck_assert_uint_eq(h.n_closed, 0);
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 6);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

/*
 * [tcp] user_timeout_ms reaches every connection, an active open's SYN
 * included: the SYN to a silent peer goes at 0 and 1 s (initial RTO 1 s);
 * the next, due at 3 s, is brought forward to the 2.5 s user timeout, where
 * the connection ends, not after [tcp] syn_retries.
 */
START_TEST(test_user_timeout_config_syn)
{
	unsigned int syns = 0;
	uint64_t t0;

	h.ns.cfg.tcp_user_timeout_ms = 2500;
	th_up(&h);
	t0 = h.ns.now;
	h.c = th_connect(&h);
	ck_assert_int_eq(tern_conn_set_user_timeout(h.c, TERN_USER_TIMEOUT_MS_MAX + 1), -EINVAL);
	th_poll(&h);
	while (h.n_closed == 0 && h.ns.now - t0 < 10000000) {
		struct th_seg seg;

		while (th_next(&h, &seg)) {
			ck_assert_uint_eq(seg.flags, T_SYN);
			syns++;
		}
		th_advance_ms(&h, 10);
	}
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_uint_ge(h.ns.now - t0, 2500000);
	ck_assert_uint_le(h.ns.now - t0, 2520000);
	ck_assert_uint_eq(syns, 2);
	ck_assert_uint_eq(st()->tcp_user_timeout, 1);
}
END_TEST

/* ------------------------------------------------------------ FIN, SYN, after close */

/* The peer's FIN again and again, and a second FIN further on: each is
 * answered with an ACK of the first; the app hears of the close once. */
START_TEST(test_duplicate_fins)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 900, NULL);
	th_inject(&h, T_ACK | T_FIN, 901, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 902, TH_ANY, 0);
	ck_assert_uint_eq(h.n_peer_closed, 1);
	for (int k = 0; k < 5; k++) {
		th_inject(&h, T_ACK | T_FIN, 901, x + 1, TH_PWND, NULL, 0, NULL);
		th_poll(&h);
		TH_EXPECT(&h, T_ACK, x + 1, 902, TH_ANY, 0);
	}
	/* a FIN past the first one (with data) changes nothing */
	th_inject_data(&h, T_ACK | T_FIN, 902, x + 1, 10);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 902, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_peer_closed, 1);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(th_info(h.c).rcv_nxt, 902);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_CLOSE_WAIT);
}
END_TEST

/* RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK whatever
 * its sequence number (test_tcp_close covers in-window and exact). */
START_TEST(test_syn_outside_window_challenged)
{
	const uint32_t seqs[] = { 1001 - 1, 1001 - 100000, 1001 + 65535, 1001 + 0x80000000u };
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 1000, NULL);
	for (unsigned int k = 0; k < RTE_DIM(seqs); k++) {
		th_advance_ms(&h, 1);
		th_inject(&h, T_SYN, seqs[k], 0, TH_PWND, NULL, 0, NULL);
		th_poll(&h);
		TH_EXPECT(&h, T_ACK, x + 1, 1001, TH_ANY, 0);
		TH_EXPECT_NONE(&h);
	}
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_closed, 0);
	ck_assert_uint_eq(th_count_all(&h), 1);
}
END_TEST

/* After an abort the pair is unknown: data gets a RST, a RST gets nothing,
 * and nothing makes state again but a SYN. */
START_TEST(test_segments_after_abort)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 2000, NULL);
	tern_abort(h.c);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 1, TH_ANY, TH_ANY, 0);
	ck_assert_uint_eq(th_count_all(&h), 0);
	th_inject_data(&h, T_ACK, 2001, x + 1, 50);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 1, TH_ANY, TH_ANY, 0);
	th_inject(&h, T_ACK | T_FIN, 2051, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 1, TH_ANY, TH_ANY, 0);
	th_inject(&h, T_RST, 2051, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(h.rx_len, 0);
}
END_TEST

/* ------------------------------------------------------------ reassembly */

/*
 * 3000 one-byte segments, each after a hole, inside the window: the queue
 * stops at reass_max segments (rcvbuf / 256, at least 128), the rest is
 * dropped and counted, and filling the holes delivers what was kept.
 */
START_TEST(test_ooo_flood_bounded)
{
	const uint32_t irs = 0xffff0000u, b = irs + 1;
	uint32_t reass_max = RTE_MAX(128u, 32768u / 256), x;
	unsigned int free0;

	h.ns.cfg.tcp_rcvbuf = 32768;
	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	free0 = pool_free();
	for (uint32_t k = 0; k < 3000; k++) {
		th_inject_data(&h, T_ACK, b + 1 + 2 * (k % 16000), x + 1, 1);
		if (k % 32 == 31) {
			th_poll(&h);
			while (th_pending(&h) != 0)
				th_next(&h, &h.last);
		}
	}
	th_poll(&h);
	while (th_pending(&h) != 0)
		th_next(&h, &h.last);
	ck_assert_uint_eq(st()->tcp_rx_ooo_segs, reass_max);
	ck_assert_uint_gt(st()->tcp_drop_ooo_full, 0);
	ck_assert_uint_eq(st()->tcp_rx_ooo_segs + st()->tcp_drop_ooo_full +
			st()->tcp_drop_unacceptable, 3000);
	ck_assert_uint_eq(h.rx_len, 0);
	/* the queue holds one mbuf a segment, the harness's pool none */
	ck_assert_uint_eq(pool_free(), free0);
	/* fill every hole up to the last kept segment: all of it arrives */
	for (uint32_t k = 0; k < reass_max; k++) {
		th_inject_data(&h, T_ACK, b + 2 * k, x + 1, 1);
		if (k % 16 == 15)
			th_poll(&h);
	}
	th_poll(&h);
	ck_assert_uint_eq(h.rx_len, 2 * reass_max);
	th_check_rx(&h, 0, b, 2 * reass_max);
	ck_assert_uint_eq(th_info(h.c).rcv_nxt, b + 2 * reass_max);
}
END_TEST

/* ------------------------------------------------------ connection tables */

static void
random_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rte_rand();
}

/* @n bytes at @d: those at @a, @b and @c, XORed */
static void
xor3(void *d, const void *a, const void *b, const void *c, size_t n)
{
	uint8_t *out = d;
	const uint8_t *x = a, *y = b, *z = c;

	for (size_t i = 0; i < n; i++)
		out[i] = x[i] ^ y[i] ^ z[i];
}

/* Whether @t's hash of the keys a, b, c and a ^ b ^ c (at @k, @len bytes
 * apart) XORs to zero, as any affine hash's does */
static bool
hash_affine_on(const struct rte_hash *t, const uint8_t *k, size_t len)
{
	return (rte_hash_hash(t, k) ^ rte_hash_hash(t, k + len) ^ rte_hash_hash(t, k + 2 * len) ^
			rte_hash_hash(t, k + 3 * len)) == 0;
}

/*
 * The tables' hash is not affine (docs/design.md, "TCP specifics"): h(a) ^
 * h(b) ^ h(c) == h(a ^ b ^ c), true of every key for a CRC whatever its init
 * value, holds for none of 64 random triples (one in 2^32 would by chance),
 * in both tables.
 */
START_TEST(test_table_hash_not_affine)
{
	struct tcp_worker *tw;
	unsigned int affine = 0, affine6 = 0;

	th_use_ip6(&h);
	th_up(&h);
	tw = &h.ns.w->tcp;
	ck_assert_ptr_nonnull(tw->conns6);
	for (int i = 0; i < 64; i++) {
		struct tcp_key k[4];
		struct tcp_key6 k6[4];

		random_bytes(k, 3 * sizeof(k[0]));
		xor3(&k[3], &k[0], &k[1], &k[2], sizeof(k[0]));
		affine += hash_affine_on(tw->conns, (const uint8_t *)k, sizeof(k[0]));
		random_bytes(k6, 3 * sizeof(k6[0]));
		xor3(&k6[3], &k6[0], &k6[1], &k6[2], sizeof(k6[0]));
		affine6 += hash_affine_on(tw->conns6, (const uint8_t *)k6, sizeof(k6[0]));
	}
	ck_assert_uint_le(affine, 1);
	ck_assert_uint_le(affine6, 1);
}
END_TEST

/* How many of @n random IPv4 keys @t hashes as lookup3 keyed by @secret */
static unsigned int
hash_matches_keyed(const struct rte_hash *t, uint32_t secret, unsigned int n)
{
	unsigned int same = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct tcp_key k;
		uint32_t w[3];

		random_bytes(&k, sizeof(k));
		memcpy(w, &k, sizeof(w));
		same += rte_hash_hash(t, &k) == rte_jhash_3words(w[0], w[1], w[2], secret);
	}
	return same;
}

/*
 * The tables' hash is keyed (docs/design.md, "TCP specifics"): the table
 * hashes a key as lookup3 with the worker's table_secret, not with any other
 * value (one key in 2^32 would match by chance), and each stack draws its
 * own secret, so a set of 4-tuples that share a bucket in one stack is
 * spread in the next.
 */
START_TEST(test_table_hash_keyed)
{
	uint32_t first;

	th_up(&h);
	first = h.ns.w->tcp.table_secret;
	ck_assert_uint_eq(sizeof(struct tcp_key), 3 * sizeof(uint32_t));
	ck_assert_uint_eq(hash_matches_keyed(h.ns.w->tcp.conns, first, 64), 64);
	ck_assert_uint_le(hash_matches_keyed(h.ns.w->tcp.conns, first ^ 1, 64), 1);
	th_down(&h);
	setup();
	th_up(&h);
	ck_assert_uint_ne(h.ns.w->tcp.table_secret, first);
	ck_assert_uint_le(hash_matches_keyed(h.ns.w->tcp.conns, first, 64), 1);
}
END_TEST

static Suite *
tcp_hostile_suite(void)
{
	Suite *s = suite_create("tcp_hostile");
	TCase *m = tcase_create("mss");
	TCase *k = tcase_create("sack");
	TCase *w = tcase_create("window");
	TCase *c = tcase_create("control");
	TCase *r = tcase_create("reassembly");
	TCase *t = tcase_create("table");

	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_test(m, test_synack_without_mss_536);
	tcase_add_loop_test(m, test_mss_tiny_clamped, 0, 2);
	suite_add_tcase(s, m);

	tcase_add_checked_fixture(k, setup, teardown);
	tcase_add_loop_test(k, test_sack_at_or_below_una_ignored, 0, 2);
	tcase_add_test(k, test_sack_outside_flight_ignored);
	tcase_add_test(k, test_sack_storm);
	suite_add_tcase(s, k);

	tcase_add_checked_fixture(w, setup, teardown);
	tcase_add_test(w, test_zero_window_forever);
	tcase_add_test(w, test_peer_never_reads);
	tcase_add_test(w, test_user_timeout_peer_never_reads);
	tcase_add_loop_test(w, test_user_timeout_unacked_data, 0, 2);
	tcase_add_test(w, test_user_timeout_progress_restarts);
	tcase_add_test(w, test_user_timeout_probes_taken);
	tcase_add_test(w, test_user_timeout_all_taken_at_zero_window);
	tcase_add_test(w, test_user_timeout_config_syn);
	suite_add_tcase(s, w);

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, test_duplicate_fins);
	tcase_add_test(c, test_syn_outside_window_challenged);
	tcase_add_test(c, test_segments_after_abort);
	suite_add_tcase(s, c);

	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_ooo_flood_bounded);
	suite_add_tcase(s, r);

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_table_hash_not_affine);
	tcase_add_test(t, test_table_hash_keyed);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return unit_run(tcp_hostile_suite());
}
