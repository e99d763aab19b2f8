/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcp under mbuf pressure (issue 18, "no stall under pressure"): a
 * segment that finds the worker's pool empty is tried again on its own
 * (TF_NOMBUF), even with nothing in flight and no retransmission timer, and
 * a send backlog cannot take the mbufs receive needs: the send queues stop
 * at their share of the pool (tcp_worker_set_rx_reserve), so the ACK that
 * would free the backlog still goes out.
 *
 * The test empties the pool itself (pool_drain) to stand for every other
 * user of it: a backlog on other connections, frames held by the app.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "tcp_harness.h"

static struct th h;
static struct rte_mbuf *held[8192];
static unsigned int n_held;

static void
setup(void)
{
	th_init(&h, "tern_unit_tcp_pressure");
}

static void
teardown(void)
{
	ck_assert_uint_eq(n_held, 0);
	th_down(&h);
}

static const struct tern_stats *
st(void)
{
	return th_stats(&h);
}

/* Take every mbuf left in the worker's pool. */
static void
pool_drain(void)
{
	struct rte_mempool *mp = tern_worker_pool(h.ns.w);
	struct rte_mbuf *m;

	while ((m = rte_pktmbuf_alloc(mp)) != NULL) {
		ck_assert_uint_lt(n_held, RTE_DIM(held));
		held[n_held++] = m;
	}
	ck_assert_uint_eq(rte_mempool_avail_count(mp), 0);
}

static void
pool_refill(void)
{
	while (n_held != 0)
		rte_pktmbuf_free(held[--n_held]);
}

/* ------------------------------------------------------------ retry */

/*
 * Data queued, nothing in flight, and the pool empty when the output pass
 * builds the segment: no retransmission timer covers it. It goes out within
 * TCP_NOMBUF_RETRY_US of the pool having mbufs again, on its own; while the
 * pool stays empty the retries are one a millisecond, not a spin.
 */
START_TEST(test_nombuf_data_retried)
{
	static uint8_t buf[300];
	uint64_t nombuf, retries, tries;
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 5000, NULL);
	th_fill(buf, x + 1, sizeof(buf));
	ck_assert_int_eq(tern_send(h.c, buf, sizeof(buf)), (int)sizeof(buf));
	nombuf = st()->tcp_nombuf;
	retries = st()->tcp_nombuf_retry;
	pool_drain();
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_nombuf, nombuf + 1);
	/* 10 ms of an empty pool: about one try a millisecond */
	for (int i = 0; i < 10; i++)
		th_advance_ms(&h, 1);
	TH_EXPECT_NONE(&h);
	tries = st()->tcp_nombuf_retry - retries;
	pool_refill();
	th_advance_ms(&h, 1);
	th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH, x + 1, 5001, TH_ANY, sizeof(buf)), x + 1);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_ge(tries, 8);
	ck_assert_uint_le(tries, 11);
	/* the peer's ACK ends it: nothing more is tried */
	retries = st()->tcp_nombuf_retry;
	th_inject(&h, T_ACK, 5001, x + 1 + sizeof(buf), TH_PWND, NULL, 0, NULL);
	th_advance_ms(&h, 5);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_nombuf_retry, retries);
}
END_TEST

/*
 * A push (tern_conn_push) whose send finds the pool empty: the retry sends
 * the held data as soon as mbufs are back, not after a new cork ceiling
 * (found in review: the cut-short pass dropped the push and re-armed 200 ms).
 */
START_TEST(test_nombuf_push_kept)
{
	static uint8_t buf[300];
	uint32_t x;
	int ms;

	th_up(&h);
	x = th_open_passive(&h, 5000, NULL);
	tern_conn_set_cork(h.c, true);
	th_fill(buf, x + 1, sizeof(buf));
	ck_assert_int_eq(tern_send(h.c, buf, sizeof(buf)), (int)sizeof(buf));
	th_poll(&h);
	th_advance_ms(&h, 50);
	TH_EXPECT_NONE(&h);
	tern_conn_push(h.c);
	pool_drain();
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	pool_refill();
	for (ms = 1; ms < 1000 && th_pending(&h) == 0; ms++)
		th_advance_ms(&h, 1);
	th_check_payload(TH_EXPECT(&h, T_ACK | T_PSH, x + 1, 5001, TH_ANY, sizeof(buf)), x + 1);
	ck_assert_int_le(ms, 2);
}
END_TEST

/* tern_connect with the pool empty: the SYN arms no timer until it is sent. */
START_TEST(test_nombuf_syn_retried)
{
	struct tern_conn *c;

	th_up(&h);
	pool_drain();
	c = th_connect(&h);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_int_eq(th_state(c), TERN_TCP_SYN_SENT);
	th_advance_ms(&h, 3);
	TH_EXPECT_NONE(&h);
	pool_refill();
	th_advance_ms(&h, 1);
	ck_assert(th_next(&h, &h.last));
	ck_assert_uint_eq(h.last.flags, T_SYN);
	ck_assert_uint_eq(h.last.dport, h.pport);
	ck_assert_uint_eq(th_pending(&h), 0);
	ck_assert_uint_ge(st()->tcp_nombuf_retry, 1);
	tern_abort(c);
	th_poll(&h);
}
END_TEST

/* A delayed ACK that found no mbuf is not forgotten. */
START_TEST(test_nombuf_ack_retried)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, 7000, NULL);
	th_inject_data(&h, T_ACK, 7001, x + 1, 100);
	th_poll(&h);
	ck_assert_uint_eq(h.n_recv, 1);
	TH_EXPECT_NONE(&h);
	pool_drain();
	th_advance_ms(&h, 40);          /* the delayed-ACK timer: no mbuf */
	TH_EXPECT_NONE(&h);
	pool_refill();
	th_advance_ms(&h, 1);
	TH_EXPECT(&h, T_ACK, x + 1, 7101, TH_ANY, 0);
	TH_EXPECT_NONE(&h);
}
END_TEST

/* ------------------------------------------------------------ reserve */

/*
 * A backlog larger than the pool (8 MiB of send buffer, 2048 mbufs of 2 KiB)
 * behind a zero window: the writes stop at the send queues' share, not at an
 * empty pool (tern_send returns 0, as for a full buffer), and the peer's data
 * is still acknowledged.
 */
START_TEST(test_backlog_keeps_receive_reserve)
{
	static uint8_t buf[64 * 1024];
	struct rte_mempool *mp;
	uint64_t queued = 0;
	unsigned int avail;
	int rc = 0;
	uint32_t x;

	h.ns.cfg.tcp_sndbuf = 8u << 20;
	th_up(&h);
	mp = tern_worker_pool(h.ns.w);
	x = th_open_passive(&h, 9000, NULL);
	th_inject(&h, T_ACK, 9001, x + 1, 0, NULL, 0, NULL);    /* window 0 */
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	for (int i = 0; i < 256; i++) {
		rc = tern_send(h.c, buf, sizeof(buf));
		if (rc <= 0)
			break;
		queued += (uint64_t)rc;
	}
	avail = rte_mempool_avail_count(mp);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* the peer still talks to us, and hears back */
	th_fill(buf, 9001, 100);
	th_inject(&h, T_ACK | T_PSH, 9001, x + 1, 0, buf, 100, NULL);
	th_poll(&h);
	ck_assert_uint_eq(h.n_recv, 1);
	th_advance_ms(&h, 40);
	TH_EXPECT(&h, T_ACK, x + 1, 9101, TH_ANY, 0);
	/* the writes stopped at the send queues' share, not an empty pool:
	 * the reserve is the device's ring (1024 here) plus a burst and a
	 * transmit batch, at most half the pool */
	ck_assert_int_eq(rc, 0);        /* as a full send buffer: wait for on_sent */
	ck_assert_uint_ge(st()->tcp_snd_reserve_hit, 1);
	ck_assert_uint_eq(st()->tcp_nombuf, 0);
	ck_assert_msg(avail >= h.ns.cfg.mbufs / 2, "%u of %u mbufs left after %" PRIu64
			" bytes queued", avail, (unsigned int)h.ns.cfg.mbufs, queued);
	ck_assert_uint_ge(queued, 1u << 20);
	/* the window opens: the backlog drains as the peer acknowledges it */
	th_inject(&h, T_ACK, 9101, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_gt(th_pending(&h), 0);
	tern_abort(h.c);
	th_poll(&h);
}
END_TEST

/* ------------------------------------------------------- full transmit */

enum { TXF_CONNS = 48, TXF_SEGS = 3, TXF_MSS = 1460 };   /* 144 segments > a batch */

/*
 * Open TXF_CONNS connections (peer ports TH_PPORT + i), make the driver
 * refuse every frame, and queue TXF_SEGS full segments on each; one poll.
 */
static void
txf_open_and_queue(struct tern_conn **conns, uint32_t *iss)
{
	static uint8_t buf[TXF_SEGS * TXF_MSS];

	th_up(&h);
	for (int i = 0; i < TXF_CONNS; i++) {
		h.pport = (uint16_t)(TH_PPORT + i);
		iss[i] = th_open_passive(&h, 7000, NULL);
		conns[i] = h.c;
	}
	tern_sim_set_tx_room(h.ns.dev, 0);
	for (int i = 0; i < TXF_CONNS; i++) {
		th_fill(buf, iss[i] + 1, sizeof(buf));
		ck_assert_int_eq(tern_send(conns[i], buf, sizeof(buf)), (int)sizeof(buf));
	}
	th_poll(&h);
}

static void
txf_abort_all(struct tern_conn **conns)
{
	for (int i = 0; i < TXF_CONNS; i++)
		tern_abort(conns[i]);
	th_poll(&h);
}

/*
 * The driver refuses a whole transmit batch (NET_TX_BATCH_MAX frames) and
 * more connections have data to send: their output waits on the output
 * list, none is built and dropped (before, the frames past the batch were
 * freed, counted in tx_drop_full, and sent again only by a retransmission
 * timeout). Once the driver takes frames again, every segment goes out
 * once, in the next iterations, with no retransmission.
 */
START_TEST(test_tx_full_defers_output)
{
	struct tern_conn *conns[TXF_CONNS];
	uint32_t iss[TXF_CONNS];
	uint64_t data_bytes = 0;
	struct th_seg seg;
	unsigned int segs = 0;

	txf_open_and_queue(conns, iss);
	th_advance_ms(&h, 1);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tx_drop_full, 0);
	ck_assert_uint_gt(st()->tcp_tx_deferred, 0);     /* a fresh stack: all of them now */
	/* the driver takes frames again: all of it, once, well before an RTO */
	tern_sim_set_tx_room(h.ns.dev, -1);
	for (int i = 0; i < 3; i++)
		th_advance_ms(&h, 1);
	while (th_next(&h, &seg)) {
		ck_assert_uint_eq(seg.len, TXF_MSS);
		data_bytes += seg.len;
		segs++;
	}
	ck_assert_uint_eq(segs, TXF_CONNS * TXF_SEGS);
	ck_assert_uint_eq(data_bytes, (uint64_t)TXF_CONNS * TXF_SEGS * TXF_MSS);
	ck_assert_uint_eq(st()->tcp_rexmt_segs, 0);
	ck_assert_uint_eq(st()->tx_drop_full, 0);
	txf_abort_all(conns);
}
END_TEST

/*
 * A driver that refuses everything for longer than NET_TX_WAIT_MAX_US is
 * taken as stuck, like a link that is down: output stops waiting, the frames
 * past the batch are dropped and counted, and the retransmission timer (not
 * the output list) brings the data once the driver takes frames again. A
 * connection with nothing in flight thus still has a timer that can end it.
 */
START_TEST(test_tx_stuck_falls_back_to_timers)
{
	struct tern_conn *conns[TXF_CONNS];
	uint32_t iss[TXF_CONNS], rcv_nxt[TXF_CONNS];
	struct th_seg seg;

	txf_open_and_queue(conns, iss);
	ck_assert_uint_eq(st()->tx_drop_full, 0);
	/* past the wait: built, dropped, counted */
	for (int i = 0; i < 6; i++)
		th_advance_ms(&h, 10);
	ck_assert_uint_gt(st()->tx_drop_full, 0);
	/* the driver comes back: the batch, then the rest by retransmission,
	 * to a peer that acknowledges what arrives in order */
	tern_sim_set_tx_room(h.ns.dev, -1);
	for (int i = 0; i < TXF_CONNS; i++)
		rcv_nxt[i] = iss[i] + 1;
	for (int round = 0; round < 60; round++) {
		th_advance_ms(&h, 100);
		while (th_next(&h, &seg)) {
			int k = seg.dport - TH_PPORT;

			if (seg.len == 0 || k < 0 || k >= TXF_CONNS || seg.seq != rcv_nxt[k])
				continue;
			rcv_nxt[k] += seg.len;
			h.pport = seg.dport;
			th_inject(&h, T_ACK, 7001, rcv_nxt[k], TH_PWND, NULL, 0, NULL);
		}
	}
	ck_assert_uint_gt(st()->tcp_rexmt_segs, 0);
	for (int i = 0; i < TXF_CONNS; i++)
		ck_assert_msg(rcv_nxt[i] == iss[i] + 1 + TXF_SEGS * TXF_MSS,
				"connection %d: %u of %u bytes arrived in order", i,
				rcv_nxt[i] - iss[i] - 1, TXF_SEGS * TXF_MSS);
	txf_abort_all(conns);
}
END_TEST

static Suite *
tcp_pressure_suite(void)
{
	Suite *s = suite_create("tcp_pressure");
	TCase *r = tcase_create("retry");
	TCase *v = tcase_create("reserve");
	TCase *t = tcase_create("tx_full");

	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_nombuf_data_retried);
	tcase_add_test(r, test_nombuf_push_kept);
	tcase_add_test(r, test_nombuf_syn_retried);
	tcase_add_test(r, test_nombuf_ack_retried);
	suite_add_tcase(s, r);

	tcase_add_checked_fixture(v, setup, teardown);
	tcase_add_test(v, test_backlog_keeps_receive_reserve);
	suite_add_tcase(s, v);

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_tx_full_defers_output);
	tcase_add_test(t, test_tx_stuck_falls_back_to_timers);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	int rc = unit_run(tcp_pressure_suite());

	/* again with segments sent from the send buffers, as on DPDK ports */
	nf_dev_offloads = TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG;
	return unit_run(tcp_pressure_suite()) != EXIT_SUCCESS ? EXIT_FAILURE : rc;
}
