/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp, opening: every arc of the RFC 9293 §3.5 diagram that leads to
 * ESTABLISHED (passive, active, simultaneous open; RST in SYN-RECEIVED;
 * SYN and SYN-ACK retransmission), closed ports, option parsing (malformed,
 * unknown, window scale 15), header checks and the connection limits.
 *
 * The test is the peer 10.77.0.1 (tcp_harness.h); it injects crafted
 * segments and asserts every segment tern answers: flags, seq, ack, window,
 * payload length and options. Tern's ISN is random (RFC 6528), so where the
 * seed vectors give tern's sequence numbers the test reads tern's ISN off its
 * SYN or SYN-ACK and asserts the relations. Peer sequence numbers near 2^32
 * make the arithmetic wrap.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "tcp_harness.h"

static struct th h;

static void
setup(void)
{
	th_init(&h, "tern_unit_tcp");
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

/* ------------------------------------------------------------ passive open */

START_TEST(test_passive_open_seed_vector)
{
	/* issue seed: A seq 10000 -> B seq ISS ack 10001 -> A seq 10001 ack ISS+1 */
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;
	struct tern_conn_info i;
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, 10000, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 10001, 65535, 0);
	x = s->seq;
	/* only what was offered comes back: MSS, nothing else */
	ck_assert(s->has_mss);
	ck_assert_uint_eq(s->mss, 1460);
	ck_assert_uint_eq(s->nopt_kinds, 1);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	ck_assert_uint_eq(h.n_accept, 0);

	th_inject(&h, T_ACK, 10001, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	ck_assert_str_eq(h.log, "A");
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), 1);
	i = th_info(h.c);
	ck_assert_uint_eq(i.state, TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(i.snd_una, x + 1);
	ck_assert_uint_eq(i.snd_nxt, x + 1);
	ck_assert_uint_eq(i.rcv_nxt, 10001);
	ck_assert_uint_eq(i.snd_wnd, TH_PWND);
	ck_assert_uint_eq(i.mss, 1460);
	ck_assert_uint_eq(i.ts_on, 0);
	ck_assert_uint_eq(i.sack_on, 0);
	ck_assert_uint_eq(i.snd_wscale, 0);
	ck_assert_uint_eq(i.rcv_wscale, 0);
	ck_assert_uint_eq(i.lport, TH_LPORT);
	ck_assert_uint_eq(i.rport, TH_PPORT);
	if (h.ip6) {
		ck_assert_uint_eq(i.family, 6);
		ck_assert(i.raddr == 0 && i.laddr == 0);
		ck_assert_mem_eq(i.raddr6, th_peer_ip6, 16);
		ck_assert_mem_eq(i.laddr6, th_our_ip6, 16);
	} else {
		ck_assert_uint_eq(i.family, 4);
		ck_assert(i.raddr == TH_PEER_IP && i.laddr == NF_OUR_IP);
	}
	ck_assert_uint_eq(st()->tcp_passive_opens, 1);

	/* the next segment tern sends goes out at ISS+1 */
	ck_assert_int_eq(tern_send(h.c, "hello", 5), 5);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1, 10001, 65535, 5);
	ck_assert_mem_eq(s->data, "hello", 5);
	/* still accepted once */
	th_inject(&h, T_ACK, 10001, x + 6, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	ck_assert_uint_eq(h.sent_bytes, 5);
	ck_assert_str_eq(h.log, "AS");
}
END_TEST

START_TEST(test_passive_open_all_options)
{
	/* peer ISS just below 2^32: its data wraps */
	const uint32_t irs = 0xfffffff0u;
	struct th_opts o = { .mss = 1400, .has_ws = 1, .ws = 7, .sack_ok = 1,
		.has_ts = 1, .tsval = 0xffffff00u, .tsecr = 0 };
	const struct th_seg *s;
	struct tern_conn_info i;
	uint8_t data[100];
	char out[3000];
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, irs, 0, TH_PWND, NULL, 0, &o);
	th_poll(&h);
	/* RFC 7323 §2.2: the window of a SYN is never scaled */
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, irs + 1, 65535, 0);
	x = s->seq;
	ck_assert(s->has_mss && s->mss == 1460);
	ck_assert(s->has_ws && s->ws == 3);     /* 256 KiB buffer >> 3 fits 16 bits */
	ck_assert(s->sack_ok);
	ck_assert(s->has_ts);
	ck_assert_uint_eq(s->tsecr, 0xffffff00u); /* RFC 7323 §3.2: echoes the SYN */
	ck_assert_uint_eq(s->nopt_kinds, 4);
	/* the 20-byte layout: MSS, SACK-permitted beside the timestamps, NOP,
	 * window scale (the bytes Linux sends too) */
	{
		const uint8_t want[8] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10 };
		const uint8_t tail[4] = { 1, 3, 3, 3 };

		ck_assert_uint_eq(s->optlen, 20);
		ck_assert_mem_eq(s->opts, want, sizeof(want));
		ck_assert_mem_eq(s->opts + 16, tail, sizeof(tail));
	}
	/* the handshake ACK: window 100 << 7 */
	h.peer_ts = true;
	h.peer_tsval = 0xffffff01u;
	th_inject(&h, T_ACK, irs + 1, x + 1, 100, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	i = th_info(h.c);
	ck_assert_uint_eq(i.state, TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(i.ts_on, 1);
	ck_assert_uint_eq(i.sack_on, 1);
	ck_assert_uint_eq(i.snd_wscale, 7);
	ck_assert_uint_eq(i.rcv_wscale, 3);
	ck_assert_uint_eq(i.mss, 1400 - 12);     /* timestamps take 12 bytes */
	ck_assert_uint_eq(i.snd_wnd, 100u << 7);

	/* data across 2^32: delivered in order, ACKed with a scaled window */
	th_fill(data, irs + 1, sizeof(data));
	h.peer_tsval++;
	th_inject(&h, T_ACK | T_PSH, irs + 1, x + 1, 100, data, sizeof(data), NULL);
	th_poll(&h);
	th_check_rx(&h, 0, irs + 1, 100);
	th_advance_ms(&h, 40);
	s = TH_EXPECT(&h, T_ACK, x + 1, irs + 101, 262144 >> 3, 0);
	ck_assert(s->has_ts && s->tsecr == h.peer_tsval);
	ck_assert_uint_eq(s->nsack, 0);

	/* tern's data: segments of 1388 bytes, every one with timestamps */
	for (unsigned int k = 0; k < sizeof(out); k++)
		out[k] = (char)th_byte(x + 1 + k);
	ck_assert_int_eq(tern_send(h.c, out, sizeof(out)), (int)sizeof(out));
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, irs + 101, 262144 >> 3, 1388);
	ck_assert(s->has_ts && s->doff == 32);
	th_check_payload(s, x + 1);
	s = TH_EXPECT(&h, T_ACK, x + 1 + 1388, irs + 101, 262144 >> 3, 1388);
	th_check_payload(s, x + 1 + 1388);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1 + 2776, irs + 101, 262144 >> 3, 224);
	th_check_payload(s, x + 1 + 2776);
	TH_EXPECT_NONE(&h);
}
END_TEST

/* What the peer offers and what tern offers; the SYN-ACK carries the intersection. */
struct opt_case {
	const char *name;
	struct th_opts syn;
	uint32_t ts, ws, sack;      /* tern's config */
	bool want_ws, want_ts, want_sack;
};

static const struct opt_case opt_cases[] = {
	{ "ws only", { .mss = 1460, .has_ws = 1, .ws = 2 }, 1, 1, 1, true, false, false },
	{ "ts only", { .mss = 1460, .has_ts = 1, .tsval = 1 }, 1, 1, 1, false, true, false },
	{ "sack only", { .mss = 1460, .sack_ok = 1 }, 1, 1, 1, false, false, true },
	{ "all, tern offers none", { .mss = 1460, .has_ws = 1, .ws = 2, .sack_ok = 1,
		.has_ts = 1, .tsval = 1 }, 0, 0, 0, false, false, false },
	{ "all, tern offers ts only", { .mss = 1460, .has_ws = 1, .ws = 2, .sack_ok = 1,
		.has_ts = 1, .tsval = 1 }, 1, 0, 0, false, true, false },
};

START_TEST(test_passive_open_options_offered)
{
	const struct opt_case *oc = &opt_cases[_i];
	const struct th_seg *s;
	struct tern_conn_info i;

	h.ns.cfg.tcp_timestamps = oc->ts;
	h.ns.cfg.tcp_window_scaling = oc->ws;
	h.ns.cfg.tcp_sack = oc->sack;
	th_up(&h);
	th_inject(&h, T_SYN, 0x80000000u, 0, TH_PWND, NULL, 0, &oc->syn);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0x80000001u, TH_ANY, 0);
	ck_assert_msg(s->has_mss, "%s: no MSS", oc->name);
	ck_assert_msg(s->has_ws == oc->want_ws, "%s: window scale %d", oc->name, s->has_ws);
	ck_assert_msg(s->has_ts == oc->want_ts, "%s: timestamps %d", oc->name, s->has_ts);
	ck_assert_msg(s->sack_ok == oc->want_sack, "%s: SACK-permitted %d", oc->name,
			s->sack_ok);
	ck_assert_uint_eq(s->nopt_kinds, 1u + oc->want_ws + oc->want_ts + oc->want_sack);
	/* no padding beyond what alignment needs: MSS 4, timestamps 12 (10
	 * beside SACK-permitted), SACK-permitted alone 4, window scale 4 */
	ck_assert_uint_eq(s->optlen, 4u + (oc->want_ts ? 12 : 0) + (oc->want_ws ? 4 : 0) +
			(oc->want_sack ? (oc->want_ts ? 0 : 4) : 0));
	h.iss = s->seq;
	h.peer_ts = oc->want_ts;
	th_inject(&h, T_ACK, 0x80000001u, h.iss + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	i = th_info(h.c);
	ck_assert_uint_eq(i.state, TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(i.ts_on, oc->want_ts);
	ck_assert_uint_eq(i.sack_on, oc->want_sack);
	ck_assert_uint_eq(i.snd_wscale, oc->want_ws ? 2 : 0);
	ck_assert_uint_eq(i.mss, oc->want_ts ? 1448 : 1460);
}
END_TEST

START_TEST(test_passive_open_no_mss_means_536)
{
	const struct th_opts none = { 0 };
	const struct th_seg *s;
	char buf[1000];
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 7000, &none);
	/* RFC 9293 §3.7.1 MUST-15: no MSS option, send at most 536 */
	ck_assert_uint_eq(th_info(h.c).mss, 536);
	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(tern_send(h.c, buf, sizeof(buf)), 1000);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, 7001, 65535, 536);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 537, 7001, 65535, 464);
	(void)s;
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_passive_open_synack_retransmit)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, 0xffffffffu, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	/* SEG.SEQ + 1 wraps to 0 */
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0, 65535, 0)->seq;
	/* the peer's SYN again (our SYN-ACK was lost): the same SYN-ACK at once */
	th_advance_ms(&h, 300);
	th_inject(&h, T_SYN, 0xffffffffu, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, x, 0, 65535, 0);
	TH_EXPECT_NONE(&h);
	/* RFC 6298: retransmitted at 1 s, then 2 s, 4 s; syn_retries 3 then gone */
	th_advance_ms(&h, 699);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_SYN | T_ACK, x, 0, 65535, 0);
	th_advance_ms(&h, 1999);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_SYN | T_ACK, x, 0, 65535, 0);
	th_advance_ms(&h, 3999);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_SYN | T_ACK, x, 0, 65535, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	th_advance_ms(&h, 7999);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	th_advance_ms(&h, 1);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(h.n_accept, 0);
	ck_assert_uint_eq(h.n_closed, 0);
	/* the listener goes on accepting */
	h.pport++;
	th_open_passive(&h, 1, NULL);
}
END_TEST

START_TEST(test_passive_open_refused_by_app)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	h.accept_ret = -1;
	th_up(&h);
	th_inject(&h, T_SYN, 300, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 301, 65535, 0)->seq;
	th_inject(&h, T_ACK, 301, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	/* refused: reset <SEQ=SND.NXT><CTL=RST>, freed, and no on_closed */
	TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	ck_assert_uint_eq(h.n_refused, 1);
	ck_assert_uint_eq(h.n_closed, 0);
	ck_assert_str_eq(h.log, "A");
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(st()->tcp_conn_refused, 1);
	/* what the peer sends next meets no connection: RST <SEQ=SEG.ACK> */
	th_inject_data(&h, T_ACK, 301, x + 1, 10);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
	ck_assert_uint_eq(h.n_accept, 1);
}
END_TEST

START_TEST(test_rst_in_syn_received_back_to_listen)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, 0xfffffff0u, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0xfffffff1u, 65535, 0)->seq;
	/* RFC 5961 §3.2: in the window but not RCV.NXT: challenge ACK */
	th_inject(&h, T_RST, 0xfffffff1u + 100, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 0xfffffff1u, 65535, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	/* RFC 9293 §3.10.7.4 second: exact RST, passive open: back to LISTEN */
	th_inject(&h, T_RST, 0xfffffff1u, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(h.n_accept, 0);
	ck_assert_uint_eq(h.n_closed, 0);
	/* the listener still accepts, from the same port too */
	th_open_passive(&h, 0x12345678u, NULL);
	ck_assert_uint_eq(h.n_accept, 1);
}
END_TEST

/* A listener takes the peer's SYN at 500 and answers it: @return its ISS. */
static uint32_t
syn_received_at_500(void)
{
	const struct th_opts mss = { .mss = 1460 };

	th_up(&h);
	th_inject(&h, T_SYN, 500, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	return TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 501, 65535, 0)->seq;
}

/* Still in SYN_RECEIVED, not accepted; the right ACK (ISS @x + 1) completes it. */
static void
expect_still_syn_received(uint32_t x)
{
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	ck_assert_uint_eq(h.n_accept, 0);
	th_inject(&h, T_ACK, 501, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 1);
}

START_TEST(test_syn_received_bad_ack_rst)
{
	uint32_t x = syn_received_at_500();

	/* RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED: an ACK outside
	 * SND.UNA < SEG.ACK =< SND.NXT gets <SEQ=SEG.ACK><CTL=RST> */
	th_inject(&h, T_ACK, 501, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 2, 0, 0, 0);
	th_inject(&h, T_ACK, 501, x, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x, 0, 0, 0);
	expect_still_syn_received(x);
}
END_TEST

/*
 * RFC 9293 §3.10.7.4: the ACK that completes the handshake must be
 * acceptable. One at SEG.SEQ = IRS (the form of a zero-window probe, whose
 * ACK an established connection reads) is answered with an ACK and dropped.
 */
START_TEST(test_syn_received_ack_before_rcv_nxt_dropped)
{
	uint32_t x = syn_received_at_500();

	th_inject(&h, T_ACK, 500, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 501, 65535, 0);
	TH_EXPECT_NONE(&h);
	expect_still_syn_received(x);
}
END_TEST

START_TEST(test_syn_received_data_on_ack)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, 0xfffffffeu, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0xffffffffu, 65535, 0)->seq;
	/* the third segment of the handshake carries data (and crosses 2^32) */
	th_inject_data(&h, T_ACK | T_PSH, 0xffffffffu, x + 1, 20);
	th_poll(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	th_check_rx(&h, 0, 0xffffffffu, 20);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, 19, 65535, 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_syn_received_fin_on_ack)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, 0xfffffffeu, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0xffffffffu, 65535, 0)->seq;
	/* the handshake's ACK carries FIN: SYN-RECEIVED -> ESTABLISHED ->
	 * CLOSE-WAIT in one segment; the FIN is ACKed at once (and wraps) */
	th_inject(&h, T_ACK | T_FIN, 0xffffffffu, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 0, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_str_eq(h.log, "AP");
	ck_assert_int_eq(th_state(h.c), TERN_TCP_CLOSE_WAIT);
	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_FIN, x + 1, 0, 65535, 0);
	th_inject(&h, T_ACK, 0, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_str_eq(h.log, "APX");
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

/* ------------------------------------------------------------ active open */

START_TEST(test_active_open_seed_vector)
{
	/* issue seed, tern as A: SYN seq X -> SYN-ACK seq 20000 ack X+1 -> ACK X+1 / 20001 */
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;
	struct tern_conn_info i;
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_SENT), 1);
	ck_assert_uint_eq(h.n_connected, 0);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	s = &h.last;
	h.lport = s->sport;
	ck_assert_uint_ge(h.lport, h.ns.cfg.tcp_port_min);
	ck_assert_uint_le(h.lport, h.ns.cfg.tcp_port_max);
	ck_assert_uint_eq(s->dport, TH_PPORT);
	ck_assert_uint_eq(s->flags, T_SYN);
	ck_assert_uint_eq(s->ack, 0);
	ck_assert_uint_eq(s->wnd, 65535);
	ck_assert_uint_eq(s->len, 0);
	/* everything tern is configured to offer */
	ck_assert(s->has_mss && s->mss == 1460);
	ck_assert(s->has_ws && s->ws == 3);
	ck_assert(s->sack_ok);
	ck_assert(s->has_ts && s->tsecr == 0);
	x = s->seq;
	TH_EXPECT_NONE(&h);

	th_inject(&h, T_SYN | T_ACK, 20000, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, 20001, 65535, 0);
	ck_assert_uint_eq(s->nopt_kinds, 0);    /* the peer took no option */
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_connected, 1);
	ck_assert_str_eq(h.log, "C");
	i = th_info(h.c);
	ck_assert_uint_eq(i.state, TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(i.snd_nxt, x + 1);
	ck_assert_uint_eq(i.rcv_nxt, 20001);
	ck_assert_uint_eq(i.ts_on, 0);
	ck_assert_uint_eq(i.sack_on, 0);
	ck_assert_uint_eq(i.snd_wscale, 0);
	ck_assert_uint_eq(i.rcv_wscale, 0);
	ck_assert_uint_eq(i.mss, 1460);
	ck_assert_uint_eq(st()->tcp_active_opens, 1);
	/* a retransmitted SYN-ACK (our ACK lost) is answered with the ACK again */
	th_inject(&h, T_SYN | T_ACK, 20000, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 20001, 65535, 0);
	ck_assert_uint_eq(h.n_connected, 1);
}
END_TEST

START_TEST(test_active_open_options_negotiated)
{
	struct th_opts o = { .mss = 1000, .has_ws = 1, .ws = 2, .sack_ok = 1, .has_ts = 1,
		.tsval = 5555 };
	const struct th_seg *s;
	struct tern_conn_info i;
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	o.tsecr = h.last.tsval;
	th_inject(&h, T_SYN | T_ACK, 0xffffff00u, x + 1, 1000, NULL, 0, &o);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 1, 0xffffff01u, 262144 >> 3, 0);
	ck_assert(s->has_ts);
	ck_assert_uint_eq(s->tsecr, 5555);
	i = th_info(h.c);
	ck_assert_uint_eq(i.ts_on, 1);
	ck_assert_uint_eq(i.sack_on, 1);
	ck_assert_uint_eq(i.snd_wscale, 2);
	ck_assert_uint_eq(i.rcv_wscale, 3);
	ck_assert_uint_eq(i.mss, 1000 - 12);
	/* RFC 7323 §2.2: the window of the SYN-ACK itself is not scaled */
	ck_assert_uint_eq(i.snd_wnd, 1000);
	ck_assert_uint_eq(h.n_connected, 1);
}
END_TEST

START_TEST(test_active_open_syn_backoff_timeout)
{
	/* RFC 6298 (2.1), (5.5): 1 s, then doubling: 1, 2, 4 s, then give up at 8 s */
	const uint32_t gaps_ms[] = { 1000, 2000, 4000 };
	uint32_t x;

	h.ns.cfg.tcp_syn_retries = 3;
	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	for (unsigned int k = 0; k < RTE_DIM(gaps_ms); k++) {
		th_advance_ms(&h, gaps_ms[k] - 1);
		TH_EXPECT_NONE(&h);
		th_advance_ms(&h, 1);
		TH_EXPECT(&h, T_SYN, x, 0, 65535, 0);
		TH_EXPECT_NONE(&h);
		ck_assert_uint_eq(th_info(h.c).retransmits, k + 1);
	}
	th_advance_ms(&h, 7999);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 0);
	th_advance_ms(&h, 1);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_TIMEOUT);
	ck_assert_str_eq(h.log, "X");
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(st()->tcp_conn_timeout, 1);
}
END_TEST

START_TEST(test_active_open_refused)
{
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	/* RFC 9293 §3.10.7.3: RST with an acceptable ACK: connection refused */
	th_inject(&h, T_RST | T_ACK, 0, x + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_REFUSED);
	ck_assert_uint_eq(h.n_connected, 0);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(st()->tcp_conn_refused, 1);
	/* and no SYN retransmission later */
	th_advance_ms(&h, 5000);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_active_open_rst_unacceptable_ignored)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	/* RST whose ACK is not acceptable: dropped, no reply */
	th_inject(&h, T_RST | T_ACK, 0, x + 7, 0, NULL, 0, NULL);
	/* RST without ACK in SYN-SENT: dropped */
	th_inject(&h, T_RST, 0, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_SENT), 1);
	ck_assert_uint_eq(h.n_closed, 0);
	th_inject(&h, T_SYN | T_ACK, 99, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 100, 65535, 0);
	ck_assert_uint_eq(h.n_connected, 1);
}
END_TEST

START_TEST(test_active_open_synack_bad_ack)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	/* RFC 9293 §3.10.7.3 first: SEG.ACK =< ISS or > SND.NXT: <SEQ=SEG.ACK><CTL=RST> */
	th_inject(&h, T_SYN | T_ACK, 20000, x + 5, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 5, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_SYN | T_ACK, 20000, x, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_SENT), 1);
	ck_assert_uint_eq(h.n_connected, 0);
	ck_assert_uint_eq(h.n_closed, 0);
	/* the right SYN-ACK still opens */
	th_inject(&h, T_SYN | T_ACK, 20000, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 20001, 65535, 0);
	ck_assert_uint_eq(h.n_connected, 1);
}
END_TEST

START_TEST(test_active_open_rto_reset_to_3s_after_syn_loss)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	th_advance_ms(&h, 1000);
	TH_EXPECT(&h, T_SYN, x, 0, 65535, 0);
	th_inject(&h, T_SYN | T_ACK, 20000, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 20001, 65535, 0);
	/* RFC 6298 (5.7): the SYN timed out and no RTT was measured (no
	 * timestamps, Karn): the RTO MUST be 3 s when data transmission begins */
	ck_assert_uint_eq(th_info(h.c).rto_us, 3000000);
	ck_assert_int_eq(tern_send(h.c, "x", 1), 1);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, 20001, 65535, 1);
	th_advance_ms(&h, 2999);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, 20001, 65535, 1);
}
END_TEST

START_TEST(test_active_open_data_queued_in_syn_sent)
{
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	/* the app may write before the connection is up */
	ck_assert_int_eq(tern_send(h.c, "early", 5), 5);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	ck_assert_uint_eq(h.last.flags, T_SYN);
	ck_assert_uint_eq(h.last.len, 0);
	TH_EXPECT_NONE(&h);
	/* the data rides on the ACK that completes the handshake */
	th_inject(&h, T_SYN | T_ACK, 0xfffffffeu, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1, 0xffffffffu, 65535, 5);
	ck_assert_mem_eq(s->data, "early", 5);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_active_open_close_in_syn_sent)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	/* RFC 9293 §3.10.4 CLOSE in SYN-SENT: delete the TCB (nothing sent) */
	ck_assert_int_eq(tern_close(h.c), 0);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_ABORTED);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
	/* a late SYN-ACK meets a closed port: <SEQ=SEG.ACK><CTL=RST> */
	th_inject(&h, T_SYN | T_ACK, 20000, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
	th_advance_ms(&h, 3000);
	TH_EXPECT_NONE(&h);
}
END_TEST

/* tern_connect's own ACK must advertise the configured buffer, whatever the
 * peer's ISS: rcv_adv must start at RCV.NXT, not at 0. */
START_TEST(test_active_open_window_with_high_peer_iss)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	h.ns.cfg.tcp_rcvbuf = 16384;
	h.ns.cfg.tcp_window_scaling = 0;
	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	ck_assert_uint_eq(h.last.wnd, 16384);
	th_inject(&h, T_SYN | T_ACK, 0xffff0000u, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 0xffff0001u, 16384, 0);
}
END_TEST

START_TEST(test_passive_open_window_with_high_peer_iss)
{
	const struct th_opts mss = { .mss = 1460 };

	h.ns.cfg.tcp_rcvbuf = 16384;
	h.ns.cfg.tcp_window_scaling = 0;
	th_up(&h);
	th_inject(&h, T_SYN, 0xffff0000u, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0xffff0001u, 16384, 0);
}
END_TEST

/* ------------------------------------------------------------ simultaneous open */

START_TEST(test_simultaneous_open)
{
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	/* RFC 9293 §3.10.7.3 fourth: SYN without ACK in SYN-SENT: SYN-RECEIVED,
	 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
	th_inject(&h, T_SYN, 20000, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, x, 20001, 65535, 0);
	ck_assert(s->has_mss && !s->has_ts && !s->has_ws && !s->sack_ok);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_SENT), 0);
	ck_assert_uint_eq(h.n_connected, 0);
	th_inject(&h, T_ACK, 20001, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_connected, 1);
	ck_assert_uint_eq(h.n_accept, 0);
	ck_assert_str_eq(h.log, "C");
}
END_TEST

START_TEST(test_simultaneous_open_synack_crossing)
{
	const struct th_opts mss = { .mss = 1460 };
	struct th_seg s;
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	th_inject(&h, T_SYN, 20000, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, x, 20001, 65535, 0);
	/* RFC 9293 Figure 8 line 6: the peer's SYN,ACK <SEQ=20000><ACK=X+1>
	 * (its answer to our SYN) moves SYN-RECEIVED to ESTABLISHED */
	th_inject(&h, T_SYN | T_ACK, 20000, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	while (th_next(&h, &s)) {
		/* at most an ACK; never a RST or another SYN */
		ck_assert_uint_eq(s.flags, T_ACK);
		ck_assert_uint_eq(s.seq, x + 1);
		ck_assert_uint_eq(s.ack, 20001);
	}
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_connected, 1);
}
END_TEST

START_TEST(test_simultaneous_open_close_in_syn_received)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	th_inject(&h, T_SYN, 20000, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, x, 20001, 65535, 0);
	/* RFC 9293 §3.10.4 CLOSE in SYN-RECEIVED: FIN once established */
	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, 20001, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, 20001, 65535, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_FIN_WAIT_1), 1);
	th_inject(&h, T_FIN | T_ACK, 20001, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, 20002, 65535, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_NORMAL);
}
END_TEST

START_TEST(test_simultaneous_open_rst_refused)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	x = h.last.seq;
	th_inject(&h, T_SYN, 20000, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, x, 20001, 65535, 0);
	/* RFC 9293 §3.10.7.4 second: RST in SYN-RECEIVED from an active open:
	 * connection refused */
	th_inject(&h, T_RST, 20001, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_REFUSED);
	ck_assert_uint_eq(h.n_connected, 0);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

/* ------------------------------------------------------------ closed port */

START_TEST(test_closed_port_syn)
{
	th_up(&h);
	h.lport = 9999;         /* nobody listens */
	/* RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; +1 wraps */
	th_inject(&h, T_SYN, 0xffffffffu, 0, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST | T_ACK, 0, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	/* SEG.LEN counts data and SYN */
	th_inject_data(&h, T_SYN, 5000, 0, 10);
	th_poll(&h);
	TH_EXPECT(&h, T_RST | T_ACK, 0, 5011, 0, 0);
	ck_assert_uint_eq(st()->tcp_drop_no_conn, 2);
	ck_assert_uint_eq(st()->tcp_rst_sent, 2);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_closed_port_ack)
{
	th_up(&h);
	h.lport = 9999;
	/* ACK on: <SEQ=SEG.ACK><CTL=RST> */
	th_inject(&h, T_ACK, 1, 0xdeadbeefu, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, 0xdeadbeefu, 0, 0, 0);
	th_inject_data(&h, T_ACK | T_PSH, 1, 0xfffffffdu, 50);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, 0xfffffffdu, 0, 0, 0);
	/* no ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN> with FIN counted */
	th_inject_data(&h, T_FIN, 0xfffffff0u, 0, 15);
	th_poll(&h);
	TH_EXPECT(&h, T_RST | T_ACK, 0, 0, 0, 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_closed_port_rst_not_answered)
{
	th_up(&h);
	h.lport = 9999;
	th_inject(&h, T_RST, 1, 0, 0, NULL, 0, NULL);
	th_inject(&h, T_RST | T_ACK, 1, 2, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_drop_no_conn, 2);
	ck_assert_uint_eq(st()->tcp_rst_sent, 0);
	/* and to the listener: a RST is dropped (RFC 9293 §3.10.7.2 first) */
	h.lport = TH_LPORT;
	th_inject(&h, T_RST, 1, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_listener_ack_gets_rst)
{
	th_up(&h);
	/* RFC 9293 §3.10.7.2 second: an ACK to LISTEN: <SEQ=SEG.ACK><CTL=RST> */
	th_inject(&h, T_ACK, 77, 0x80000000u, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, 0x80000000u, 0, 0, 0);
	/* neither SYN, RST nor ACK: dropped */
	th_inject_data(&h, 0, 77, 0, 5);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_unlisten)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	/* a half-open connection is reset by tern_unlisten */
	th_inject(&h, T_SYN, 100, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 101, 65535, 0)->seq;
	ck_assert_int_eq(tern_unlisten(h.ns.w, TH_LPORT), 0);
	ck_assert_int_eq(tern_unlisten(h.ns.w, TH_LPORT), -ENOENT);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(h.n_closed, 0);
	/* LISTEN -> CLOSED: SYNs are refused */
	th_inject(&h, T_SYN, 200, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_RST | T_ACK, 0, 201, 0, 0);
}
END_TEST

/* ------------------------------------------------------------ options */

struct bad_opt {
	const char *name;
	uint8_t raw[8];
	uint8_t len;
};

static const struct bad_opt bad_opts[] = {
	{ "length 0", { 2, 0, 0, 0 }, 4 },
	{ "length past the header", { 8, 10, 0, 0 }, 4 },
	{ "MSS with length 3", { 2, 3, 5, 1 }, 4 },
	{ "kind without length byte", { 1, 1, 1, 2 }, 4 },
	{ "window scale with length 4", { 3, 4, 1, 1 }, 4 },
	{ "length 1", { 30, 1, 0, 0 }, 4 },
	{ "SACK of 3 bytes", { 1, 1, 5, 5, 0, 0, 0, 0 }, 8 },
	{ "timestamps of 8 bytes", { 8, 8, 0, 0, 0, 0, 0, 0 }, 8 },
};

START_TEST(test_options_malformed)
{
	const struct bad_opt *b = &bad_opts[_i];
	const struct th_opts o = { .raw = b->raw, .raw_len = b->len };
	uint32_t x;

	th_up(&h);
	/* a SYN with malformed options makes no connection */
	th_inject(&h, T_SYN, 1000, 0, TH_PWND, NULL, 0, &o);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_msg(st()->tcp_drop_options == 1, "%s: tcp_drop_options %lu", b->name,
			(unsigned long)st()->tcp_drop_options);
	ck_assert_uint_eq(th_count_all(&h), 0);
	/* on a connection: the segment is dropped whole, nothing delivered */
	x = th_open_passive(&h, 0xfffffff0u, NULL);
	{
		uint8_t data[30];

		th_fill(data, 0xfffffff1u, sizeof(data));
		th_inject(&h, T_ACK | T_PSH, 0xfffffff1u, x + 1, TH_PWND, data, sizeof(data), &o);
	}
	th_poll(&h);
	th_advance_ms(&h, 100);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(st()->tcp_drop_options, 2);
	ck_assert_uint_eq(th_info(h.c).rcv_nxt, 0xfffffff1u);
}
END_TEST

START_TEST(test_options_unknown_kind_skipped)
{
	/* RFC 9293 §3.2 MUST-68: unknown kinds are skipped by their length; the
	 * MSS after one is still read, and nothing after EOL is looked at */
	static const uint8_t raw[] = { 254, 6, 0xab, 0xcd, 0xef, 0x01, 2, 4, 0x03, 0xe8,
		1, 0, 2, 0, 0, 0 };
	const struct th_opts o = { .raw = raw, .raw_len = sizeof(raw) };
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, 42, 0, TH_PWND, NULL, 0, &o);
	th_poll(&h);
	x = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 43, 65535, 0)->seq;
	th_inject(&h, T_ACK, 43, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	ck_assert_uint_eq(th_info(h.c).mss, 1000);
	ck_assert_uint_eq(st()->tcp_drop_options, 0);
	/* and on a data segment too */
	{
		static const uint8_t raw2[] = { 1, 77, 3, 0 };
		const struct th_opts o2 = { .raw = raw2, .raw_len = sizeof(raw2) };
		uint8_t data[10];

		th_fill(data, 43, sizeof(data));
		th_inject(&h, T_ACK, 43, x + 1, TH_PWND, data, sizeof(data), &o2);
		th_poll(&h);
		th_check_rx(&h, 0, 43, 10);
	}
}
END_TEST

START_TEST(test_options_wscale_15_is_14)
{
	const struct th_opts o = { .mss = 1460, .has_ws = 1, .ws = 15 };
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	th_inject(&h, T_SYN, 0xfffffffau, 0, TH_PWND, NULL, 0, &o);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0xfffffffbu, 65535, 0);
	ck_assert(s->has_ws && s->ws == 3);
	x = s->seq;
	/* RFC 7323 §2.3: a shift above 14 is used as 14 */
	th_inject(&h, T_ACK, 0xfffffffbu, x + 1, 2, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_info(h.c).snd_wscale, 14);
	ck_assert_uint_eq(th_info(h.c).snd_wnd, 2u << 14);
}
END_TEST

START_TEST(test_options_mss_ignored_off_syn)
{
	/* RFC 9293 §3.7.1: MSS only on SYN; on a data segment it changes nothing */
	const struct th_opts o = { .mss = 100 };
	uint8_t data[10];
	uint32_t x;
	char big[2000];

	th_up(&h);
	x = th_open_passive(&h, 64, NULL);
	th_fill(data, 65, sizeof(data));
	th_inject(&h, T_ACK, 65, x + 1, TH_PWND, data, sizeof(data), &o);
	th_poll(&h);
	th_check_rx(&h, 0, 65, 10);
	ck_assert_uint_eq(th_info(h.c).mss, 1460);
	memset(big, 1, sizeof(big));
	ck_assert_int_eq(tern_send(h.c, big, sizeof(big)), 2000);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 75, 65535, 1460);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1461, 75, 65535, 540);
}
END_TEST

/* ------------------------------------------------------------ MSS cap */

/* The send MSS @c settled on is @mss: data goes in segments of @mss (no
 * options in use) */
static void
check_send_mss(struct tern_conn *c, uint32_t x, uint32_t b, uint16_t mss)
{
	char big[2 * 1460 + 300];
	const uint32_t n = 2u * mss + 300;

	ck_assert_uint_eq(th_info(c).mss, mss);
	memset(big, 1, sizeof(big));
	ck_assert_int_eq(tern_send(c, big, n), (int)n);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, b, TH_ANY, mss);
	TH_EXPECT(&h, T_ACK, x + 1 + mss, b, TH_ANY, mss);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1 + 2u * mss, b, TH_ANY, 300);
}

/*
 * TCP_MAXSEG's cap on an active open (tern_conn_set_mss_cap, as Linux): the
 * SYN and its retransmission announce the cap, and the peer's larger MSS is
 * cut to it (RFC 9293 §3.7.1). Out of range is EINVAL; once the send MSS is
 * settled, EISCONN.
 */
START_TEST(test_mss_cap_active)
{
	const struct th_opts mss = { .mss = 1460 };
	struct tern_conn *c;
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	c = th_connect(&h);
	ck_assert_int_eq(tern_conn_set_mss_cap(c, TERN_MSS_CAP_MIN - 1), -EINVAL);
	ck_assert_int_eq(tern_conn_set_mss_cap(c, TERN_MSS_CAP_MAX + 1), -EINVAL);
	ck_assert_int_eq(tern_conn_set_mss_cap(c, 1000), 0);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	s = &h.last;
	ck_assert_uint_eq(s->flags, T_SYN);
	ck_assert(s->has_mss);
	ck_assert_uint_eq(s->mss, 1000);
	h.lport = s->sport;
	x = s->seq;
	/* the SYN's retransmission (RFC 6298 §5: 1 s) announces it too */
	th_advance_ms(&h, 1000);
	s = TH_EXPECT(&h, T_SYN, x, 0, TH_ANY, 0);
	ck_assert_uint_eq(s->mss, 1000);
	th_inject(&h, T_SYN | T_ACK, 5000, x + 1, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, 5001, TH_ANY, 0);
	ck_assert_int_eq(th_state(c), TERN_TCP_ESTABLISHED);
	ck_assert_int_eq(tern_conn_set_mss_cap(c, 500), -EISCONN);
	ck_assert_uint_eq(th_info(c).adv_mss, 1000);
	check_send_mss(c, x, 5001, 1000);
}
END_TEST

/*
 * A listener's cap (tern_listen_set_mss_cap) passes to its connections:
 * the SYN-ACK announces it and the peer's 1300 is cut to it, whether the
 * connection waits in the SYN queue (_i 0) or comes back from a SYN cookie
 * (_i 1: the cookie keeps the largest MSS of its table not above the
 * smaller of the two, 536).
 */
START_TEST(test_mss_cap_listener)
{
	const struct th_opts mss = { .mss = 1300 };
	const struct th_seg *s;
	uint32_t x;

	if (_i)
		h.ns.cfg.tcp_syncookies = TERN_SYNCOOKIES_ALWAYS;
	th_up(&h);
	ck_assert_int_eq(tern_listen_set_mss_cap(h.ns.w, TH_LPORT + 1, 1100), -ENOENT);
	ck_assert_int_eq(tern_listen_set_mss_cap(h.ns.w, TH_LPORT, 70000), -EINVAL);
	ck_assert_int_eq(tern_listen_set_mss_cap(h.ns.w, TH_LPORT, 1100), 0);
	th_inject(&h, T_SYN, 700, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 701, TH_ANY, 0);
	ck_assert(s->has_mss);
	ck_assert_uint_eq(s->mss, 1100);
	x = s->seq;
	th_inject(&h, T_ACK, 701, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	ck_assert_uint_eq(st()->tcp_syncookies_ok, _i ? 1 : 0);
	ck_assert_uint_eq(th_info(h.c).adv_mss, 1100);
	check_send_mss(h.c, x, 701, _i ? 536 : 1100);
}
END_TEST

/* ------------------------------------------------------------ header checks */

START_TEST(test_bad_checksum_dropped)
{
	uint8_t f[NF_FRAME_MAX], data[40];
	size_t n;
	uint32_t x;

	th_up(&h);
	/* a SYN with a bad checksum makes no connection */
	n = th_build(&h, f, T_SYN, 1, 0, TH_PWND, NULL, 0, NULL);
	f[n - 1] ^= 0x40;       /* last byte of the TCP header: urgent pointer */
	nf_send(&h.ns, f, n);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_drop_cksum, 1);
	ck_assert_uint_eq(th_count_all(&h), 0);
	x = th_open_passive(&h, 0xfffffff0u, NULL);
	th_fill(data, 0xfffffff1u, sizeof(data));
	n = th_build(&h, f, T_ACK, 0xfffffff1u, x + 1, TH_PWND, data, sizeof(data), NULL);
	f[n - 5] ^= 0x01;       /* a payload bit */
	nf_send(&h.ns, f, n);
	th_poll(&h);
	th_advance_ms(&h, 100);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(st()->tcp_drop_cksum, 2);
}
END_TEST

START_TEST(test_trusted_checksums)
{
	uint8_t f[NF_FRAME_MAX], data[40];
	size_t n;
	uint32_t x;

	/* [port] trust_checksums: the peer is trusted shared memory; nothing is
	 * checked on receive and only the pseudo-header sum is written on send
	 * (th_next checks that form instead of a full checksum) */
	h.ns.cfg.port_trust_checksums = 1;
	th_up(&h);
	x = th_open_passive(&h, 100, NULL);
	th_fill(data, 101, sizeof(data));
	n = th_build(&h, f, T_ACK | T_PSH, 101, x + 1, TH_PWND, data, sizeof(data), NULL);
	f[NF_ETH_LEN + th_ip_hlen(&h) + 16] ^= 0xff;        /* a wrong checksum, accepted */
	nf_send(&h.ns, f, n);
	th_poll(&h);
	ck_assert_uint_eq(h.rx_len, sizeof(data));
	th_check_rx(&h, 0, 101, sizeof(data));
	ck_assert_uint_eq(st()->tcp_drop_cksum, 0);
	th_advance_ms(&h, 100);
	TH_EXPECT(&h, T_ACK, x + 1, 101 + sizeof(data), TH_ANY, 0);
}
END_TEST

START_TEST(test_data_offset_bad)
{
	uint8_t f[NF_FRAME_MAX];
	size_t n;

	th_up(&h);
	/* data offset 4 (< 5 words) */
	n = th_build(&h, f, T_SYN, 1, 0, TH_PWND, NULL, 0, NULL);
	f[NF_ETH_LEN + th_ip_hlen(&h) + 12] = 4 << 4;
	th_recksum(f, n);
	nf_send(&h.ns, f, n);
	/* data offset past the segment */
	n = th_build(&h, f, T_SYN, 1, 0, TH_PWND, NULL, 0, NULL);
	f[NF_ETH_LEN + th_ip_hlen(&h) + 12] = 15 << 4;
	th_recksum(f, n);
	nf_send(&h.ns, f, n);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_drop_short, 2);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_impossible_flags_dropped)
{
	th_up(&h);
	th_inject(&h, T_SYN | T_RST, 1, 0, TH_PWND, NULL, 0, NULL);
	th_inject(&h, T_SYN | T_FIN, 1, 0, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_drop_flags, 2);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

/* ------------------------------------------------------------ limits */

/* The limits below are about refusing and dropping; SYN cookies (RFC 4987),
 * where the stack has them, would answer instead. */
static void
syncookies_off(void)
{
#ifdef TERN_SYNCOOKIES_NEVER
	h.ns.cfg.tcp_syncookies = TERN_SYNCOOKIES_NEVER;
#endif
}

START_TEST(test_limit_max_conns)
{
	const struct th_opts mss = { .mss = 1460 };

	h.ns.cfg.tcp_max_conns = 2;
	syncookies_off();
	th_up(&h);
	th_open_passive(&h, 1000, NULL);
	h.pport++;
	th_open_passive(&h, 2000, NULL);
	h.pport++;
	/* no control block left (cookies off): refused, RST <SEQ=0><ACK=SEG.SEQ+1>,
	 * counted (tern_stats.h: tcp_conn_table_full "SYNs refused (RST)") */
	th_inject(&h, T_SYN, 0xffffffffu, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_RST | T_ACK, 0, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_conn_table_full, 1);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), 2);
	ck_assert_uint_eq(h.n_accept, 2);
	/* a connection ends: room for the next */
	tern_abort(h.c);
	th_poll(&h);
	h.pport--;
	TH_EXPECT(&h, T_RST, TH_ANY, 0, 0, 0);
	h.pport++;
	th_open_passive(&h, 3000, NULL);
	ck_assert_uint_eq(h.n_accept, 3);
}
END_TEST

START_TEST(test_limit_syn_backlog)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x0;

	h.ns.cfg.tcp_syn_backlog = 2;
	syncookies_off();
	th_up(&h);
	th_inject(&h, T_SYN, 100, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	x0 = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 101, 65535, 0)->seq;
	h.pport = TH_PPORT + 1;
	th_inject(&h, T_SYN, 200, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 201, 65535, 0);
	/* the queue is full: the SYN is dropped silently (the peer retries) */
	h.pport = TH_PPORT + 2;
	th_inject(&h, T_SYN, 300, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_syn_queue_full, 1);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 2);
	/* one completes: its slot frees, the retried SYN gets in */
	h.pport = TH_PPORT;
	th_inject(&h, T_ACK, 101, x0 + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	h.pport = TH_PPORT + 2;
	th_inject(&h, T_SYN, 300, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 301, 65535, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 2);
}
END_TEST

#ifdef TERN_SYNCOOKIES_AUTO
START_TEST(test_limit_max_conns_cookie)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t y;

	h.ns.cfg.tcp_max_conns = 2;
	h.ns.cfg.tcp_syncookies = TERN_SYNCOOKIES_AUTO;
	th_up(&h);
	th_open_passive(&h, 1000, NULL);
	h.pport++;
	th_open_passive(&h, 2000, NULL);
	h.pport++;
	/* no control block left: with cookies the SYN gets a stateless
	 * SYN-ACK; when the ACK comes and there is still no room, RST */
	th_inject(&h, T_SYN, 0xffffffffu, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	y = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0, TH_ANY, 0)->seq;
	th_inject(&h, T_ACK, 0, y + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, y + 1, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_conn_table_full, 1);
	ck_assert_uint_eq(h.n_accept, 2);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), 2);
}
END_TEST

START_TEST(test_limit_syn_backlog_cookie)
{
	const struct th_opts mss = { .mss = 1460 };
	const struct th_seg *s;
	uint32_t y;

	h.ns.cfg.tcp_syn_backlog = 1;
	h.ns.cfg.tcp_syncookies = TERN_SYNCOOKIES_AUTO;
	th_up(&h);
	th_inject(&h, T_SYN, 100, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 101, 65535, 0);
	/* the queue is full: RFC 4987 §3.6, answered statelessly with a cookie */
	h.pport = TH_PPORT + 1;
	th_inject(&h, T_SYN, 0xfffffff0u, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 0xfffffff1u, TH_ANY, 0);
	ck_assert(s->has_mss);
	y = s->seq;
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	/* no retransmission of a cookie SYN-ACK: no state was kept */
	th_advance_ms(&h, 1000);
	h.pport = TH_PPORT;
	TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 101, 65535, 0);
	TH_EXPECT_NONE(&h);
	/* the ACK carrying the cookie back opens the connection */
	h.pport = TH_PPORT + 1;
	th_inject_data(&h, T_ACK, 0xfffffff1u, y + 1, 20);
	th_poll(&h);
	ck_assert_uint_eq(h.n_accept, 1);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_le(th_info(h.c).mss, 1460);
	ck_assert_uint_ge(th_info(h.c).mss, 536);
	th_check_rx(&h, 0, 0xfffffff1u, 20);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, y + 1, 0xfffffff1u + 20, TH_ANY, 0);
	/* a forged ACK (wrong cookie) while cookies are out is dropped and
	 * counted, not reset (as Linux): it may be a later segment of a real
	 * handshake whose third segment was lost */
	h.pport = TH_PPORT + 2;
	th_inject(&h, T_ACK, 0x1000, y + 12345, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_syncookies_bad, 1);
	ck_assert_uint_eq(h.n_accept, 1);
}
END_TEST
#endif

static Suite *
tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *po = tcase_create("passive_open");
	TCase *ao = tcase_create("active_open");
	TCase *so = tcase_create("simultaneous_open");
	TCase *cp = tcase_create("closed_port");
	TCase *op = tcase_create("options");
	TCase *hd = tcase_create("header");
	TCase *lim = tcase_create("limits");

	tcase_add_checked_fixture(po, setup, teardown);
	tcase_add_test(po, test_passive_open_seed_vector);
	tcase_add_test(po, test_passive_open_all_options);
	tcase_add_loop_test(po, test_passive_open_options_offered, 0, RTE_DIM(opt_cases));
	tcase_add_test(po, test_passive_open_no_mss_means_536);
	tcase_add_test(po, test_passive_open_synack_retransmit);
	tcase_add_test(po, test_passive_open_refused_by_app);
	tcase_add_test(po, test_rst_in_syn_received_back_to_listen);
	tcase_add_test(po, test_syn_received_bad_ack_rst);
	tcase_add_test(po, test_syn_received_ack_before_rcv_nxt_dropped);
	tcase_add_test(po, test_syn_received_data_on_ack);
	tcase_add_test(po, test_syn_received_fin_on_ack);
	tcase_add_test(po, test_passive_open_window_with_high_peer_iss);
	suite_add_tcase(s, po);

	tcase_add_checked_fixture(ao, setup, teardown);
	tcase_add_test(ao, test_active_open_seed_vector);
	tcase_add_test(ao, test_active_open_options_negotiated);
	tcase_add_test(ao, test_active_open_syn_backoff_timeout);
	tcase_add_test(ao, test_active_open_refused);
	tcase_add_test(ao, test_active_open_rst_unacceptable_ignored);
	tcase_add_test(ao, test_active_open_synack_bad_ack);
	tcase_add_test(ao, test_active_open_rto_reset_to_3s_after_syn_loss);
	tcase_add_test(ao, test_active_open_data_queued_in_syn_sent);
	tcase_add_test(ao, test_active_open_close_in_syn_sent);
	tcase_add_test(ao, test_active_open_window_with_high_peer_iss);
	suite_add_tcase(s, ao);

	tcase_add_checked_fixture(so, setup, teardown);
	tcase_add_test(so, test_simultaneous_open);
	tcase_add_test(so, test_simultaneous_open_synack_crossing);
	tcase_add_test(so, test_simultaneous_open_close_in_syn_received);
	tcase_add_test(so, test_simultaneous_open_rst_refused);
	suite_add_tcase(s, so);

	tcase_add_checked_fixture(cp, setup, teardown);
	tcase_add_test(cp, test_closed_port_syn);
	tcase_add_test(cp, test_closed_port_ack);
	tcase_add_test(cp, test_closed_port_rst_not_answered);
	tcase_add_test(cp, test_listener_ack_gets_rst);
	tcase_add_test(cp, test_unlisten);
	suite_add_tcase(s, cp);

	tcase_add_checked_fixture(op, setup, teardown);
	tcase_add_loop_test(op, test_options_malformed, 0, RTE_DIM(bad_opts));
	tcase_add_test(op, test_options_unknown_kind_skipped);
	tcase_add_test(op, test_options_wscale_15_is_14);
	tcase_add_test(op, test_options_mss_ignored_off_syn);
	tcase_add_test(op, test_mss_cap_active);
	tcase_add_loop_test(op, test_mss_cap_listener, 0, 2);
	suite_add_tcase(s, op);

	tcase_add_checked_fixture(hd, setup, teardown);
	tcase_add_test(hd, test_bad_checksum_dropped);
	tcase_add_test(hd, test_trusted_checksums);
	tcase_add_test(hd, test_data_offset_bad);
	tcase_add_test(hd, test_impossible_flags_dropped);
	suite_add_tcase(s, hd);

	tcase_add_checked_fixture(lim, setup, teardown);
	tcase_add_test(lim, test_limit_max_conns);
	tcase_add_test(lim, test_limit_syn_backlog);
#ifdef TERN_SYNCOOKIES_AUTO
	tcase_add_test(lim, test_limit_max_conns_cookie);
	tcase_add_test(lim, test_limit_syn_backlog_cookie);
#endif
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	int rc = unit_run(tcp_suite());

	/* again with segments sent from the send buffers, as on DPDK ports */
	nf_dev_offloads = TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG;
	return unit_run(tcp_suite()) != EXIT_SUCCESS ? EXIT_FAILURE : rc;
}
