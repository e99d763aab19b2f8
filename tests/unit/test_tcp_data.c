/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp, data transfer in ESTABLISHED: in-order delivery, reassembly with
 * SACK, trimming of overlaps, delayed and batched ACKs (RFC 9293 MUST-40,
 * RFC 5681 §4.2), retransmission timeout and backoff (RFC 6298), fast
 * retransmit (RFC 5681 §3.2), zero-window probing (RFC 9293 §3.8.6.1),
 * keepalive (§3.8.4), PAWS (RFC 7323 §5), unacceptable segments and ACKs
 * of unsent data (§3.10.7.4).
 *
 * The test is the peer (tcp_harness.h) and asserts every segment tern sends.
 * Peer sequence numbers sit just below 2^32 in most tests so that the
 * arithmetic wraps while data flows.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "tcp_harness.h"

static struct th h;

static void
setup(void)
{
	th_init(&h, "tern_unit_tcp_data");
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

/* Queue @len bytes of the data pattern at tern's sequence @seq. */
static void
send_pattern(uint32_t seq, uint32_t len)
{
	static uint8_t buf[64 * 1024];

	ck_assert_uint_le(len, sizeof(buf));
	th_fill(buf, seq, len);
	ck_assert_int_eq(tern_send(h.c, buf, len), (int)len);
}

/* Send @len pattern bytes at @seq: they leave at once in one segment that
 * carries ACK @ack and window @wnd. */
static void
send_one_segment(uint32_t seq, uint32_t len, uint32_t ack, uint16_t wnd)
{
	send_pattern(seq, len);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, seq, ack, wnd, len);
}

/* ------------------------------------------------------------ data */

START_TEST(test_data_seed_vector)
{
	/* issue seed: a 1514-byte frame (1460 bytes of payload; 1534 over IPv6,
	 * whose run has the MTU 20 bytes larger) at seq 40000 is
	 * answered by ack 41460; the next segment goes out at tern's SND.NXT */
	uint8_t f[NF_FRAME_MAX], data[1460];
	const struct th_seg *s;
	size_t n;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 39999, NULL);
	th_fill(data, 40000, sizeof(data));
	n = th_build(&h, f, T_ACK | T_PSH, 40000, x + 1, TH_PWND, data, sizeof(data), NULL);
	ck_assert_uint_eq(n, 1494 + th_ip_hlen(&h));
	nf_send(&h.ns, f, n);
	th_poll(&h);
	ck_assert_uint_eq(h.n_recv, 1);
	th_check_rx(&h, 0, 40000, 1460);
	ck_assert_uint_eq(th_info(h.c).rcv_nxt, 41460);
	/* one full segment: the ACK may wait for the delayed-ACK timer */
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, 41460, 65535, 0);
	TH_EXPECT_NONE(&h);
	send_pattern(x + 1, 100);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1, 41460, 65535, 100);
	th_check_payload(s, x + 1);
	th_inject(&h, T_ACK, 41460, x + 101, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.sent_bytes, 100);
	ck_assert_str_eq(h.log, "ARS");
	ck_assert_uint_eq(st()->tcp_rx_bytes, 1460);
	ck_assert_uint_eq(st()->tcp_tx_bytes, 100);
}
END_TEST

START_TEST(test_data_both_ways_wrap)
{
	const uint32_t irs = 0xfffff9ffu, base = irs + 1;
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* three small segments across 2^32, each with its own poll */
	for (uint32_t k = 0; k < 3; k++) {
		th_inject_data(&h, T_ACK, base + k * 1000, x + 1, 1000);
		th_poll(&h);
		TH_EXPECT_NONE(&h);     /* below a full segment: delayed */
	}
	th_check_rx(&h, 0, base, 3000);
	ck_assert_uint_eq(th_info(h.c).rcv_nxt, base + 3000);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, base + 3000, 65535, 0);
	/* tern sends 5000 bytes: three full segments and the rest, PSH on the last */
	send_pattern(x + 1, 5000);
	th_poll(&h);
	for (uint32_t k = 0; k < 3; k++) {
		s = TH_EXPECT(&h, T_ACK, x + 1 + k * 1460, base + 3000, 65535, 1460);
		th_check_payload(s, x + 1 + k * 1460);
	}
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1 + 4380, base + 3000, 65535, 620);
	th_check_payload(s, x + 1 + 4380);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_info(h.c).snd_nxt, x + 5001);
	/* a partial ACK, then the rest */
	th_inject(&h, T_ACK, base + 3000, x + 1 + 2920, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(h.sent_bytes, 2920);
	th_inject(&h, T_ACK, base + 3000, x + 5001, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.sent_bytes, 5000);
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 5001);
	ck_assert_uint_eq(tern_send_space(h.c), h.ns.cfg.tcp_sndbuf);
}
END_TEST

START_TEST(test_ooo_held_with_sack)
{
	const struct th_opts syn = { .mss = 1460, .sack_ok = 1 };
	const uint32_t irs = 0xffffff00u, b = irs + 1;
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, &syn);
	ck_assert_uint_eq(th_info(h.c).sack_on, 1);
	/* a hole at b: [b+100, b+200) is held and answered at once with a
	 * duplicate ACK carrying its SACK block (RFC 5681 §4.2, RFC 2018 §4) */
	th_inject_data(&h, T_ACK, b + 100, x + 1, 100);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	ck_assert_uint_eq(s->nsack, 1);
	ck_assert_uint_eq(s->sack[0][0], b + 100);
	ck_assert_uint_eq(s->sack[0][1], b + 200);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 0);
	/* a second hole: the newest block first */
	th_inject_data(&h, T_ACK, b + 300, x + 1, 100);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	ck_assert_uint_eq(s->nsack, 2);
	ck_assert_uint_eq(s->sack[0][0], b + 300);
	ck_assert_uint_eq(s->sack[0][1], b + 400);
	ck_assert_uint_eq(s->sack[1][0], b + 100);
	ck_assert_uint_eq(s->sack[1][1], b + 200);
	ck_assert_uint_eq(h.rx_len, 0);
	/* the first hole fills: [b, b+200) delivered, ACK at once, one block left */
	th_inject_data(&h, T_ACK, b, x + 1, 100);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, b + 200, 65535, 0);
	ck_assert_uint_eq(s->nsack, 1);
	ck_assert_uint_eq(s->sack[0][0], b + 300);
	ck_assert_uint_eq(s->sack[0][1], b + 400);
	th_check_rx(&h, 0, b, 200);
	/* the last hole fills: everything in order, no SACK any more */
	th_inject_data(&h, T_ACK, b + 200, x + 1, 100);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, b + 400, 65535, 0);
	ck_assert_uint_eq(s->nsack, 0);
	ck_assert_uint_eq(s->nopt_kinds, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 400);
	th_check_rx(&h, 0, b, 400);
	ck_assert_uint_eq(st()->tcp_rx_ooo_segs, 2);
}
END_TEST

START_TEST(test_ooo_without_sack)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK, b + 50, x + 1, 50);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	ck_assert_uint_eq(s->nopt_kinds, 0);   /* SACK not negotiated: no blocks */
	th_inject_data(&h, T_ACK, b, x + 1, 50);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 100, 65535, 0);
	th_check_rx(&h, 0, b, 100);
}
END_TEST

START_TEST(test_ooo_sack_with_timestamps_three_blocks)
{
	const struct th_opts syn = { .mss = 1460, .sack_ok = 1, .has_ts = 1, .tsval = 1 };
	const uint32_t irs = 0xfffffc00u, b = irs + 1;
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, &syn);
	ck_assert(th_info(h.c).ts_on && th_info(h.c).sack_on);
	/* four holes; with timestamps only three blocks fit (RFC 2018 §3) */
	for (uint32_t k = 1; k <= 4; k++) {
		th_inject_data(&h, T_ACK, b + 200 * k, x + 1, 100);
		th_poll(&h);
		s = TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
		ck_assert(s->has_ts);
		ck_assert_uint_eq(s->nsack, RTE_MIN(k, 3u));
		ck_assert_uint_eq(s->sack[0][0], b + 200 * k);
		ck_assert_uint_eq(s->sack[0][1], b + 200 * k + 100);
	}
	ck_assert_uint_eq(h.rx_len, 0);
}
END_TEST

START_TEST(test_overlap_trimmed)
{
	const uint32_t irs = 0xffffff9bu, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK, b, x + 1, 100);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* a retransmission overlapping the delivered data: only the new part
	 * goes up, and duplicate data is ACKed at once (RFC 5681 §4.2) */
	th_inject_data(&h, T_ACK, b + 50, x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 150, 65535, 0);
	ck_assert_uint_eq(h.rx_len, 150);
	/* all old: nothing delivered, ACK at once */
	th_inject_data(&h, T_ACK, b, x + 1, 150);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 150, 65535, 0);
	ck_assert_uint_eq(h.rx_len, 150);
	/* overlapping out-of-order pieces, then the one that fills the hole */
	th_inject_data(&h, T_ACK, b + 250, x + 1, 100);        /* [250, 350) */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 150, 65535, 0);
	th_inject_data(&h, T_ACK, b + 200, x + 1, 100);        /* [200, 300) */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 150, 65535, 0);
	th_inject_data(&h, T_ACK, b + 300, x + 1, 20);         /* inside [250, 350) */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 150, 65535, 0);
	th_inject_data(&h, T_ACK, b + 140, x + 1, 120);        /* [140, 260) */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 350, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 350);
	th_check_rx(&h, 0, b, 350);
}
END_TEST

/* Found by fuzz_tcp_seq's invariants (tcp_check.c): a segment whose two
 * ends lie in two held segments was queued empty. */
START_TEST(test_ooo_covered_by_two_held)
{
	const uint32_t irs = 0xffffff00u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK, b + 200, x + 1, 100);        /* [200, 300) */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	th_inject_data(&h, T_ACK, b + 300, x + 1, 100);        /* [300, 400) */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	th_inject_data(&h, T_ACK, b + 250, x + 1, 100);        /* [250, 350): nothing new */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	ck_assert_uint_eq(st()->tcp_rx_ooo_segs, 2);
	ck_assert_uint_eq(st()->tcp_rx_dup_segs, 1);
	th_inject_data(&h, T_ACK, b, x + 1, 200);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 400, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 400);
	th_check_rx(&h, 0, b, 400);
}
END_TEST

/* Found by fuzz_tcp_seq: the peer's FIN in order while data past it was
 * held; the held data must go (RFC 9293 §3.10.7.4: the FIN ends the stream). */
START_TEST(test_fin_drops_data_held_past_it)
{
	const uint32_t irs = 0xffffff00u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK, b + 100, x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	th_inject(&h, T_ACK | T_FIN, b, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 1, TH_ANY, 0);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_CLOSE_WAIT);
	ck_assert_uint_eq(h.n_peer_closed, 1);
	ck_assert_uint_eq(st()->tcp_drop_state, 1);
	ck_assert_uint_eq(h.rx_len, 0);
}
END_TEST

/* Out-of-order data past a held FIN is dropped, the FIN still ends the stream. */
START_TEST(test_ooo_past_held_fin_dropped)
{
	const uint32_t irs = 0xffffff00u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK | T_FIN, b + 100, x + 1, 100); /* [100, 200) FIN */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	th_inject_data(&h, T_ACK, b + 300, x + 1, 100);         /* past the FIN */
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	ck_assert_uint_eq(st()->tcp_drop_state, 1);
	ck_assert_uint_eq(st()->tcp_rx_ooo_segs, 1);
	th_inject_data(&h, T_ACK, b, x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 201, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_CLOSE_WAIT);
	ck_assert_uint_eq(h.rx_len, 200);
	th_check_rx(&h, 0, b, 200);
}
END_TEST

/*
 * A passive open with a 4096-byte window (no scaling) that the peer, from
 * ISS @irs, fills while the app holds what it gets: 2800 bytes, then 1400
 * of which 1296 fit. @return tern's ISS.
 */
static uint32_t
open_and_fill_window(uint32_t irs)
{
	const uint32_t b = irs + 1;
	uint8_t big[1400];
	uint32_t x;

	h.ns.cfg.tcp_rcvbuf = 4096;
	h.ns.cfg.tcp_window_scaling = 0;
	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* the app holds what it gets: the window closes as data comes in */
	tern_recv_hold(h.c, 1);
	for (uint32_t k = 0; k < 2; k++) {
		th_fill(big, b + k * 1400, sizeof(big));
		th_inject(&h, T_ACK, b + k * 1400, x + 1, TH_PWND, big, sizeof(big), NULL);
		th_poll(&h);
	}
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, b + 2800, 4096 - 2800, 0);
	/* 1400 more, 1296 fit: the rest is cut off and the ACK sent at once */
	th_fill(big, b + 2800, sizeof(big));
	th_inject(&h, T_ACK, b + 2800, x + 1, TH_PWND, big, sizeof(big), NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 4096, 0, 0);
	ck_assert_uint_eq(h.rx_len, 4096);
	th_check_rx(&h, 0, b, 4096);
	return x;
}

START_TEST(test_recv_data_past_window_trimmed)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x = open_and_fill_window(irs);

	/* zero window: a data segment is not acceptable; ACK, dropped */
	th_inject_data(&h, T_ACK, b + 4096, x + 1, 10);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 4096, 0, 0);
	ck_assert_uint_eq(h.rx_len, 4096);
	/* the app gives it all back: window update */
	tern_recved(h.c, 4096);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 4096, 4096, 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

/*
 * The peer's @len bytes at @seq, which tern cannot take (a closed window, or
 * data it holds), carry the ACK @ack of all tern sent: tern ACKs RCV.NXT
 * @rcv_nxt at once (window @wnd), keeps none of the data (@rx_len stays),
 * reads the ACK (SND.UNA moves to @ack) and has nothing to resend.
 */
static void
expect_ack_read(uint32_t seq, uint32_t len, uint32_t ack, uint32_t rcv_nxt, uint16_t wnd,
		uint32_t rx_len)
{
	th_inject_data(&h, T_ACK, seq, ack, len);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, ack, rcv_nxt, wnd, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_info(h.c).snd_una, ack);
	ck_assert_uint_eq(h.rx_len, rx_len);
	th_advance_ms(&h, 3000);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_rexmt_segs, 0);
}

/*
 * RFC 9293 §3.10.7.4: at zero window "special allowance should be made to
 * accept valid ACKs". The peer's data at the closed window carries the only
 * ACK of tern's 100 bytes: the data is dropped, the ACK read, and nothing is
 * resent (dropping the segment whole would leave the ACK to the RTO).
 */
START_TEST(test_zero_window_segment_acks_our_data)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x = open_and_fill_window(irs);

	/* tern's 100 bytes, then the peer's data at the closed window acks them */
	send_one_segment(x + 1, 100, b + 4096, 0);
	expect_ack_read(b + 4096, 10, x + 101, b + 4096, 0, 4096);
}
END_TEST

/*
 * The peer's zero-window probe in Linux's form (no data, SEG.SEQ one before
 * RCV.NXT) carries the only ACK of tern's 100 bytes, the ACK that covered
 * them having been lost: tern answers the probe and reads the ACK, so its
 * send buffer frees without waiting out a backed-off RTO.
 */
START_TEST(test_zero_window_probe_acks_our_data)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x = open_and_fill_window(irs);

	send_one_segment(x + 1, 100, b + 4096, 0);
	expect_ack_read(b + 4095, 0, x + 101, b + 4096, 0, 4096);
}
END_TEST

/*
 * Probes at tern's closed window that ACK SND.UNA while tern's data is in
 * flight are no duplicate ACKs: three of them start no fast retransmit, and
 * SND.UNA stays.
 */
START_TEST(test_zero_window_probes_are_no_dupacks)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x = open_and_fill_window(irs);

	send_pattern(x + 1, 4 * 1460);
	th_poll(&h);
	for (uint32_t k = 0; k < 4; k++)
		TH_EXPECT(&h, k == 3 ? T_ACK | T_PSH : T_ACK, x + 1 + k * 1460, b + 4096, 0, 1460);
	for (int k = 0; k < 3; k++) {
		th_inject_data(&h, T_ACK, b + 4095, x + 1, 0);
		th_poll(&h);
		TH_EXPECT(&h, T_ACK, x + 1 + 4 * 1460, b + 4096, 0, 0);
		TH_EXPECT_NONE(&h);
	}
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 1);
	ck_assert_uint_eq(st()->tcp_fast_rexmt, 0);
	ck_assert_uint_eq(st()->tcp_rexmt_segs, 0);
}
END_TEST

/* A passive open from ISS @irs; the peer's first 100 bytes, ACKed. @return ISS. */
static uint32_t
open_with_100_received(uint32_t irs)
{
	const uint32_t b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK | T_PSH, b, x + 1, 100);
	th_poll(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, b + 100, 65535, 0);
	return x;
}

/*
 * The peer resends data tern holds (its loss probe), now with the ACK of
 * tern's 50 bytes: the duplicate is ACKed at once and its ACK read.
 */
START_TEST(test_duplicate_segment_acks_our_data)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x = open_with_100_received(irs);

	send_one_segment(x + 1, 50, b + 100, 65535);
	expect_ack_read(b, 100, x + 51, b + 100, 65535, 100);
}
END_TEST

/*
 * Resends of data tern holds, with the ACK at SND.UNA while tern has data in
 * flight, are no duplicate ACKs (RFC 5681 §2: a duplicate ACK carries no
 * data): three of them start no fast retransmit. Each is ACKed at once.
 */
START_TEST(test_duplicate_segments_are_no_dupacks)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x = open_with_100_received(irs);

	send_pattern(x + 1, 4 * 1460);
	th_poll(&h);
	for (uint32_t k = 0; k < 4; k++)
		TH_EXPECT(&h, k == 3 ? T_ACK | T_PSH : T_ACK, x + 1 + k * 1460, b + 100, 65535, 1460);
	for (int k = 0; k < 3; k++) {
		th_inject_data(&h, T_ACK | T_PSH, b, x + 1, 100);
		th_poll(&h);
		TH_EXPECT(&h, T_ACK, x + 1 + 4 * 1460, b + 100, 65535, 0);
		TH_EXPECT_NONE(&h);
	}
	ck_assert_uint_eq(st()->tcp_fast_rexmt, 0);
	ck_assert_uint_eq(st()->tcp_rexmt_segs, 0);
}
END_TEST

/*
 * An old duplicate's window is old news: after D1 (window 0) and D2 (window
 * open), a copy of D1 leaves SND.WND open (RFC 9293 §3.10.7.4, SND.WL1 and
 * SND.WL2 compared with the segment as it came).
 */
START_TEST(test_duplicate_segment_keeps_window)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint8_t d[100];
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_fill(d, b, sizeof(d));
	th_inject(&h, T_ACK | T_PSH, b, x + 1, 0, d, sizeof(d), NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).snd_wnd, 0);
	th_inject_data(&h, T_ACK | T_PSH, b + 100, x + 1, 100);
	th_poll(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, b + 200, 65535, 0);
	ck_assert_uint_ne(th_info(h.c).snd_wnd, 0);
	th_inject(&h, T_ACK | T_PSH, b, x + 1, 0, d, sizeof(d), NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 200, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_ne(th_info(h.c).snd_wnd, 0);
	ck_assert_uint_eq(h.rx_len, 200);
}
END_TEST

/* ------------------------------------------------------------ delayed ACK */

/*
 * RFC 9293 MUST-40: an ACK for less than two full segments waits at most
 * delack_ms, counted from the first segment it covers: with _i = 1 more data
 * 20 ms into the delay neither restarts nor extends it (the timer starts in
 * the output pass, once no reply carried the ACK).
 */
START_TEST(test_delack_small_segment)
{
	const uint32_t irs = 0xfffffffeu, b = irs + 1;
	const uint32_t len = _i ? 20 : 10;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK | T_PSH, b, x + 1, 10);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	if (_i) {
		th_advance_ms(&h, 20);
		th_inject_data(&h, T_ACK | T_PSH, b + 10, x + 1, 10);
		th_poll(&h);
		TH_EXPECT_NONE(&h);
	}
	th_advance_ms(&h, _i ? 19 : 39);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK, x + 1, b + len, 65535, 0);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 500);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_delack_timeout, 1);
	ck_assert_uint_eq(st()->tcp_tx_ack_only, 1);
	th_check_rx(&h, 0, b, len);
}
END_TEST

START_TEST(test_delack_two_full_segments)
{
	const uint32_t irs = 0xfffffa00u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject_data(&h, T_ACK, b, x + 1, 1460);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 10);
	th_inject_data(&h, T_ACK, b + 1460, x + 1, 1460);
	th_poll(&h);
	/* RFC 5681 §4.2: an ACK for at least every second full-sized segment */
	TH_EXPECT(&h, T_ACK, x + 1, b + 2920, 65535, 0);
	TH_EXPECT_NONE(&h);
	/* the delayed-ACK timer was cancelled */
	th_advance_ms(&h, 100);
	TH_EXPECT_NONE(&h);
	th_check_rx(&h, 0, b, 2920);
}
END_TEST

/*
 * A segment carrying two full segments' worth (as LRO/GRO coalesce them on
 * the way) counts as two: acknowledged at once, not after delack_ms.
 */
START_TEST(test_delack_coalesced_two_mss)
{
	const uint32_t irs = 0xfffffa00u, b = irs + 1;
	const struct th_opts o = { .mss = 900 };
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, &o);
	th_inject_data(&h, T_ACK, b, x + 1, 900);
	th_poll(&h);
	TH_EXPECT_NONE(&h);           /* one full segment: the ACK may wait */
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, b + 900, 65535, 0);
	th_inject_data(&h, T_ACK, b + 900, x + 1, 1800);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 2700, 65535, 0);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 100);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_delack_timeout, 1);
	th_check_rx(&h, 0, b, 2700);
}
END_TEST

START_TEST(test_ack_batched_over_burst)
{
	const uint32_t irs = 0xffffd000u, b = irs + 1;
	const unsigned int nseg = 9;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* a burst of full segments, processed in one poll: exactly one ACK */
	for (unsigned int k = 0; k < nseg; k++)
		th_inject_data(&h, T_ACK, b + k * 1460, x + 1, 1460);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + nseg * 1460, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_tx_ack_only, 1);
	ck_assert_uint_eq(h.n_recv, nseg);
	th_check_rx(&h, 0, b, nseg * 1460);
	/* nothing owed: no ACK later */
	th_advance_ms(&h, 200);
	TH_EXPECT_NONE(&h);
}
END_TEST

static void
reply_pong(struct th *hh, struct tern_conn *c, const uint8_t *data, uint32_t len)
{
	(void)data;
	(void)len;
	ck_assert_int_eq(tern_send(c, "pong", 4), 4);
	hh->recv_hook = NULL;
}

START_TEST(test_ack_rides_on_reply)
{
	const uint32_t irs = 0xfffffff5u, b = irs + 1;
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	h.recv_hook = reply_pong;
	th_inject(&h, T_ACK | T_PSH, b, x + 1, TH_PWND, "ping!!", 6, NULL);
	th_poll(&h);
	/* the app answered inside on_recv: one segment, data and ACK together */
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b + 6, 65535, 4);
	ck_assert_mem_eq(s->data, "pong", 4);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 100);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_tx_ack_only, 0);
	ck_assert_mem_eq(h.rx, "ping!!", 6);
}
END_TEST

/* ------------------------------------------------------------ unacceptable */

START_TEST(test_unacceptable_segment_acked)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* RFC 9293 §3.10.7.4 first: not in the window: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
	th_inject_data(&h, T_ACK, b + 100000, x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	/* wholly old data (before RCV.NXT) */
	th_inject_data(&h, T_ACK, b - 2000, x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	/* exactly at the right edge: outside */
	th_inject_data(&h, T_ACK, b + 65535, x + 1, 10);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(st()->tcp_drop_unacceptable, 3);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	/* the connection goes on */
	th_inject_data(&h, T_ACK, b, x + 1, 10);
	th_poll(&h);
	th_check_rx(&h, 0, b, 10);
}
END_TEST

START_TEST(test_ack_of_unsent_data)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* RFC 9293 §3.10.7.4 fifth: SEG.ACK > SND.NXT: send an ACK, drop the
	 * segment (its data included) */
	th_inject_data(&h, T_ACK, b, x + 1000, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(st()->tcp_drop_bad_ack, 1);
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 1);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_ack_too_old_challenged)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* RFC 5961 §5.2: SEG.ACK < SND.UNA - MAX.SND.WND: challenge ACK, dropped */
	th_inject_data(&h, T_ACK, b, x + 1 - 70000, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(st()->tcp_challenge_ack, 1);
	/* an old ACK inside the window is fine: the data goes up */
	th_inject_data(&h, T_ACK, b, x + 1 - 1000, 100);
	th_poll(&h);
	th_check_rx(&h, 0, b, 100);
}
END_TEST

START_TEST(test_segment_without_ack_dropped)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	(void)x;
	/* RFC 9293 §3.10.7.4 fifth: if the ACK bit is off, drop the segment */
	th_inject_data(&h, T_PSH, b, 0, 100);
	th_poll(&h);
	th_advance_ms(&h, 100);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(st()->tcp_drop_state, 1);
}
END_TEST

/* ------------------------------------------------------------ PAWS */

START_TEST(test_paws_old_timestamp)
{
	struct th_opts syn = { .mss = 1460, .has_ts = 1, .tsval = 0xfffffff0u };
	struct th_opts o = { .has_ts = 1 };
	const uint32_t irs = 0x7ffffff0u, b = irs + 1;
	const struct th_seg *s;
	uint8_t data[50];
	uint32_t x;

	th_up(&h);
	h.peer_tsval = 0xfffffff8u;
	x = th_open_passive(&h, irs, &syn);
	ck_assert_uint_eq(th_info(h.c).ts_on, 1);
	/* TSval 0x10 is newer than 0xfffffff8 (it wrapped): accepted */
	o.tsval = 0x10;
	o.tsecr = h.tern_tsval;
	th_fill(data, b, 10);
	th_inject(&h, T_ACK, b, x + 1, TH_PWND, data, 10, &o);
	th_poll(&h);
	th_check_rx(&h, 0, b, 10);
	/* RFC 7323 §5.3 R1: an older TSval (0xffffffe0): dropped, ACK sent */
	o.tsval = 0xffffffe0u;
	th_fill(data, b + 10, 10);
	th_inject(&h, T_ACK, b + 10, x + 1, TH_PWND, data, 10, &o);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, b + 10, 65535, 0);
	ck_assert(s->has_ts);
	ck_assert_uint_eq(s->tsecr, 0x10);      /* TS.Recent did not move back */
	ck_assert_uint_eq(h.rx_len, 10);
	ck_assert_uint_eq(st()->tcp_drop_paws, 1);
	/* the same data with a current TSval is taken */
	o.tsval = 0x11;
	th_inject(&h, T_ACK, b + 10, x + 1, TH_PWND, data, 10, &o);
	th_poll(&h);
	th_check_rx(&h, 0, b, 20);
	/* a RST is not subject to PAWS (RFC 7323 §5.3 R1 note) */
	o.tsval = 0x1;
	th_inject(&h, T_RST, b + 20, 0, 0, NULL, 0, &o);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_RESET);
}
END_TEST

/*
 * RFC 7323 §5.5: a TS.Recent more than 24 days old is no longer valid, so
 * an old TSval is not dropped by PAWS after such an idle time; within it,
 * it still is. (The peer's ARP entry is made to outlive the wait.)
 */
START_TEST(test_paws_idle_24_days)
{
	struct th_opts syn = { .mss = 1460, .has_ts = 1, .tsval = 5000 };
	struct th_opts o = { .has_ts = 1, .tsval = 4000 };
	const uint64_t day_us = 24ull * 3600 * 1000000;
	const uint32_t b = 0x1000 + 1;
	uint8_t data[10];
	uint32_t x;

	h.ns.cfg.arp_timeout_s = 60 * 24 * 3600;
	th_up(&h);
	h.peer_tsval = 5000;
	x = th_open_passive(&h, b - 1, &syn);
	o.tsecr = h.tern_tsval;
	th_fill(data, b, 10);
	th_advance(&h, 23 * day_us);
	th_inject(&h, T_ACK, b, x + 1, TH_PWND, data, 10, &o);
	th_poll(&h);
	ck_assert_uint_eq(st()->tcp_drop_paws, 1);
	ck_assert_uint_eq(h.rx_len, 0);
	TH_EXPECT(&h, T_ACK, x + 1, b, TH_ANY, 0);
	th_advance(&h, 1 * day_us + 1000000);
	th_inject(&h, T_ACK, b, x + 1, TH_PWND, data, 10, &o);
	th_poll(&h);
	ck_assert_uint_eq(st()->tcp_drop_paws, 1);
	th_check_rx(&h, 0, b, 10);
}
END_TEST

/* ------------------------------------------------------------ retransmission */

START_TEST(test_rto_backoff_then_timeout)
{
	const uint32_t irs = 0xffff0000u, b = irs + 1;
	const uint32_t gaps_ms[] = { 200, 400, 800 };
	uint32_t x;

	h.ns.cfg.tcp_retries = 3;
	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	send_one_segment(x + 1, 100, b, 65535);
	/* RFC 6298: the handshake's sample (no delay) gives the 200 ms floor,
	 * doubling on each expiry */
	for (unsigned int k = 0; k < RTE_DIM(gaps_ms); k++) {
		th_advance_ms(&h, gaps_ms[k] - 1);
		TH_EXPECT_NONE(&h);
		th_advance_ms(&h, 1);
		th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b, 65535, 100), x + 1);
		TH_EXPECT_NONE(&h);
		ck_assert_uint_eq(th_info(h.c).retransmits, k + 1);
		ck_assert_uint_eq(th_info(h.c).rto_us, gaps_ms[k] * 2000);
	}
	/* retries exhausted: on_closed(TIMEOUT) when the last RTO runs out */
	th_advance_ms(&h, 1599);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 0);
	th_advance_ms(&h, 1);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(st()->tcp_rexmt_timeout, 3);
	ck_assert_uint_eq(st()->tcp_conn_timeout, 1);
	ck_assert_str_eq(h.log, "AX");
}
END_TEST

/* Found by fuzz_tcp_seq: a peer that SACKs all in flight and ACKs none
 * left the RTO's resend skipping everything, with no timer left: a stall.
 * RFC 2018 §8: the receiver reneged; the resend starts at SND.UNA. */
START_TEST(test_rto_after_head_sacked_resends)
{
	const struct th_opts syn = { .mss = 1460, .sack_ok = 1 };
	const uint32_t irs = 0xffff0000u, b = irs + 1;
	struct th_opts sack = { .nsack = 1 };
	uint32_t x;

	h.ns.cfg.tcp_retries = 2;
	th_up(&h);
	x = th_open_passive(&h, irs, &syn);
	send_one_segment(x + 1, 100, b, 65535);
	sack.sack[0][0] = x + 1;
	sack.sack[0][1] = x + 101;
	th_inject(&h, T_ACK, b, x + 1, TH_PWND, NULL, 0, &sack);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1000);
	th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b, 65535, 100), x + 1);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_info(h.c).retransmits, 1);
	/* and the timer runs on: the next RTO resends again */
	th_advance_ms(&h, 2000);
	th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b, 65535, 100), x + 1);
	ck_assert_uint_eq(th_info(h.c).retransmits, 2);
}
END_TEST

START_TEST(test_rto_from_rtt_sample)
{
	const uint32_t irs = 0xffff0000u, b = irs + 1;
	struct tern_conn_info i;
	uint32_t x;

	const struct th_opts o = { .mss = 1460 };

	th_up(&h);
	/* a handshake without timestamps whose SYN-ACK is acknowledged 100 ms
	 * later: the first RTT measurement (RFC 6298 §2.2) */
	th_inject(&h, T_SYN, irs, 0, TH_PWND, NULL, 0, &o);
	th_poll(&h);
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, irs + 1, TH_ANY, 0)->seq;
	th_advance_ms(&h, 100);
	th_inject(&h, T_ACK, b, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* RFC 6298 (2.2): SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR = 300 ms */
	i = th_info(h.c);
	ck_assert_uint_eq(i.srtt_us, 100000);
	ck_assert_uint_eq(i.rto_us, 300000);
	send_one_segment(x + 1, 50, b, 65535);
	th_advance_ms(&h, 299);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b, 65535, 50);
	/* (5.5) backed off: 600 ms; Karn: the ACK of a resend gives no sample */
	th_advance_ms(&h, 599);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b, 65535, 50);
	th_advance_ms(&h, 10);
	th_inject(&h, T_ACK, b, x + 51, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).srtt_us, 100000);
	ck_assert_uint_eq(h.sent_bytes, 50);
}
END_TEST

/* Open connections until tern's ISS has its top bit as wanted (the ISN is
 * random, RFC 6528); abort the others. @return tern's ISS. */
static uint32_t
open_with_iss_half(bool high)
{
	for (unsigned int tries = 0; tries < 64; tries++) {
		uint32_t x = th_open_passive(&h, 0xfffff000u, NULL);

		if (((x + 1) >= 0x80000000u) == high)
			return x;
		tern_abort(h.c);
		th_poll(&h);
		TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
		h.pport++;
	}
	ck_abort_msg("no ISS in the wanted half after 64 connections");
	return 0;
}

START_TEST(test_fast_retransmit)
{
	const uint32_t b = 0xfffff001u;
	uint32_t x, una;

	th_up(&h);
	/* _i = 0: tern's ISS below 2^31, 1: above (both must behave the same) */
	x = open_with_iss_half(_i == 1);
	send_pattern(x + 1, 4 * 1460);
	th_poll(&h);
	for (uint32_t k = 0; k < 4; k++)
		TH_EXPECT(&h, k == 3 ? T_ACK | T_PSH : T_ACK, x + 1 + k * 1460, b, 65535, 1460);
	TH_EXPECT_NONE(&h);
	/* the first segment arrives, the second is lost: three duplicate ACKs */
	una = x + 1 + 1460;
	th_inject(&h, T_ACK, b, una, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	for (unsigned int d = 1; d <= 2; d++) {
		th_inject(&h, T_ACK, b, una, TH_PWND, NULL, 0, NULL);
		th_poll(&h);
		TH_EXPECT_NONE(&h);
	}
	th_inject(&h, T_ACK, b, una, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	/* RFC 5681 §3.2: the third retransmits the first unacknowledged segment, once */
	th_check_payload(TH_EXPECT(&h, T_ACK, una, b, 65535, 1460), una);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, b, una, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_fast_rexmt, 1);
	ck_assert_uint_eq(th_info(h.c).retransmits, 1);
	/* everything arrives */
	th_inject(&h, T_ACK, b, x + 1 + 4 * 1460, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_rec_of(&h, h.c)->sent, 4 * 1460);
}
END_TEST

/* ------------------------------------------------------------ by reference */

/* Frame @m carries @len bytes of the data pattern from @seq. */
static void
check_frame(struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	static uint8_t f[2048];
	const struct rte_tcp_hdr *th;
	const uint8_t *p;
	uint32_t hl;

	/* a chained frame is read as the wire would see it */
	ck_assert_uint_le(rte_pktmbuf_pkt_len(m), sizeof(f));
	p = rte_pktmbuf_read(m, 0, rte_pktmbuf_pkt_len(m), f);
	th = (const void *)(p + NF_ETH_LEN + th_ip_hlen(&h));
	hl = NF_ETH_LEN + th_ip_hlen(&h) + (uint32_t)(th->data_off >> 4) * 4;
	ck_assert_uint_eq(rte_be_to_cpu_32(th->sent_seq), seq);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m) - hl, len);
	for (uint32_t i = 0; i < len; i++)
		ck_assert_msg(p[hl + i] == th_byte(seq + i), "seq %u byte %u", seq, i);
}

/* The frames a test holds carry the data pattern, 1460 bytes each from @seq. */
static void
check_held(struct rte_mbuf **held, unsigned int n, uint32_t seq)
{
	for (unsigned int k = 0; k < n; k++)
		check_frame(held[k], seq + k * 1460, 1460);
}

/* Take the @n frames tern just sent, without freeing them (the driver holds them). */
static void
hold_frames(struct rte_mbuf **held, unsigned int n)
{
	ck_assert_uint_eq(tern_sim_take_tx(h.ns.dev, 0, held, (uint16_t)n), n);
	ck_assert_uint_eq(tern_sim_tx_count(h.ns.dev, 0), 0);
}

/*
 * Where the driver allows it, full segments go out from the send buffers
 * themselves. Buffers stay as they are while a frame points into them: an
 * ACK inside a segment, retransmissions that start mid-buffer (copied, or
 * with _i = 1, a driver taking chained frames, headers chained to the
 * buffer) and the connection's end all leave the frames the driver holds intact,
 * and the buffers are freed once the last frame is (teardown checks the pool).
 */
START_TEST(test_send_by_reference)
{
	const uint32_t b = 0xfffff001u;
	struct rte_mbuf *held[4];
	uint64_t by_ref;
	uint32_t x, una;
	bool chains;

	h.ns.dev_offloads |= TERN_NETDEV_TX_BY_REF | (_i ? TERN_NETDEV_TX_MULTI_SEG : 0);
	chains = ((h.ns.dev_offloads | nf_dev_offloads) & TERN_NETDEV_TX_MULTI_SEG) != 0;
	th_up(&h);
	x = th_open_passive(&h, 0xfffff000u, NULL);
	by_ref = st()->tcp_tx_by_ref;
	send_pattern(x + 1, 3 * 1460);
	th_poll(&h);
	hold_frames(held, 3);
	ck_assert_uint_eq(st()->tcp_tx_by_ref - by_ref, 3);
	for (unsigned int k = 0; k < 3; k++)
		ck_assert(!RTE_MBUF_DIRECT(held[k]) && held[k]->nb_segs == 1);
	check_held(held, 3, x + 1);
	/* the peer acknowledges one and a half segments while the driver
	 * still holds all three frames */
	una = x + 1 + 1460 + 700;
	th_inject(&h, T_ACK, b, una, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	check_held(held, 3, x + 1);
	/* the rest is lost: the retransmission starts inside a buffer and
	 * spans two, so it is copied however the driver takes frames */
	for (unsigned int ms = 0; ms < 3000 && tern_sim_tx_count(h.ns.dev, 0) == 0; ms++)
		th_advance_ms(&h, 1);
	th_check_payload(TH_EXPECT(&h, T_ACK, una, b, TH_ANY, 1460), una);
	ck_assert_uint_eq(st()->tcp_tx_by_ref - by_ref, 3);
	/* the peer takes the rest of the second segment: the resending goes on
	 * (RFC 6298 §5.4, from SND.UNA) with the third buffer's last 760 bytes.
	 * A frame points into that buffer: no header in its headroom; chained
	 * by a driver that takes chains, else copied */
	th_inject(&h, T_ACK, b, x + 1 + 2 * 1460, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	hold_frames(&held[3], 1);
	ck_assert_uint_eq(st()->tcp_tx_by_ref - by_ref, (chains ? 4u : 3u));
	ck_assert_uint_eq(held[3]->nb_segs, (chains ? 2 : 1));
	check_frame(held[3], una + 1460, 760);
	check_held(held, 3, x + 1);
	/* the connection ends; its buffers outlive it while frames point in */
	tern_abort(h.c);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, TH_ANY, TH_ANY, TH_ANY, 0);
	check_held(held, 3, x + 1);
	check_frame(held[3], una + 1460, 760);
	rte_pktmbuf_free_bulk(held, 4);
}
END_TEST

/*
 * tern_send_static: bytes in DPDK memory are queued by reference and sent
 * chained (copied where the driver takes no chains), also across the end of
 * a memory segment (4 KiB pages without hugepages: the run is split there);
 * memory outside DPDK is refused with -EINVAL and nothing queued. With
 * _i >= 2 the driver reads frames only inside a memory range (net_memif in
 * zero-copy mode): _i = 2, the bytes lie outside it, every segment is copied;
 * _i = 3, the first run lies inside and goes by reference, the second
 * crosses the range's end and is copied.
 */
START_TEST(test_send_static)
{
	const uint32_t b = 0xfffff001u;
	uint32_t x, seq, by_ref;
	uint8_t local[64];
	uint8_t *data;
	bool chains;

	h.ns.dev_offloads |= TERN_NETDEV_TX_BY_REF | (_i ? TERN_NETDEV_TX_MULTI_SEG : 0);
	chains = ((h.ns.dev_offloads | nf_dev_offloads) & TERN_NETDEV_TX_MULTI_SEG) != 0;
	th_up(&h);
	x = th_open_passive(&h, 0xfffff000u, NULL);
	/* two pages: one run inside the first, one across into the second */
	data = rte_malloc(NULL, 8192, 4096);
	ck_assert_ptr_nonnull(data);
	if (_i >= 2) {
		/* the range ends where the data starts, or inside its first page */
		h.ns.dev->tx_ref_base = (uintptr_t)data - 65536;
		h.ns.dev->tx_ref_end = (uintptr_t)data + (_i == 3 ? 4096 : 0);
		chains = _i == 3;
	}
	th_fill(data, x + 1, 2 * 1460);
	th_fill(data + 4096 - 1000, x + 1 + 2 * 1460, 2 * 1460);
	ck_assert_int_eq(tern_send_static(h.c, local, sizeof(local)), -EINVAL);
	ck_assert_uint_eq(tern_send_space(h.c), h.ns.cfg.tcp_sndbuf);
	by_ref = (uint32_t)st()->tcp_tx_by_ref;
	ck_assert_int_eq(tern_send_static(h.c, data, 2 * 1460), 2 * 1460);
	th_poll(&h);
	seq = x + 1;
	for (uint32_t k = 0; k < 2; k++, seq += 1460)
		th_check_payload(TH_EXPECT(&h, k == 1 ? T_ACK | T_PSH : T_ACK, seq, b, TH_ANY,
				1460), seq);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_tx_by_ref - by_ref, (chains ? 2u : 0u));
	by_ref = (uint32_t)st()->tcp_tx_by_ref;
	ck_assert_int_eq(tern_send_static(h.c, data + 4096 - 1000, 2 * 1460), 2 * 1460);
	th_poll(&h);
	for (uint32_t k = 0; k < 2; k++, seq += 1460)
		th_check_payload(TH_EXPECT(&h, k == 1 ? T_ACK | T_PSH : T_ACK, seq, b, TH_ANY,
				1460), seq);
	TH_EXPECT_NONE(&h);
	if (_i == 3)
		ck_assert_uint_eq(st()->tcp_tx_by_ref - by_ref, 0);
	th_inject(&h, T_ACK, b, seq, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_rec_of(&h, h.c)->sent, 4 * 1460);
	tern_abort(h.c);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, TH_ANY, TH_ANY, TH_ANY, 0);
	rte_free(data);
}
END_TEST

/* ------------------------------------------------------------ zero window */

START_TEST(test_zero_window_persist)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	const uint32_t gaps_ms[] = { 500, 1000, 2000 };
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* the peer closes its window */
	th_inject(&h, T_ACK, b, x + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_info(h.c).snd_wnd, 0);
	send_pattern(x + 1, 100);
	th_poll(&h);
	TH_EXPECT_NONE(&h);       /* nothing may go out */
	/* RFC 9293 §3.8.6.1: probes of one byte at SND.UNA, backing off from
	 * the RTO (200 ms after the handshake's sample), at least 500 ms */
	for (unsigned int k = 0; k < RTE_DIM(gaps_ms); k++) {
		th_advance_ms(&h, gaps_ms[k] - 1);
		TH_EXPECT_NONE(&h);
		th_advance_ms(&h, 1);
		s = TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 1);
		th_check_payload(s, x + 1);
		TH_EXPECT_NONE(&h);
		/* the peer still has no room: it ACKs the old byte with window 0 */
		th_inject(&h, T_ACK, b, x + 1, 0, NULL, 0, NULL);
		th_poll(&h);
		TH_EXPECT_NONE(&h);
	}
	ck_assert_uint_eq(st()->tcp_persist_probes, 3);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	/* the window opens: all the data goes at once */
	th_advance_ms(&h, 100);
	th_inject(&h, T_ACK, b, x + 1, 1000, NULL, 0, NULL);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b, 65535, 100);
	th_check_payload(s, x + 1);
	TH_EXPECT_NONE(&h);
	/* and no more probes */
	th_inject(&h, T_ACK, b, x + 101, 1000, NULL, 0, NULL);
	th_poll(&h);
	th_advance_ms(&h, 20000);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.sent_bytes, 100);
}
END_TEST

START_TEST(test_zero_window_probe_byte_accepted)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	th_inject(&h, T_ACK, b, x + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	send_pattern(x + 1, 100);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1000);
	TH_EXPECT(&h, T_ACK, x + 1, b, 65535, 1);
	/* the peer's window had just opened: it takes the probe byte and
	 * acknowledges it (x + 2) with a window of 1000. That byte was sent:
	 * the ACK is acceptable, and the other 99 bytes follow at x + 2. */
	th_inject(&h, T_ACK, b, x + 2, 1000, NULL, 0, NULL);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 2, b, 65535, 99);
	th_check_payload(s, x + 2);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, b, x + 101, 1000, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.sent_bytes, 100);
}
END_TEST

START_TEST(test_zero_window_after_rto)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	const struct th_seg *s;
	unsigned int probes = 0;
	uint32_t x;

	/* data in flight, then the peer closes its window without taking it:
	 * the RTO winds SND.NXT back and can send nothing at zero window. A
	 * persist timer must take over (there was no timer left at all) */
	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	send_one_segment(x + 1, 100, b, 65535);
	th_inject(&h, T_ACK, b, x + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	for (int ms = 0; ms < 20000 && probes == 0; ms += 100) {
		th_advance_ms(&h, 100);
		while ((s = th_next(&h, &h.last) ? &h.last : NULL) != NULL) {
			ck_assert_uint_eq(s->seq, x + 1);
			ck_assert_uint_le(s->len, 1);
			probes += s->len == 1;
		}
	}
	ck_assert_uint_ge(probes, 1);
	ck_assert_uint_ge(st()->tcp_persist_probes, 1);
	/* the window opens with the probe byte taken: the rest follows */
	th_inject(&h, T_ACK, b, x + 2, 1000, NULL, 0, NULL);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 2, b, 65535, 99);
	th_check_payload(s, x + 2);
}
END_TEST

/* ------------------------------------------------------------ offloads */

/*
 * TCP segmentation offload: with a device that cuts frames, ten segments'
 * worth of new data leaves as one frame and reaches the wire as ten
 * segments, each with its own sequence number and checksums, PSH on the
 * last only; the FIN that follows goes alone; a retransmission is one
 * segment. With _i = 1 the device chains at most 4 mbufs per frame: three
 * frames of 3 segments (a header mbuf and 3 send buffers each), then one
 * segment. Over IPv6 (no TSO there) the same segments go one by one.
 */
START_TEST(test_tso_frame_cut_by_device)
{
	const uint32_t b = 0xfffff001u;
	const uint32_t n = 10;
	uint32_t x;

	h.ns.dev_offloads |= TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG |
		TERN_NETDEV_TX_TCP_TSO;
	th_up(&h);
	if (_i)
		h.ns.dev->tso_chain_max = 4;
	x = th_open_passive(&h, 0xfffff000u, NULL);
	send_pattern(x + 1, n * 1460);
	th_poll(&h);
	for (uint32_t k = 0; k < n; k++)
		th_check_payload(TH_EXPECT(&h, k == n - 1 ? T_ACK | T_PSH : T_ACK,
				x + 1 + k * 1460, b, TH_ANY, 1460), x + 1 + k * 1460);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_tx_tso_frames, h.ip6 ? 0 : (_i ? 3 : 1));
	ck_assert_uint_eq(st()->tcp_tx_data_segs, n);
	/* the FIN: a segment of its own, never on a frame to be cut */
	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_FIN, x + 1 + n * 1460, b, TH_ANY, 0);
	/* the peer took the first segment only: the rest is resent after the
	 * RTO segment by segment, as the holes it fills */
	th_inject(&h, T_ACK, b, x + 1 + 1460, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	for (unsigned int ms = 0; ms < 3000 && tern_sim_tx_count(h.ns.dev, 0) == 0; ms++)
		th_advance_ms(&h, 1);
	th_check_payload(TH_EXPECT(&h, T_ACK, x + 1 + 1460, b, TH_ANY, 1460), x + 1 + 1460);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_tx_tso_frames, h.ip6 ? 0 : (_i ? 3 : 1));
	th_inject(&h, T_ACK, b, x + 2 + n * 1460, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
}
END_TEST

/*
 * A cork over a device that cuts frames, the app's shutdown queued before
 * the output pass: the rest goes with the FIN, and the cork's ceiling is not
 * left armed in the timer slot it shares with FIN_WAIT_2 (found in review:
 * the frame of all three segments was cut to two and held, the FIN then
 * took the rest, and the half-closed connection was dropped 200 ms into
 * FIN_WAIT_2). Over IPv6 (no TSO) the same by single segments.
 */
START_TEST(test_cork_tso_then_shutdown)
{
	const uint32_t b = 0xfffff001u;
	struct th_rec *r;
	uint32_t x;

	h.ns.dev_offloads |= TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG |
		TERN_NETDEV_TX_TCP_TSO;
	th_up(&h);
	x = th_open_passive(&h, 0xfffff000u, NULL);
	r = th_rec_of(&h, h.c);
	tern_conn_set_cork(h.c, true);
	send_pattern(x + 1, 2 * 1460 + 100);
	ck_assert_int_eq(tern_shutdown(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, TH_ANY, 1460);
	TH_EXPECT(&h, T_ACK, x + 1461, b, TH_ANY, 1460);
	/* a FIN never rides on a frame to be cut: over IPv4 it goes alone */
	th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH | (h.ip6 ? T_FIN : 0), x + 1 + 2 * 1460, b,
			TH_ANY, 100), x + 1 + 2 * 1460);
	if (!h.ip6)
		TH_EXPECT(&h, T_ACK | T_FIN, x + 1 + 2 * 1460 + 100, b, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, b, x + 2 + 2 * 1460 + 100, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_FIN_WAIT_2), 1);
	th_advance_ms(&h, 300);
	ck_assert_uint_eq(r->closed, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_FIN_WAIT_2), 1);
	/* the peer still sends, and closes */
	th_inject_data(&h, T_ACK, b, x + 2 + 2 * 1460 + 100, 10);
	th_inject(&h, T_ACK | T_FIN, b + 10, x + 2 + 2 * 1460 + 100, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
}
END_TEST

/*
 * The cork's holds (tern_conn_set_cork, tern_conn_set_more): a short last
 * segment waits 200 ms at most (the ceiling sends it with PSH); more data
 * that fills a segment sends that segment; MSG_MORE's data goes without
 * PSH when pushed; the last hold taken off sends what waits.
 */
START_TEST(test_cork_holds)
{
	const uint32_t b = 0xfffff001u;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 0xfffff000u, NULL);
	tern_conn_set_cork(h.c, true);
	send_pattern(x + 1, 1000);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 199);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH, x + 1, b, TH_ANY, 1000), x + 1);
	th_inject(&h, T_ACK, b, x + 1001, TH_PWND, NULL, 0, NULL);
	/* 1000 wait; 500 more fill a segment, which goes; 40 wait */
	send_pattern(x + 1001, 1000);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	send_pattern(x + 2001, 500);
	th_poll(&h);
	th_check_payload(TH_EXPECT(&h, T_ACK, x + 1001, b, TH_ANY, 1460), x + 1001);
	TH_EXPECT_NONE(&h);
	/* MSG_MORE as well: taking the cork off leaves the promise holding */
	tern_conn_set_more(h.c, true);
	tern_conn_set_cork(h.c, false);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* a push sends it, without PSH: more was promised */
	tern_conn_push(h.c);
	th_poll(&h);
	th_check_payload(TH_EXPECT(&h, T_ACK, x + 2461, b, TH_ANY, 40), x + 2461);
	send_pattern(x + 2501, 10);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	tern_conn_set_more(h.c, false);
	th_poll(&h);
	th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH, x + 2501, b, TH_ANY, 10), x + 2501);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, b, x + 2511, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
}
END_TEST

/* Inject a data segment of @len bytes at @seq with DF set, as Linux sends
 * TCP over IPv4 (receive coalescing takes no others without IP IDs that
 * follow each other); a bad checksum where @corrupt; over IPv4 with a
 * 4-byte IP option (Router Alert, RFC 2113) where @ip_opt. */
static void
inject_df_opt(uint32_t seq, uint32_t ack, uint8_t flags, uint32_t len, bool corrupt,
		bool ip_opt)
{
	static uint8_t data[2048];
	uint8_t f[NF_FRAME_MAX];
	struct nf_tcp t = {
		.eth_dst = NF_OUR_MAC, .eth_src = TH_PEER_MAC, .src = TH_PEER_IP, .dst = NF_OUR_IP,
		.sport = h.pport, .dport = h.lport, .seq = seq, .ack = ack, .flags = flags,
		.wnd = TH_PWND, .payload = data, .len = len, .df = true,
		.src6 = h.ip6 ? th_peer_ip6 : NULL, .dst6 = h.ip6 ? th_our_ip6 : NULL,
	};
	size_t n;

	th_fill(data, seq, len);
	n = nf_tcp_frame(f, &t);
	ck_assert_uint_ne(n, 0);
	if (corrupt)
		f[n - 1] ^= 0x40;
	if (ip_opt && !h.ip6) {
		/* the option after the 20-byte header; TCP's checksum covers
		 * no IP header byte */
		uint8_t *ip = f + RTE_ETHER_HDR_LEN;
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)ip;

		memmove(ip + 24, ip + 20, n - RTE_ETHER_HDR_LEN - 20);
		memcpy(ip + 20, (const uint8_t[]){ 0x94, 0x04, 0x00, 0x00 }, 4);
		n += 4;
		ih->version_ihl = 0x46;
		ih->total_length = rte_cpu_to_be_16((uint16_t)(n - RTE_ETHER_HDR_LEN));
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
	}
	nf_send(&h.ns, f, n);
}

static void
inject_df(uint32_t seq, uint32_t ack, uint8_t flags, uint32_t len, bool corrupt)
{
	inject_df_opt(seq, ack, flags, len, corrupt, false);
}

/*
 * Receive coalescing: of one burst, runs of in-order segments with only
 * the ACK flag become one segment each; a segment with PSH ends a run and
 * stays as it is, so the order holds; a segment whose checksum fails is
 * left to TCP input, which drops it and counts it; a coalesced segment
 * partly old is cut across its chain; a segment with IP options is never
 * merged. Over IPv6 nothing is coalesced.
 */
START_TEST(test_gro_coalesces_runs)
{
	const uint32_t irs = 0xfffff000u, b = irs + 1;
	uint32_t x;

	h.ns.cfg.port_gro = 1;
	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	/* [0 1] [2, PSH] [3 4 5] */
	for (uint32_t k = 0; k < 6; k++)
		inject_df(b + k * 1460, x + 1, k == 2 ? T_ACK | T_PSH : T_ACK, 1460, false);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b + 6 * 1460, 65535, 0);
	TH_EXPECT_NONE(&h);
	th_check_rx(&h, 0, b, 6 * 1460);
	ck_assert_uint_eq(st()->rx_gro_merged, h.ip6 ? 0 : 3);
	ck_assert_uint_eq(h.n_recv, h.ip6 ? 6 : 3);
	/* [6 7(bad) 8]: 7 is dropped by TCP, 8 is held out of order */
	inject_df(b + 6 * 1460, x + 1, T_ACK, 1460, false);
	inject_df(b + 7 * 1460, x + 1, T_ACK, 1460, true);
	inject_df(b + 8 * 1460, x + 1, T_ACK, 1460, false);
	th_poll(&h);
	ck_assert_uint_eq(st()->tcp_drop_cksum, 1);
	ck_assert_uint_eq(st()->rx_gro_merged, h.ip6 ? 0 : 3);
	th_check_rx(&h, 6 * 1460, b + 6 * 1460, 1460);
	ck_assert_uint_eq(h.rx_len, 7 * 1460);
	/* [6 7] again: one chain whose first half is old; its front is cut
	 * off across the chain, 7 fills the hole and 8 follows */
	inject_df(b + 6 * 1460, x + 1, T_ACK, 1460, false);
	inject_df(b + 7 * 1460, x + 1, T_ACK, 1460, false);
	th_poll(&h);
	ck_assert_uint_eq(st()->rx_gro_merged, h.ip6 ? 0 : 4);
	ck_assert_uint_eq(h.rx_len, 9 * 1460);
	th_check_rx(&h, 0, b, 9 * 1460);
	/* [9 10(IP option) 11]: IPv4 headers of two lengths are never merged
	 * (rte_gro would cut the first one's length off the second: 4 header
	 * bytes in the data); 9 and 11 stay alone as well */
	inject_df(b + 9 * 1460, x + 1, T_ACK, 1460, false);
	inject_df_opt(b + 10 * 1460, x + 1, T_ACK, 1460, false, true);
	inject_df(b + 11 * 1460, x + 1, T_ACK, 1460, false);
	th_poll(&h);
	ck_assert_uint_eq(st()->rx_gro_merged, h.ip6 ? 0 : 4);
	ck_assert_uint_eq(h.rx_len, 12 * 1460);
	th_check_rx(&h, 0, b, 12 * 1460);
}
END_TEST

/* ------------------------------------------------------------ keepalive */

/* Keepalive on: idle 10 s, every 2 s, 3 probes; a passive open. @return ISS. */
static uint32_t
keepalive_open(uint32_t irs)
{
	h.ns.cfg.tcp_keepalive = 1;
	h.ns.cfg.tcp_keepidle_s = 10;
	h.ns.cfg.tcp_keepintvl_s = 2;
	h.ns.cfg.tcp_keepcnt = 3;
	th_up(&h);
	return th_open_passive(&h, irs, NULL);
}

START_TEST(test_keepalive_timeout)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x;

	x = keepalive_open(irs);
	th_advance_ms(&h, 9999);
	TH_EXPECT_NONE(&h);
	/* RFC 9293 §3.8.4: <SEQ=SND.NXT-1> without data, after keepidle */
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK, x, b, 65535, 0);
	TH_EXPECT_NONE(&h);
	for (int k = 0; k < 2; k++) {
		th_advance_ms(&h, 1999);
		TH_EXPECT_NONE(&h);
		th_advance_ms(&h, 1);
		TH_EXPECT(&h, T_ACK, x, b, 65535, 0);
	}
	ck_assert_uint_eq(st()->tcp_keepalive_probes, 3);
	/* keepcnt probes unanswered: the connection times out */
	th_advance_ms(&h, 1999);
	ck_assert_uint_eq(h.n_closed, 0);
	th_advance_ms(&h, 1);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_keepalive_answered)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x;

	x = keepalive_open(irs);
	th_advance_ms(&h, 10000);
	TH_EXPECT(&h, T_ACK, x, b, 65535, 0);
	th_advance_ms(&h, 10);
	th_inject(&h, T_ACK, b, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* the answer counts as traffic: next probe keepidle after it */
	th_advance_ms(&h, 9999);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK, x, b, 65535, 0);
	/* data also resets the idle time */
	th_inject_data(&h, T_ACK, b, x + 1, 10);
	th_poll(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, b + 10, 65535, 0);
	th_advance_ms(&h, 9959);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK, x, b + 10, 65535, 0);
	ck_assert_uint_eq(h.n_closed, 0);
}
END_TEST

/* New keepalive timing while probes go unanswered: the next probe comes one
 * new interval on, not at once (the idle time has long passed). */
START_TEST(test_keepalive_retimed_while_probing)
{
	const uint32_t irs = 0xfffffff0u, b = irs + 1;
	uint32_t x;

	x = keepalive_open(irs);
	th_advance_ms(&h, 10000);
	TH_EXPECT(&h, T_ACK, x, b, 65535, 0);
	th_advance_ms(&h, 500);
	ck_assert_int_eq(tern_conn_set_keepalive(h.c, 1, 10, 5, 3), 0);
	th_advance_ms(&h, 1);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 4998);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK, x, b, 65535, 0);
	ck_assert_uint_eq(st()->tcp_keepalive_probes, 2);
}
END_TEST

static Suite *
tcp_data_suite(void)
{
	Suite *s = suite_create("tcp_data");
	TCase *d = tcase_create("data");
	TCase *a = tcase_create("ack");
	TCase *u = tcase_create("unacceptable");
	TCase *r = tcase_create("retransmit");
	TCase *p = tcase_create("persist_keepalive");

	tcase_add_checked_fixture(d, setup, teardown);
	tcase_add_test(d, test_data_seed_vector);
	tcase_add_test(d, test_data_both_ways_wrap);
	tcase_add_test(d, test_ooo_held_with_sack);
	tcase_add_test(d, test_ooo_without_sack);
	tcase_add_test(d, test_ooo_sack_with_timestamps_three_blocks);
	tcase_add_test(d, test_ooo_covered_by_two_held);
	tcase_add_test(d, test_fin_drops_data_held_past_it);
	tcase_add_test(d, test_ooo_past_held_fin_dropped);
	tcase_add_test(d, test_rto_after_head_sacked_resends);
	tcase_add_test(d, test_overlap_trimmed);
	tcase_add_test(d, test_recv_data_past_window_trimmed);
	suite_add_tcase(s, d);

	tcase_add_checked_fixture(a, setup, teardown);
	tcase_add_loop_test(a, test_delack_small_segment, 0, 2);
	tcase_add_test(a, test_delack_two_full_segments);
	tcase_add_test(a, test_delack_coalesced_two_mss);
	tcase_add_test(a, test_ack_batched_over_burst);
	tcase_add_test(a, test_ack_rides_on_reply);
	suite_add_tcase(s, a);

	tcase_add_checked_fixture(u, setup, teardown);
	tcase_add_test(u, test_unacceptable_segment_acked);
	tcase_add_test(u, test_ack_of_unsent_data);
	tcase_add_test(u, test_ack_too_old_challenged);
	tcase_add_test(u, test_segment_without_ack_dropped);
	tcase_add_test(u, test_paws_old_timestamp);
	tcase_add_test(u, test_paws_idle_24_days);
	suite_add_tcase(s, u);

	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_rto_backoff_then_timeout);
	tcase_add_test(r, test_rto_from_rtt_sample);
	tcase_add_loop_test(r, test_fast_retransmit, 0, 2);
	tcase_add_loop_test(r, test_send_by_reference, 0, 2);
	tcase_add_loop_test(r, test_send_static, 0, 4);
	tcase_add_loop_test(r, test_tso_frame_cut_by_device, 0, 2);
	tcase_add_test(r, test_gro_coalesces_runs);
	tcase_add_test(r, test_cork_tso_then_shutdown);
	tcase_add_test(r, test_cork_holds);
	suite_add_tcase(s, r);

	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_test(p, test_zero_window_persist);
	tcase_add_test(p, test_zero_window_segment_acks_our_data);
	tcase_add_test(p, test_zero_window_probe_acks_our_data);
	tcase_add_test(p, test_zero_window_probes_are_no_dupacks);
	tcase_add_test(p, test_duplicate_segment_acks_our_data);
	tcase_add_test(p, test_duplicate_segments_are_no_dupacks);
	tcase_add_test(p, test_duplicate_segment_keeps_window);
	tcase_add_test(p, test_zero_window_probe_byte_accepted);
	tcase_add_test(p, test_zero_window_after_rto);
	tcase_add_test(p, test_keepalive_timeout);
	tcase_add_test(p, test_keepalive_answered);
	tcase_add_test(p, test_keepalive_retimed_while_probing);
	suite_add_tcase(s, p);
	return s;
}

int
main(void)
{
	int rc = unit_run(tcp_data_suite());

	/* again with segments sent from the send buffers, as on DPDK ports */
	nf_dev_offloads = TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG;
	return unit_run(tcp_data_suite()) != EXIT_SUCCESS ? EXIT_FAILURE : rc;
}
