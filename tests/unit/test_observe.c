/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an operator sees of a running worker (issue 17): the connection
 * listing's fields for connections whose history the test wrote (a
 * handshake with every option, data each way, an RTT sample; byte counts
 * past 4 GiB), listeners
 * with their SYN queue and accept count, paging through many connections,
 * and the mailbox through which another thread asks the worker
 * (core_snap_request, as the telemetry thread does): answered between two
 * iterations, a timeout when the worker does not poll, and no second
 * request while the first may still be read.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "core_priv.h"
#include "tcp_harness.h"

static struct th h;

static void
setup(void)
{
	th_init(&h, "tern_unit_observe");
}

static void
teardown(void)
{
	th_down(&h);
}

/* Peer port @pport opens a connection to tern with every option. @return tern's ISS. */
static uint32_t
open_from(uint16_t pport, uint32_t irs)
{
	const struct th_opts syn = { .mss = 1460, .has_ws = 1, .ws = 7, .sack_ok = 1,
		.has_ts = 1, .tsval = h.peer_tsval };
	const struct th_seg *s;

	h.pport = pport;
	th_inject(&h, T_SYN, irs, 0, TH_PWND, NULL, 0, &syn);
	th_poll(&h);
	s = TH_EXPECT(&h, T_SYN | T_ACK, TH_ANY, irs + 1, TH_ANY, 0);
	h.iss = s->seq;
	h.tern_tsval = s->tsval;
	h.peer_ts = true;
	return s->seq;
}

START_TEST(test_listing_fields)
{
	static struct th_seg seg;
	const uint32_t irs = 0xffffffc0u;   /* the peer's sequence numbers wrap in the data */
	struct tern_conn_info rows[4];
	struct tern_listener_info l[2];
	char out[3000];
	uint32_t cursor = 0, x;
	unsigned int n;

	th_up(&h);
	x = open_from(TH_PPORT, irs);
	/* half-open: in the listener's SYN queue, not yet accepted */
	ck_assert_uint_eq(tern_worker_listeners(h.ns.w, l, RTE_DIM(l)), 1);
	ck_assert_uint_eq(l[0].port, TH_LPORT);
	ck_assert_uint_eq(l[0].syn_queue, 1);
	ck_assert_uint_eq(l[0].accepted, 0);
	ck_assert_uint_eq(l[0].syn_backlog, h.ns.cfg.tcp_syn_backlog);

	/* the handshake's ACK 30 ms after the SYN-ACK: the first RTT sample */
	th_advance_ms(&h, 30);
	h.peer_tsval++;
	th_inject(&h, T_ACK, irs + 1, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	/* 100 bytes in, 3000 out, all acknowledged */
	th_inject_data(&h, T_ACK | T_PSH, irs + 1, x + 1, 100);
	th_poll(&h);
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(tern_send(h.c, out, sizeof(out)), (int)sizeof(out));
	th_poll(&h);
	while (th_next(&h, &seg))
		;
	th_advance_ms(&h, 10);
	h.peer_tsval++;
	th_inject(&h, T_ACK, irs + 101, x + 1 + 3000, TH_PWND, NULL, 0, NULL);
	th_poll(&h);

	n = tern_worker_conn_list(h.ns.w, &cursor, rows, RTE_DIM(rows));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(cursor, UINT32_MAX);
	ck_assert_uint_eq(rows[0].laddr, NF_IP(10, 77, 0, 2));
	ck_assert_uint_eq(rows[0].raddr, TH_PEER_IP);
	ck_assert_uint_eq(rows[0].lport, TH_LPORT);
	ck_assert_uint_eq(rows[0].rport, TH_PPORT);
	ck_assert_uint_eq(rows[0].state, TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(rows[0].snd_una, x + 1 + 3000);
	ck_assert_uint_eq(rows[0].snd_nxt, x + 1 + 3000);
	ck_assert_uint_eq(rows[0].rcv_nxt, irs + 101);
	ck_assert_uint_eq(rows[0].bytes_acked, 3000);
	ck_assert_uint_eq(rows[0].bytes_received, 100);
	ck_assert_uint_eq(rows[0].snd_queued, 0);
	ck_assert(rows[0].ts_on && rows[0].sack_on);
	ck_assert_uint_eq(rows[0].snd_wscale, 7);
	ck_assert_uint_eq(rows[0].mss, 1460 - 12);
	ck_assert_uint_eq(rows[0].snd_wnd, (uint32_t)TH_PWND << 7);
	ck_assert_uint_gt(rows[0].cwnd, 3000);
	ck_assert_uint_gt(rows[0].srtt_us, 0);
	ck_assert_uint_gt(rows[0].rttvar_us, 0);
	ck_assert_uint_ge(rows[0].rto_us, h.ns.cfg.tcp_rto_min_ms * 1000u);
	ck_assert_uint_eq(rows[0].retransmits, 0);
	/* handshake ACK, data, ACK of ours: three in; SYN-ACK, three data segments (at
	 * least: the ACK of the 100 bytes may ride on the data) out */
	ck_assert_uint_eq(rows[0].segs_in, 3);
	ck_assert_uint_ge(rows[0].segs_out, 4);
	/* born at the SYN, 40 ms of virtual time ago (the TS clock ticks 1.024 ms) */
	ck_assert_uint_ge(rows[0].age_ms, 38);
	ck_assert_uint_le(rows[0].age_ms, 40);
	ck_assert_str_eq(rows[0].cc, "newreno");

	ck_assert_uint_eq(tern_worker_listeners(h.ns.w, l, RTE_DIM(l)), 1);
	ck_assert_uint_eq(l[0].syn_queue, 0);
	ck_assert_uint_eq(l[0].accepted, 1);

	/* a listing that starts past the end is empty */
	ck_assert_uint_eq(tern_worker_conn_list(h.ns.w, &cursor, rows, RTE_DIM(rows)), 0);
}
END_TEST

/*
 * Byte counts go on past 4 GiB, where SND.UNA - ISS and RCV.NXT - IRS wrap:
 * the test moves ISS and IRS back (nothing after the handshake reads them)
 * as if 4 GiB less 256 bytes had gone each way, then moves 300 more.
 */
START_TEST(test_listing_bytes_past_4gib)
{
	static struct th_seg seg;
	const uint64_t before = 0xffffff00u, more = 300;
	struct tern_conn_info row;
	struct tcp_cb *tp;
	char out[300];
	uint32_t cursor = 0, x;

	th_up(&h);
	x = open_from(TH_PPORT, 1000);
	th_inject(&h, T_ACK, 1001, x + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	tp = conn_cb(h.c);
	tp->irs = tp->rcv_nxt - (uint32_t)(before + 1);
	tp->iss = tp->snd_una - (uint32_t)(before + 1);
	th_inject_data(&h, T_ACK | T_PSH, 1001, x + 1, (uint32_t)more);
	th_poll(&h);
	memset(out, 'y', sizeof(out));
	ck_assert_int_eq(tern_send(h.c, out, sizeof(out)), (int)sizeof(out));
	th_poll(&h);
	while (th_next(&h, &seg))
		;
	h.peer_tsval++;
	th_inject(&h, T_ACK, 1001 + (uint32_t)more, x + 1 + (uint32_t)more, TH_PWND, NULL, 0,
			NULL);
	th_poll(&h);
	ck_assert_uint_eq(tern_worker_conn_list(h.ns.w, &cursor, &row, 1), 1);
	ck_assert_uint_eq(row.bytes_received, before + more);
	ck_assert_uint_eq(row.bytes_acked, before + more);
}
END_TEST

/* Every connection once, whatever the page size; TIME_WAIT only counted. */
START_TEST(test_listing_pages)
{
	enum { N = 60, PAGE = 7 };
	static uint8_t seen[N];
	struct tern_conn_info rows[PAGE];
	uint32_t cursor = 0, total = 0, pages = 0;
	unsigned int n;

	th_up(&h);
	for (uint16_t i = 0; i < N; i++) {
		uint32_t x = open_from((uint16_t)(TH_PPORT + i), 1000u * i);

		th_inject(&h, T_ACK, 1000u * i + 1, x + 1, TH_PWND, NULL, 0, NULL);
		th_poll(&h);
	}
	memset(seen, 0, sizeof(seen));
	do {
		n = tern_worker_conn_list(h.ns.w, &cursor, rows, PAGE);
		ck_assert_uint_le(n, PAGE);
		for (unsigned int k = 0; k < n; k++) {
			uint16_t i = (uint16_t)(rows[k].rport - TH_PPORT);

			ck_assert_uint_lt(i, N);
			ck_assert_uint_eq(seen[i], 0);
			seen[i] = 1;
			ck_assert_uint_eq(rows[k].state, TERN_TCP_ESTABLISHED);
		}
		total += n;
		pages++;
		ck_assert_uint_lt(pages, 1000);
	} while (cursor != UINT32_MAX);
	ck_assert_uint_eq(total, N);
	ck_assert_uint_eq(th_count(&h, TERN_TCP_ESTABLISHED), N);
}
END_TEST

struct asker {
	struct tern_stack *s;
	uint32_t cursor, max;
	uint64_t timeout_us;
	int rc;
	volatile int done;
	struct core_snap q;
};

static void *
asker_main(void *arg)
{
	struct asker *a = arg;

	a->rc = core_snap_request(a->s, 0, CORE_SNAP_CONNS, a->cursor, a->max, a->timeout_us,
			&a->q);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Another thread asks; the worker answers in its poll, as in a running stack. */
START_TEST(test_mailbox)
{
	static struct asker a;
	struct tern_conn_info direct[2];
	uint32_t cursor = 0;
	pthread_t t;

	th_up(&h);
	(void)open_from(TH_PPORT, 777);
	th_inject(&h, T_ACK, 778, h.iss + 1, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(tern_worker_conn_list(h.ns.w, &cursor, direct, 2), 1);

	memset(&a, 0, sizeof(a));
	a.s = h.ns.stack;
	a.max = CORE_SNAP_ROWS;
	a.timeout_us = 10 * 1000 * 1000;
	ck_assert_int_eq(pthread_create(&t, NULL, asker_main, &a), 0);
	while (!__atomic_load_n(&a.done, __ATOMIC_ACQUIRE))
		th_poll(&h);       /* the same virtual instant: nothing else happens */
	pthread_join(t, NULL);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_uint_eq(a.q.n, 1);
	ck_assert_uint_eq(a.q.cursor, UINT32_MAX);
	ck_assert_uint_eq(a.q.counts[TERN_TCP_ESTABLISHED], 1);
	ck_assert_uint_eq(a.q.rows.conns[0].rport, direct[0].rport);
	ck_assert_uint_eq(a.q.rows.conns[0].snd_una, direct[0].snd_una);
	ck_assert_uint_eq(a.q.rows.conns[0].rcv_nxt, direct[0].rcv_nxt);

	/* a worker that does not poll: the asker gives up, and the next one is
	 * turned away until the worker has read the abandoned request */
	a.timeout_us = 20000;
	a.done = 0;
	asker_main(&a);
	ck_assert_int_eq(a.rc, -ETIMEDOUT);
	asker_main(&a);
	ck_assert_int_eq(a.rc, -EBUSY);
	th_poll(&h);
	a.done = 0;
	a.timeout_us = 10 * 1000 * 1000;
	ck_assert_int_eq(pthread_create(&t, NULL, asker_main, &a), 0);
	while (!__atomic_load_n(&a.done, __ATOMIC_ACQUIRE))
		th_poll(&h);
	pthread_join(t, NULL);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_uint_eq(a.q.n, 1);
}
END_TEST

static Suite *
observe_suite(void)
{
	Suite *s = suite_create("observe");
	TCase *tc = tcase_create("listing");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_listing_fields);
	tcase_add_test(tc, test_listing_bytes_past_4gib);
	tcase_add_test(tc, test_listing_pages);
	tcase_add_test(tc, test_mailbox);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(observe_suite());
}
