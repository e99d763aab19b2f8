/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp, closing and resetting: every arc of the RFC 9293 §3.5 diagram
 * out of ESTABLISHED (active close through FIN-WAIT-1/2 and TIME-WAIT,
 * passive close through CLOSE-WAIT and LAST-ACK, simultaneous close through
 * CLOSING, half-close both ways), TIME-WAIT expiry and reuse (RFC 6191),
 * RST acceptability and challenge ACKs (RFC 5961) with their rate limit,
 * tern_abort, and the API contracts around closing (-EPIPE, on_closed once,
 * tern_abort/tern_close from inside callbacks).
 *
 * The test is the peer (tcp_harness.h) and asserts every segment tern sends.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "tcp_harness.h"

#define IRS 0xfffffff0u          /* peer ISS: its FIN and data wrap 2^32 */
#define B   (IRS + 1)            /* the peer's first data byte */

static struct th h;

static void
setup(void)
{
	th_init(&h, "tern_unit_tcp_close");
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

/* tern closes first; the peer ACKs and sends its FIN: TIME_WAIT. @return ISS. */
static uint32_t
to_time_wait(uint32_t irs, const struct th_opts *syn)
{
	uint32_t x = th_open_passive(&h, irs, syn);

	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, irs + 1, TH_ANY, 0);
	th_inject(&h, T_FIN | T_ACK, irs + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, irs + 2, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	return x;
}

/* ------------------------------------------------------------ active close */

/* A passive open, then @end (tern_close or tern_shutdown): FIN-WAIT-1 with
 * our FIN sent. @return ISS. */
static uint32_t
open_then(int (*end)(struct tern_conn *))
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	ck_assert_int_eq(end(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B, 65535, 0);
	return x;
}

START_TEST(test_active_close)
{
	uint32_t counts[TERN_TCP_TIME_WAIT + 1];
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	/* ESTABLISHED -> FIN-WAIT-1: <SEQ=SND.NXT><CTL=FIN,ACK> */
	ck_assert_int_eq(tern_close(h.c), 0);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_FIN_WAIT_1);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(tern_send(h.c, "x", 1), -EPIPE);
	ck_assert_int_eq(tern_close(h.c), -ENOTCONN);
	/* FIN-WAIT-1 -> FIN-WAIT-2 on the ACK of our FIN: nothing sent */
	th_inject(&h, T_ACK, B, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_FIN_WAIT_2);
	ck_assert_uint_eq(h.n_closed, 0);
	/* FIN-WAIT-2 -> TIME-WAIT on the peer's FIN: ACK it */
	th_inject(&h, T_FIN | T_ACK, B, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	tern_worker_conn_counts(h.ns.w, counts);
	ck_assert_uint_eq(counts[TERN_TCP_TIME_WAIT], 1);
	ck_assert_uint_eq(th_count_all(&h), 1);
	/* the app is done with it: on_closed(NORMAL), no on_peer_closed after close */
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_NORMAL);
	ck_assert_str_eq(h.log, "AX");
	ck_assert_uint_eq(st()->tcp_time_wait_entered, 1);
	/* 2MSL (time_wait_ms = 2000 here), then gone */
	th_advance_ms(&h, 1999);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	th_advance_ms(&h, 1);
	ck_assert_uint_eq(th_count_all(&h), 0);
	TH_EXPECT_NONE(&h);
	/* the pair is free: the peer's late ACK meets the listener: RST */
	th_inject(&h, T_ACK, B + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 2, 0, 0, 0);
}
END_TEST

START_TEST(test_active_close_after_data)
{
	const struct th_seg *s;
	uint8_t buf[3000];
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	th_fill(buf, x + 1, sizeof(buf));
	ck_assert_int_eq(tern_send(h.c, buf, sizeof(buf)), 3000);
	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	/* the FIN comes after the queued data, on the last data segment */
	TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 1460);
	TH_EXPECT(&h, T_ACK, x + 1461, B, 65535, 1460);
	s = TH_EXPECT(&h, T_ACK | T_PSH | T_FIN, x + 2921, B, 65535, 80);
	th_check_payload(s, x + 2921);
	TH_EXPECT_NONE(&h);
	/* the peer ACKs the data (10 ms later) but not the FIN: still FIN-WAIT-1 */
	th_advance_ms(&h, 10);
	th_inject(&h, T_ACK, B, x + 3001, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_FIN_WAIT_1);
	/* RTT 10 ms: RTO = 10 + 4 * 5 ms, raised to rto_min (200 ms) */
	ck_assert_uint_eq(th_info(h.c).rto_us, 200000);
	/* the FIN alone is retransmitted at the RTO */
	th_advance_ms(&h, 199);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 3001, B, 65535, 0);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, B, x + 3002, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_FIN_WAIT_2);
	/* data that arrives after tern_close is ACKed and dropped */
	th_inject_data(&h, T_ACK, B, x + 3002, 100);
	th_poll(&h);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 3002, B + 100, 65535, 0);
	ck_assert_uint_eq(h.rx_len, 0);
	ck_assert_uint_eq(st()->tcp_drop_after_close, 100);
	th_inject(&h, T_FIN | T_ACK, B + 100, x + 3002, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 3002, B + 101, 65535, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
}
END_TEST

START_TEST(test_fin_ack_in_fin_wait_1)
{
	uint32_t x;

	x = open_then(tern_close);
	/* FIN and the ACK of our FIN in one segment: straight to TIME-WAIT */
	th_inject(&h, T_FIN | T_ACK, B, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	ck_assert_uint_eq(th_count_all(&h), 1);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_NORMAL);
}
END_TEST

START_TEST(test_fin_wait_2_timeout)
{
	uint32_t x;

	h.ns.cfg.tcp_fin_wait_2_s = 5;
	x = open_then(tern_close);
	th_inject(&h, T_ACK, B, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_FIN_WAIT_2);
	/* the peer never sends its FIN: the app closed, so tern gives up */
	th_advance_ms(&h, 4999);
	ck_assert_uint_eq(h.n_closed, 0);
	th_advance_ms(&h, 1);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

/* ------------------------------------------------------------ TIME-WAIT */

START_TEST(test_time_wait_fin_retransmitted)
{
	uint32_t x;

	th_up(&h);
	x = to_time_wait(IRS, NULL);
	th_advance_ms(&h, 1000);
	/* RFC 9293 §3.10.7.4: a retransmitted FIN is ACKed and 2MSL restarts */
	th_inject(&h, T_FIN | T_ACK, B, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	/* still there when the first 2MSL would have ended */
	th_advance_ms(&h, 1000);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	th_advance_ms(&h, 999);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	th_advance_ms(&h, 1);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(h.n_closed, 1);
}
END_TEST

START_TEST(test_time_wait_reuse_higher_seq)
{
	const struct th_opts mss = { .mss = 1460 };
	const uint32_t isn2 = B + 1 + 100000;   /* above the old RCV.NXT */
	uint32_t x, y;

	th_up(&h);
	x = to_time_wait(IRS, NULL);
	/* RFC 9293 MAY-2 / RFC 6191 §2: no timestamps, a SYN above RCV.NXT
	 * reopens the pair, with a new ISS above the old SND.NXT */
	th_inject(&h, T_SYN, isn2, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	y = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, isn2 + 1, 65535, 0)->seq;
	ck_assert_msg((int32_t)(y - (x + 2)) > 0, "new ISS %u not above old SND.NXT %u", y,
			x + 2);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_RECEIVED), 1);
	ck_assert_uint_eq(st()->tcp_time_wait_reused, 1);
	th_inject(&h, T_ACK, isn2 + 1, y + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 2);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_time_wait_reuse_answered_with_cookie)
{
	const struct th_opts mss = { .mss = 1460 };
	const uint32_t isn2 = B + 1 + 100000;   /* above the old RCV.NXT */
	uint32_t y;

	h.ns.cfg.tcp_syn_backlog = 1;
	h.ns.cfg.tcp_syncookies = TERN_SYNCOOKIES_AUTO;
	th_up(&h);
	to_time_wait(IRS, NULL);
	/* another peer port fills the SYN queue */
	h.pport = TH_PPORT + 1;
	th_inject(&h, T_SYN, 100, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, 101, 65535, 0);
	/* a SYN that reuses the TIME_WAIT pair gets a cookie (RFC 4987 §3.6):
	 * no control block takes the record's place, the record goes all the
	 * same, and the ACK that brings the cookie back opens the connection */
	h.pport = TH_PPORT;
	th_inject(&h, T_SYN, isn2, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	y = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, isn2 + 1, TH_ANY, 0)->seq;
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_time_wait_reused, 1);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 0);
	th_inject(&h, T_ACK, isn2 + 1, y + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_syncookies_ok, 1);
	ck_assert_uint_eq(h.n_accept, 2);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_time_wait_reuse_newer_timestamp)
{
	const struct th_opts syn1 = { .mss = 1460, .has_ts = 1, .tsval = 1000 };
	struct th_opts syn2 = { .mss = 1460, .has_ts = 1 };
	const uint32_t isn2 = 5;        /* below the old RCV.NXT (it wrapped past 0) */
	uint32_t x, y;

	th_up(&h);
	h.peer_tsval = 2000;
	x = to_time_wait(IRS, &syn1);
	/* RFC 6191 §2: with timestamps, a newer TSval decides, whatever the seq */
	syn2.tsval = 2001;
	th_inject(&h, T_SYN, isn2, 0, TH_PWND, NULL, 0, &syn2);
	th_poll(&h);
	y = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, isn2 + 1, 65535, 0)->seq;
	ck_assert(h.last.has_ts && h.last.tsecr == 2001);
	ck_assert_msg((int32_t)(y - (x + 2)) > 0, "new ISS %u not above old SND.NXT %u", y,
			x + 2);
	h.peer_tsval = 2002;
	th_inject(&h, T_ACK, isn2 + 1, y + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_accept, 2);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_time_wait_old_syn_reacked)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	x = to_time_wait(IRS, NULL);
	/* a SYN at or below RCV.NXT is an old duplicate: only the ACK again */
	th_inject(&h, T_SYN, B + 1, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	th_inject(&h, T_SYN, IRS - 5000, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	ck_assert_uint_eq(h.n_accept, 1);
	ck_assert_uint_eq(st()->tcp_time_wait_reused, 0);
}
END_TEST

/* tern sends @bytes from its ISS @x on; the peer ACKs each flight. */
static void
send_acked(uint32_t x, uint32_t bytes)
{
	static uint8_t buf[64 * 1024];
	uint32_t queued = 0;
	struct th_seg s;

	for (int round = 0; th_info(h.c).snd_una != x + 1 + bytes; round++) {
		uint32_t sent_to = 0;

		ck_assert_int_lt(round, 1000);
		if (queued < bytes) {
			int n = tern_send(h.c, buf, RTE_MIN((uint32_t)sizeof(buf), bytes - queued));

			queued += n > 0 ? (uint32_t)n : 0;
		}
		th_poll(&h);
		while (th_next(&h, &s))
			if (s.len != 0)
				sent_to = s.seq + s.len;
		if (sent_to != 0) {
			th_inject(&h, T_ACK, IRS + 1, sent_to, TH_PWND, NULL, 0, NULL);
			th_poll(&h);
		}
	}
}

/*
 * An active open on the one port the config allows (TW_PORT) that sends
 * @bytes, closed by tern first: TIME_WAIT holds the pair. @opts: the peer's
 * SYN-ACK options. @return SND.NXT past our FIN; @tsval: our TSval on the
 * last ACK.
 */
#define TW_PORT 40000
static uint32_t
active_to_time_wait(const struct th_opts *opts, uint32_t bytes, uint32_t *tsval)
{
	uint32_t fin;

	h.ns.cfg.tcp_port_min = h.ns.cfg.tcp_port_max = TW_PORT;
	th_up(&h);
	fin = th_open_active(&h, IRS, opts) + 1 + bytes;
	send_acked(fin - 1 - bytes, bytes);
	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, fin, IRS + 1, TH_ANY, 0);
	th_inject(&h, T_FIN | T_ACK, IRS + 1, fin + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	*tsval = TH_EXPECT(&h, T_ACK, fin + 1, IRS + 2, TH_ANY, 0)->tsval;
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	return fin + 1;
}

/* A connect that must find no pair: the only port is held. */
static void
connect_refused(void)
{
	ck_assert_ptr_null(h.ip6 ? tern_connect6(h.ns.w, th_peer_ip6, h.pport, &th_ops, &h) :
			tern_connect(h.ns.w, TH_PEER_IP, h.pport, &th_ops, &h));
	ck_assert_int_eq(rte_errno, EADDRNOTAVAIL);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
}

START_TEST(test_time_wait_reconnect)
{
	const struct th_opts ts = { .mss = 1460, .has_ts = 1, .tsval = 1000 };
	/* more than the ISN clock (4 us ticks) moves in the 1.9 s below */
	const uint32_t bytes = 512 * 1024;
	const struct th_seg *s;
	uint32_t snd_nxt, y, tsval;

	snd_nxt = active_to_time_wait(&ts, bytes, &tsval);
	/* within the second after TIME_WAIT began: the pair stays held */
	connect_refused();
	th_advance_ms(&h, 900);
	connect_refused();
	/* the peer resends its FIN (our ACK was lost): a second from now */
	th_inject(&h, T_FIN | T_ACK, IRS + 1, snd_nxt, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, snd_nxt, IRS + 2, TH_ANY, 0);
	th_advance_ms(&h, 999);
	connect_refused();
	/* a quiet second, timestamps on: our connect takes the pair over
	 * (RFC 6191 from the holder's side), TSval and ISS above the old ones */
	th_advance_ms(&h, 1);
	th_connect(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_SENT), 1);
	ck_assert_uint_eq(st()->tcp_time_wait_reconnected, 1);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN, TH_ANY, 0, TH_ANY, 0);
	y = s->seq;
	ck_assert_uint_eq(s->sport, TW_PORT);
	/* RFC 6191: the clock's ISS is below the old SND.NXT + 64 KiB: the floor */
	ck_assert_msg(y == snd_nxt + 65536, "new ISS %u not 64 KiB past old SND.NXT %u", y,
			snd_nxt);
	ck_assert_msg(s->has_ts && (int32_t)(s->tsval - tsval) > 0, "TSval %u not above %u",
			s->tsval, tsval);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_SYN | T_ACK, 7777, y + 1, TH_PWND, NULL, 0, &ts);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, y + 1, 7778, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_time_wait_no_reconnect_without_timestamps)
{
	uint32_t tsval;

	active_to_time_wait(NULL, 0, &tsval);
	/* no PAWS to tell the two connections apart: the pair waits out 2MSL */
	th_advance_ms(&h, 1500);
	connect_refused();
	ck_assert_uint_eq(st()->tcp_time_wait_reconnected, 0);
	th_advance_ms(&h, 500);
	ck_assert_uint_eq(th_count_all(&h), 0);
	th_connect(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_SYN_SENT), 1);
}
END_TEST

START_TEST(test_time_wait_old_timestamp_reacked)
{
	const struct th_opts syn1 = { .mss = 1460, .has_ts = 1, .tsval = 1000 };
	struct th_opts syn2 = { .mss = 1460, .has_ts = 1, .tsval = 1999 };
	const struct th_seg *s;
	uint32_t x;

	th_up(&h);
	h.peer_tsval = 2000;
	x = to_time_wait(IRS, &syn1);
	/* seq above RCV.NXT but an older TSval: with timestamps, not newer */
	th_inject(&h, T_SYN, B + 100000, 0, TH_PWND, NULL, 0, &syn2);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	ck_assert(s->has_ts && s->tsecr == 2000);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	ck_assert_uint_eq(h.n_accept, 1);
}
END_TEST

START_TEST(test_time_wait_rst)
{
	uint32_t x;

	th_up(&h);
	x = to_time_wait(IRS, NULL);
	/* a RST not at RCV.NXT leaves TIME-WAIT alone (at most a challenge
	 * ACK, RFC 5961 §3.2); the exact one ends it */
	th_inject(&h, T_RST, B + 100, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	if (th_pending(&h) != 0)
		TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	th_inject(&h, T_RST, B + 1, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

/* ------------------------------------------------------------ passive close */

START_TEST(test_passive_close)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	/* ESTABLISHED -> CLOSE-WAIT on the peer's FIN: ACKed at once */
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_CLOSE_WAIT);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_CLOSE_WAIT), 1);
	ck_assert_uint_eq(h.n_peer_closed, 1);
	ck_assert_str_eq(h.log, "AP");
	/* the FIN again (our ACK lost): ACKed again, on_peer_closed not again */
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B + 1, 65535, 0);
	ck_assert_uint_eq(h.n_peer_closed, 1);
	/* CLOSE-WAIT -> LAST-ACK: our FIN */
	ck_assert_int_eq(tern_close(h.c), 0);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_LAST_ACK);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 0);
	/* LAST-ACK -> CLOSED on the ACK of our FIN */
	th_inject(&h, T_ACK, B + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_NORMAL);
	ck_assert_str_eq(h.log, "APX");
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(st()->tcp_conn_closed, 1);
}
END_TEST

START_TEST(test_last_ack_fin_retransmitted)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B + 1, 65535, 0);
	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B + 1, 65535, 0);
	/* the RTO from the handshake's sample: the 200 ms floor */
	th_advance_ms(&h, 199);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B + 1, 65535, 0);
	th_inject(&h, T_ACK, B + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_uint_eq(th_count_all(&h), 0);
	th_advance_ms(&h, 5000);
	TH_EXPECT_NONE(&h);
}
END_TEST

static void
close_now(struct th *hh, struct tern_conn *c)
{
	(void)hh;
	ck_assert_int_eq(tern_close(c), 0);
}

START_TEST(test_close_inside_on_peer_closed)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	h.peer_closed_hook = close_now;
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	/* the ACK of the peer's FIN rides on our FIN: one segment */
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_LAST_ACK);
	th_inject(&h, T_ACK, B + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_str_eq(h.log, "APX");
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_fin_out_of_order)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	/* data then FIN, the FIN first: held until the data fills the hole */
	th_inject(&h, T_FIN | T_ACK, B + 20, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 0);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_peer_closed, 0);
	th_inject_data(&h, T_ACK, B, x + 1, 20);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B + 21, 65535, 0);
	TH_EXPECT_NONE(&h);
	th_check_rx(&h, 0, B, 20);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_CLOSE_WAIT);
	ck_assert_str_eq(h.log, "ARP");
}
END_TEST

/* ------------------------------------------------------------ simultaneous close */

START_TEST(test_simultaneous_close)
{
	uint32_t x;

	x = open_then(tern_close);
	/* the peer's FIN crosses ours (it does not ACK our FIN): FIN-WAIT-1 -> CLOSING */
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_CLOSING);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_CLOSING), 1);
	ck_assert_uint_eq(h.n_closed, 0);
	/* CLOSING -> TIME-WAIT on the ACK of our FIN */
	th_inject(&h, T_ACK, B + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	ck_assert_uint_eq(th_count_all(&h), 1);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_NORMAL);
	th_advance_ms(&h, 2000);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

/*
 * The peer's FIN, which crosses ours, and its ACK of our FIN arrive in one
 * burst: CLOSING lasts only until the second segment, before the output
 * pass that sends the ACK owed for the FIN. TIME-WAIT sends it (before, it
 * was lost with the control block and the peer resent its FIN after an RTO:
 * seen in the simulator with segmentation offload on).
 */
START_TEST(test_closing_ack_owed_in_one_burst)
{
	uint32_t x;

	x = open_then(tern_close);
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_inject(&h, T_ACK, B + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	ck_assert_uint_eq(h.n_closed, 1);
}
END_TEST

START_TEST(test_closing_fin_retransmitted)
{
	uint32_t x;

	x = open_then(tern_close);
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 1, 65535, 0);
	/* in CLOSING our FIN is retransmitted until ACKed */
	th_advance_ms(&h, 1000);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B + 1, 65535, 0);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, B + 1, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
}
END_TEST

/* ------------------------------------------------------------ half-close */

START_TEST(test_half_close_tern_sends_in_close_wait)
{
	const struct th_seg *s;
	uint8_t buf[100];
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	th_inject(&h, T_FIN | T_ACK, B, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B + 1, 65535, 0);
	/* no more data will come, but tern may still send */
	th_fill(buf, x + 1, sizeof(buf));
	ck_assert_int_eq(tern_send(h.c, buf, sizeof(buf)), 100);
	th_poll(&h);
	s = TH_EXPECT(&h, T_ACK | T_PSH, x + 1, B + 1, 65535, 100);
	th_check_payload(s, x + 1);
	th_inject(&h, T_ACK, B + 1, x + 101, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.sent_bytes, 100);
	ck_assert_int_eq(tern_close(h.c), 0);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 101, B + 1, 65535, 0);
	th_inject(&h, T_ACK, B + 1, x + 102, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_str_eq(h.log, "APSX");
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_half_close_shutdown_still_receives)
{
	uint32_t x;

	x = open_then(tern_shutdown);
	ck_assert_int_eq(tern_send(h.c, "x", 1), -EPIPE);
	ck_assert_uint_eq(tern_send_space(h.c), 0);
	th_inject(&h, T_ACK, B, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_FIN_WAIT_2);
	/* the peer goes on sending; tern delivers */
	th_inject_data(&h, T_ACK | T_PSH, B, x + 2, 300);
	th_poll(&h);
	th_check_rx(&h, 0, B, 300);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 2, B + 300, 65535, 0);
	/* and its FIN ends it: TIME-WAIT, the app hears both */
	th_inject(&h, T_FIN | T_ACK, B + 300, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 301, 65535, 0);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_TIME_WAIT), 1);
	ck_assert_str_eq(h.log, "ARPX");
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_NORMAL);
}
END_TEST

/* ------------------------------------------------------------ RST (RFC 5961) */

START_TEST(test_rst_exact_resets)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	(void)x;
	/* RFC 5961 §3.2: SEG.SEQ == RCV.NXT: reset */
	th_inject(&h, T_RST, B, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_RESET);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(st()->tcp_rst_rcvd, 1);
	ck_assert_uint_eq(st()->tcp_conn_reset, 1);
}
END_TEST

START_TEST(test_rst_with_unacked_data_resets)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	ck_assert_int_eq(tern_send(h.c, "abcdef", 6), 6);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, B, 65535, 6);
	th_inject(&h, T_RST | T_ACK, B, x + 1, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_RESET);
	/* the queue is gone with it: no retransmission */
	th_advance_ms(&h, 3000);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_rst_in_window_challenged)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	/* RFC 5961 §3.2: in the window, not exact: challenge ACK
	 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, connection stays */
	th_inject(&h, T_RST, B + 1000, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_closed, 0);
	ck_assert_uint_eq(st()->tcp_challenge_ack, 1);
	/* the right edge minus one is still in the window */
	th_inject(&h, T_RST, B + 65534, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 0);
	/* the peer answers the challenge with the exact RST */
	th_inject(&h, T_RST, B, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_RESET);
}
END_TEST

START_TEST(test_rst_outside_window_ignored)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	(void)x;
	/* RFC 9293 §3.10.7.4 first / RFC 5961 §3.2: outside the window: dropped
	 * silently (never answer a RST) */
	th_inject(&h, T_RST, B + 65535, 0, 0, NULL, 0, NULL);
	th_inject(&h, T_RST, B - 1, 0, 0, NULL, 0, NULL);
	th_inject(&h, T_RST, B + 0x80000000u, 0, 0, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_closed, 0);
	ck_assert_uint_eq(st()->tcp_drop_unacceptable, 3);
	ck_assert_uint_eq(st()->tcp_challenge_ack, 0);
}
END_TEST

START_TEST(test_syn_in_established_challenged)
{
	const struct th_opts mss = { .mss = 1460 };
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	/* RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK */
	th_inject(&h, T_SYN, B + 10, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 0);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_SYN, B, 0, TH_PWND, NULL, 0, &mss);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 0);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_closed, 0);
	ck_assert_uint_eq(h.n_accept, 1);
	/* the connection still carries data */
	th_inject_data(&h, T_ACK, B, x + 1, 10);
	th_poll(&h);
	th_check_rx(&h, 0, B, 10);
}
END_TEST

START_TEST(test_challenge_ack_rate_limit)
{
	uint32_t x;

	h.ns.cfg.tcp_challenge_ack_limit = 3;
	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	/* RFC 5961 §7: at most 3 challenge ACKs in a second */
	for (int k = 0; k < 5; k++) {
		th_inject(&h, T_RST, B + 100 + k, 0, 0, NULL, 0, NULL);
		th_advance_ms(&h, 1);
		if (k < 3)
			TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 0);
		TH_EXPECT_NONE(&h);
	}
	ck_assert_uint_eq(st()->tcp_challenge_ack, 3);
	ck_assert_uint_eq(st()->tcp_challenge_ack_limited, 2);
	/* a new second, a new budget */
	th_advance_ms(&h, 1000);
	th_inject(&h, T_SYN, B + 7, 0, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 1, B, 65535, 0);
	ck_assert_uint_eq(st()->tcp_challenge_ack, 4);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

/* ------------------------------------------------------------ abort and API */

START_TEST(test_abort)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	ck_assert_int_eq(tern_send(h.c, "0123456789", 10), 10);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, B, 65535, 10);
	/* RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>; on_closed(ABORTED) at once */
	tern_abort(h.c);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_ABORTED);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 11, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
	ck_assert_uint_eq(st()->tcp_conn_aborted, 1);
	th_advance_ms(&h, 3000);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_send_after_close_and_shutdown)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	ck_assert_int_eq(tern_close(h.c), 0);
	ck_assert_int_eq(tern_send(h.c, "x", 1), -EPIPE);
	ck_assert_uint_eq(tern_send_space(h.c), 0);
	ck_assert_int_eq(tern_close(h.c), -ENOTCONN);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B, 65535, 0);
	TH_EXPECT_NONE(&h);
	/* a second connection: shutdown, then send */
	h.pport++;
	x = th_open_passive(&h, IRS, NULL);
	ck_assert_int_eq(tern_shutdown(h.c), 0);
	ck_assert_int_eq(tern_send(h.c, "x", 1), -EPIPE);
	th_poll(&h);
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B, 65535, 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

static void
abort_in_recv(struct th *hh, struct tern_conn *c, const uint8_t *data, uint32_t len)
{
	(void)data;
	(void)len;
	hh->recv_hook = NULL;
	tern_abort(c);
}

START_TEST(test_abort_inside_on_recv)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	h.recv_hook = abort_in_recv;
	/* two segments in one burst; the app aborts on the first */
	th_inject_data(&h, T_ACK, B, x + 1, 100);
	th_inject_data(&h, T_ACK, B + 100, x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
	/* the second meets no connection any more: <SEQ=SEG.ACK><CTL=RST> */
	TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_recv, 1);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_ABORTED);
	ck_assert_str_eq(h.log, "ARX");
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

static void
close_in_recv(struct th *hh, struct tern_conn *c, const uint8_t *data, uint32_t len)
{
	(void)data;
	(void)len;
	hh->recv_hook = NULL;
	ck_assert_int_eq(tern_close(c), 0);
}

START_TEST(test_close_inside_on_recv)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	h.recv_hook = close_in_recv;
	th_inject_data(&h, T_ACK | T_PSH, B, x + 1, 10);
	th_poll(&h);
	/* the owed ACK rides on the FIN */
	TH_EXPECT(&h, T_FIN | T_ACK, x + 1, B + 10, 65535, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(h.c), TERN_TCP_FIN_WAIT_1);
	th_inject(&h, T_FIN | T_ACK, B + 10, x + 2, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK, x + 2, B + 11, 65535, 0);
	ck_assert_str_eq(h.log, "ARX");
}
END_TEST

static void
abort_in_peer_closed(struct th *hh, struct tern_conn *c)
{
	(void)hh;
	tern_abort(c);
}

START_TEST(test_abort_inside_on_peer_closed)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, IRS, NULL);
	h.peer_closed_hook = abort_in_peer_closed;
	th_inject_data(&h, T_ACK | T_FIN, B, x + 1, 10);
	th_poll(&h);
	/* RST at SND.NXT; the ACK owed for the FIN is not sent for a dead connection */
	TH_EXPECT(&h, T_RST, x + 1, 0, 0, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_str_eq(h.log, "ARPX");
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_abort_active_in_syn_sent)
{
	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	h.lport = h.last.sport;
	/* RFC 9293 §3.10.5 ABORT in SYN-SENT: no RST (nothing to reset) */
	tern_abort(h.c);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_ABORTED);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	th_advance_ms(&h, 5000);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_count_all(&h), 0);
}
END_TEST

START_TEST(test_stack_free_aborts_open_connections)
{
	th_up(&h);
	th_open_passive(&h, IRS, NULL);
	h.pport++;
	th_open_active(&h, 20000, NULL);
	/* the stack going away ends every connection with on_closed(ABORTED) */
	ck_assert_pool_count(tern_worker_pool(h.ns.w), h.ns.cfg.mbufs);
	tern_stack_free(h.ns.stack);
	h.ns.stack = NULL;
	ck_assert_uint_eq(h.n_closed, 2);
	ck_assert_int_eq(h.recs[0].reason, TERN_CLOSE_ABORTED);
	ck_assert_int_eq(h.recs[1].reason, TERN_CLOSE_ABORTED);
}
END_TEST

static Suite *
tcp_close_suite(void)
{
	Suite *s = suite_create("tcp_close");
	TCase *ac = tcase_create("active_close");
	TCase *tw = tcase_create("time_wait");
	TCase *pc = tcase_create("passive_close");
	TCase *sc = tcase_create("simultaneous_close");
	TCase *hc = tcase_create("half_close");
	TCase *rst = tcase_create("rst");
	TCase *api = tcase_create("api");

	tcase_add_checked_fixture(ac, setup, teardown);
	tcase_add_test(ac, test_active_close);
	tcase_add_test(ac, test_active_close_after_data);
	tcase_add_test(ac, test_fin_ack_in_fin_wait_1);
	tcase_add_test(ac, test_fin_wait_2_timeout);
	suite_add_tcase(s, ac);

	tcase_add_checked_fixture(tw, setup, teardown);
	tcase_add_test(tw, test_time_wait_fin_retransmitted);
	tcase_add_test(tw, test_time_wait_reuse_higher_seq);
	tcase_add_test(tw, test_time_wait_reuse_answered_with_cookie);
	tcase_add_test(tw, test_time_wait_reuse_newer_timestamp);
	tcase_add_test(tw, test_time_wait_old_syn_reacked);
	tcase_add_test(tw, test_time_wait_old_timestamp_reacked);
	tcase_add_test(tw, test_time_wait_reconnect);
	tcase_add_test(tw, test_time_wait_no_reconnect_without_timestamps);
	tcase_add_test(tw, test_time_wait_rst);
	suite_add_tcase(s, tw);

	tcase_add_checked_fixture(pc, setup, teardown);
	tcase_add_test(pc, test_passive_close);
	tcase_add_test(pc, test_last_ack_fin_retransmitted);
	tcase_add_test(pc, test_close_inside_on_peer_closed);
	tcase_add_test(pc, test_fin_out_of_order);
	suite_add_tcase(s, pc);

	tcase_add_checked_fixture(sc, setup, teardown);
	tcase_add_test(sc, test_simultaneous_close);
	tcase_add_test(sc, test_closing_fin_retransmitted);
	tcase_add_test(sc, test_closing_ack_owed_in_one_burst);
	suite_add_tcase(s, sc);

	tcase_add_checked_fixture(hc, setup, teardown);
	tcase_add_test(hc, test_half_close_tern_sends_in_close_wait);
	tcase_add_test(hc, test_half_close_shutdown_still_receives);
	suite_add_tcase(s, hc);

	tcase_add_checked_fixture(rst, setup, teardown);
	tcase_add_test(rst, test_rst_exact_resets);
	tcase_add_test(rst, test_rst_with_unacked_data_resets);
	tcase_add_test(rst, test_rst_in_window_challenged);
	tcase_add_test(rst, test_rst_outside_window_ignored);
	tcase_add_test(rst, test_syn_in_established_challenged);
	tcase_add_test(rst, test_challenge_ack_rate_limit);
	suite_add_tcase(s, rst);

	tcase_add_checked_fixture(api, setup, teardown);
	tcase_add_test(api, test_abort);
	tcase_add_test(api, test_send_after_close_and_shutdown);
	tcase_add_test(api, test_abort_inside_on_recv);
	tcase_add_test(api, test_close_inside_on_recv);
	tcase_add_test(api, test_abort_inside_on_peer_closed);
	tcase_add_test(api, test_abort_active_in_syn_sent);
	tcase_add_test(api, test_stack_free_aborts_open_connections);
	suite_add_tcase(s, api);
	return s;
}

int
main(void)
{
	int rc = unit_run(tcp_close_suite());

	/* again with segments sent from the send buffers, as on DPDK ports */
	nf_dev_offloads = TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG;
	return unit_run(tcp_close_suite()) != EXIT_SUCCESS ? EXIT_FAILURE : rc;
}
