/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/arp.c: the ARP cache of one worker. Behaviour through a stack over
 * the sim netdev (pending queue bound, retries, expiry, refresh, table bound,
 * learning per RFC 826), and the table itself through net_arp_* on a net_if
 * set up with net_if_init (removal by backward shift keeps every other entry
 * findable).
 *
 * Time is virtual. The worker sweeps ARP timers at most every 100 ms, so the
 * timing tests poll every 100 ms exactly: a sweep then runs at every poll and
 * a deadline is seen at the first poll at or after it.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_frames.h"
#include "net_mbufq.h"
#include "net_priv.h"
#include "tern.h"
#include "tern_sim.h"
#include "unit_common.h"

#define TICK_US   100000ull   /* one poll step: the worker's ARP sweep period */
#define SEC_US    1000000ull

static const struct rte_ether_addr our_mac = NF_MAC_INIT(0x02);

/* neighbour i: 10.77.0.(10 + i), MAC 02:00:00:00:00:(10 + i) */
static rte_be32_t
nb_ip(unsigned int i)
{
	return NF_IP(10, 77, 0, 10 + i);
}

static struct rte_ether_addr
nb_mac(unsigned int i)
{
	return NF_MAC((uint8_t)(0x10 + i));
}

static struct nf_stack h;

static void
setup(void)
{
	unit_eal_init("tern_unit_arp");
	memset(&h, 0, sizeof(h));
	nf_stack_config(&h.cfg);
	h.cfg.arp_pending = 4;
	h.cfg.arp_retries = 3;
	h.cfg.arp_timeout_s = 8;
	h.unit_free = rte_mempool_avail_count(unit_pool());
}

static void
teardown(void)
{
	nf_stack_down(&h);
}

static const struct tern_stats *
stats(void)
{
	return tern_worker_stats(h.w);
}

/* An echo request from neighbour @nb (eth source @mac) to us. */
static struct nf_echo
echo_from(unsigned int nb, const struct rte_ether_addr *mac, uint16_t seq)
{
	struct nf_echo e = {
		.eth_dst = our_mac, .eth_src = *mac, .src = nb_ip(nb), .dst = NF_OUR_IP,
		.id = (uint16_t)(0x100 + nb), .seq = seq, .data_len = 16,
		.seed = (uint8_t)(seq * 3 + nb),
	};

	return e;
}

static void
send_echo(const struct nf_echo *e)
{
	uint8_t f[NF_FRAME_MAX];

	nf_send(&h, f, nf_echo_frame(f, e));
}

static void
send_arp(const struct rte_ether_addr *eth_dst, uint16_t op,
		const struct rte_ether_addr *sha, rte_be32_t spa,
		const struct rte_ether_addr *tha, rte_be32_t tpa)
{
	uint8_t f[NF_ARP_FRAME_LEN];

	nf_send(&h, f, nf_arp_frame(f, eth_dst, op, sha, spa, tha, tpa));
}

/* Neighbour @nb answers our request (unicast reply to us). */
static void
send_reply(unsigned int nb, const struct rte_ether_addr *mac)
{
	send_arp(&our_mac, RTE_ARP_OP_REPLY, mac, nb_ip(nb), &our_mac, NF_OUR_IP);
}

/* Check @p is our broadcast request for neighbour @nb. */
static void
check_bcast_request(const struct nf_pkt *p, unsigned int nb)
{
	nf_check_arp(p, &nf_mac_bcast, RTE_ARP_OP_REQUEST, &our_mac, NF_OUR_IP,
			&nf_mac_zero, nb_ip(nb));
}

/* ------------------------------------------------------- pending queue */

START_TEST(test_pending_bounded_released_in_order)
{
	struct rte_ether_addr mac = nb_mac(0);
	struct nf_echo e[7];
	struct nf_pkt p[8];
	const struct tern_stats *st;

	nf_stack_boot(&h);
	/* two pings, then five more in a later poll: one request only */
	for (uint16_t i = 0; i < 7; i++)
		e[i] = echo_from(0, &mac, (uint16_t)(i + 1));
	send_echo(&e[0]);
	send_echo(&e[1]);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 8), 1);
	check_bcast_request(&p[0], 0);
	for (int i = 2; i < 7; i++)
		send_echo(&e[i]);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	st = stats();
	ck_assert_uint_eq(st->icmp_echo_reply, 7);
	ck_assert_uint_eq(st->arp_tx_request, 2);             /* gratuitous + 1 */
	/* arp_pending = 4: four wait, the three newest are dropped and counted */
	ck_assert_uint_eq(st->arp_drop_pending, 3);
	/* the reply releases the four, oldest first, to the MAC it gave */
	send_reply(0, &mac);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 8), 4);
	for (int i = 0; i < 4; i++)
		nf_check_echo_reply(&p[i], &mac, &e[i]);
	st = stats();
	ck_assert_uint_eq(st->arp_learned, 1);
	ck_assert_uint_eq(st->arp_drop_pending, 3);
	/* resolved now: the next goes at once, no request */
	send_echo(&e[4]);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 8), 1);
	nf_check_echo_reply(&p[0], &mac, &e[4]);
	ck_assert_uint_eq(stats()->arp_tx_request, 2);
}
END_TEST

/* ------------------------------------------------------------- retries */

static const uint32_t retry_counts[] = { 1, 3, 5 };

START_TEST(test_retries_then_give_up)
{
	uint32_t retries = retry_counts[_i];
	struct rte_ether_addr mac = nb_mac(1);
	struct nf_echo e1 = echo_from(1, &mac, 1), e2 = echo_from(1, &mac, 2);
	uint64_t start, sent_at[8];
	unsigned int nsent = 0;
	uint64_t gave_up_at = 0;
	struct nf_pkt p[2];

	h.cfg.arp_retries = retries;
	nf_stack_boot(&h);
	send_echo(&e1);
	send_echo(&e2);
	nf_poll_after(&h, TICK_US);
	start = h.now;
	/* poll every 100 ms for retries + 3 seconds; note each request's time
	 * and when the waiting packets were let go */
	for (;;) {
		unsigned int n = nf_take(h.dev, p, 2);

		ck_assert_uint_le(n, 1);
		if (n == 1) {
			check_bcast_request(&p[0], 1);
			ck_assert_uint_lt(nsent, RTE_DIM(sent_at));
			sent_at[nsent++] = h.now - start;
		}
		if (gave_up_at == 0 && stats()->arp_drop_pending != 0)
			gave_up_at = h.now - start;
		if (h.now - start >= (retries + 3) * SEC_US)
			break;
		nf_poll_after(&h, TICK_US);
	}
	/* RFC 1122 §2.3.2.1: exactly `retries` requests, one second apart */
	ck_assert_uint_eq(nsent, retries);
	for (unsigned int i = 0; i < nsent; i++)
		ck_assert_uint_eq(sent_at[i], i * SEC_US);
	/* a second after the last, both waiting packets are freed and counted */
	ck_assert_uint_eq(gave_up_at, retries * SEC_US);
	ck_assert_uint_eq(stats()->arp_drop_pending, 2);
	/* the next hop was forgotten: a new packet starts a new resolution */
	send_echo(&e1);
	nf_poll_after(&h, TICK_US);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	check_bcast_request(&p[0], 1);
}
END_TEST

/* --------------------------------------------------- expiry and refresh */

START_TEST(test_expiry_by_timer)
{
	struct rte_ether_addr mac = nb_mac(2);
	struct nf_echo e = echo_from(2, &mac, 1);
	uint64_t learned, expired_at = 0;
	struct nf_pkt p[2];

	nf_stack_boot(&h);
	nf_poll_after(&h, TICK_US);
	nf_learn(&h, &mac, nb_ip(2));
	learned = h.now;
	/* arp_timeout_s = 8: gone at the first sweep 8 s after it was learned */
	while (h.now - learned < 10 * SEC_US) {
		nf_poll_after(&h, TICK_US);
		if (expired_at == 0 && stats()->arp_expired != 0)
			expired_at = h.now - learned;
	}
	ck_assert_uint_eq(expired_at, 8 * SEC_US);
	ck_assert_uint_eq(stats()->arp_expired, 1);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	/* a send re-resolves: broadcast request, the reply waits for the answer */
	send_echo(&e);
	nf_poll_after(&h, TICK_US);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	check_bcast_request(&p[0], 2);
	send_reply(2, &mac);
	nf_poll_after(&h, TICK_US);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &mac, &e);
}
END_TEST

START_TEST(test_expiry_on_use_between_sweeps)
{
	struct rte_ether_addr mac = nb_mac(3);
	struct nf_echo e = echo_from(3, &mac, 1);
	uint64_t learned;
	struct nf_pkt p[2];

	nf_stack_boot(&h);
	nf_poll_after(&h, TICK_US);
	nf_learn(&h, &mac, nb_ip(3));
	learned = h.now;
	/* the last sweep before the deadline runs 50 ms before it */
	h.now = learned + 8 * SEC_US - 50000;
	nf_poll(&h);
	ck_assert_uint_eq(stats()->arp_expired, 0);
	/* a send at the deadline, before the next sweep, must not use the entry */
	h.now = learned + 8 * SEC_US;
	send_echo(&e);
	nf_poll(&h);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	check_bcast_request(&p[0], 3);
	ck_assert_uint_eq(stats()->arp_expired, 1);
	send_reply(3, &mac);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &mac, &e);
	ck_assert_uint_eq(stats()->arp_expired, 1);
}
END_TEST

/* Ping from @nb at learned + @at_us; @return the frames sent in answer. */
static unsigned int
ping_at(uint64_t learned, uint64_t at_us, unsigned int nb,
		const struct rte_ether_addr *mac, uint16_t seq, struct nf_pkt *p,
		struct nf_echo *e)
{
	*e = echo_from(nb, mac, seq);
	h.now = learned + at_us;
	send_echo(e);
	nf_poll(&h);
	return nf_take(h.dev, p, 3);
}

START_TEST(test_refresh_in_last_quarter)
{
	struct rte_ether_addr mac = nb_mac(4);
	struct nf_echo e;
	struct nf_pkt p[3];
	uint64_t learned;

	nf_stack_boot(&h);
	nf_poll_after(&h, TICK_US);
	nf_learn(&h, &mac, nb_ip(4));
	learned = h.now;
	/* lifetime 8 s, last quarter from 6 s: a use before it sends no request */
	ck_assert_uint_eq(ping_at(learned, 5900000, 4, &mac, 1, p, &e), 1);
	nf_check_echo_reply(&p[0], &mac, &e);
	/* a use in it: the packet goes, and one unicast request to the known MAC */
	ck_assert_uint_eq(ping_at(learned, 6 * SEC_US, 4, &mac, 2, p, &e), 2);
	if (p[0].arp != NULL) {
		nf_check_arp(&p[0], &mac, RTE_ARP_OP_REQUEST, &our_mac, NF_OUR_IP,
				&nf_mac_zero, nb_ip(4));
		nf_check_echo_reply(&p[1], &mac, &e);
	} else {
		nf_check_echo_reply(&p[0], &mac, &e);
		nf_check_arp(&p[1], &mac, RTE_ARP_OP_REQUEST, &our_mac, NF_OUR_IP,
				&nf_mac_zero, nb_ip(4));
	}
	/* one only, however many uses follow */
	ck_assert_uint_eq(ping_at(learned, 6500000, 4, &mac, 3, p, &e), 1);
	nf_check_echo_reply(&p[0], &mac, &e);
	ck_assert_uint_eq(ping_at(learned, 7900000, 4, &mac, 4, p, &e), 1);
	ck_assert_uint_eq(stats()->arp_tx_request, 2);       /* gratuitous + refresh */
	/* the neighbour answers: the entry lives 8 s from now */
	h.now = learned + 7950000;
	send_reply(4, &mac);
	nf_poll(&h);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	/* past the first lifetime: still resolved, nothing expired */
	ck_assert_uint_eq(ping_at(learned, 9 * SEC_US, 4, &mac, 5, p, &e), 1);
	nf_check_echo_reply(&p[0], &mac, &e);
	ck_assert_uint_eq(stats()->arp_expired, 0);
	/* and the new last quarter refreshes again, once */
	ck_assert_uint_eq(ping_at(learned, 7950000 + 6 * SEC_US, 4, &mac, 6, p, &e), 2);
	ck_assert_uint_eq(ping_at(learned, 7950000 + 6 * SEC_US + 1000, 4, &mac, 7, p, &e), 1);
	ck_assert_uint_eq(stats()->arp_tx_request, 3);
}
END_TEST

START_TEST(test_refresh_unanswered_expires)
{
	struct rte_ether_addr mac = nb_mac(5);
	struct nf_echo e;
	struct nf_pkt p[3];
	uint64_t learned;

	nf_stack_boot(&h);
	nf_poll_after(&h, TICK_US);
	nf_learn(&h, &mac, nb_ip(5));
	learned = h.now;
	ck_assert_uint_eq(ping_at(learned, 7 * SEC_US, 5, &mac, 1, p, &e), 2);
	/* no answer: the entry still ends at its deadline */
	while (h.now < learned + 8 * SEC_US)
		nf_poll_after(&h, TICK_US);
	ck_assert_uint_eq(stats()->arp_expired, 1);
	ck_assert_uint_eq(ping_at(learned, 8500000, 5, &mac, 2, p, &e), 1);
	check_bcast_request(&p[0], 5);
}
END_TEST

/* ---------------------------------------------------------- table bound */

START_TEST(test_table_bound)
{
	struct nf_pkt p[2];
	struct nf_echo e;
	const struct tern_stats *st;

	h.cfg.arp_entries = 4;
	nf_stack_boot(&h);
	/* four unresolved next hops fill the table */
	for (unsigned int i = 0; i < 4; i++) {
		struct rte_ether_addr mac = nb_mac(i);

		e = echo_from(i, &mac, 1);
		send_echo(&e);
		nf_poll_after(&h, 1000);
		ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
		check_bcast_request(&p[0], i);
	}
	/* the fifth is not resolved: counted, its packet freed, nothing sent */
	{
		struct rte_ether_addr mac = nb_mac(4);

		e = echo_from(4, &mac, 1);
		send_echo(&e);
		nf_poll_after(&h, 1000);
		ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	}
	st = stats();
	ck_assert_uint_eq(st->arp_drop_table_full, 1);
	ck_assert_uint_eq(st->arp_drop_pending, 0);
	/* a sixth neighbour asking for us: answered, not learned */
	{
		struct rte_ether_addr mac = nb_mac(5);

		send_arp(&nf_mac_bcast, RTE_ARP_OP_REQUEST, &mac, nb_ip(5), &nf_mac_zero,
				NF_OUR_IP);
		nf_poll_after(&h, 1000);
		ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
		nf_check_arp(&p[0], &mac, RTE_ARP_OP_REPLY, &our_mac, NF_OUR_IP, &mac,
				nb_ip(5));
		ck_assert_uint_eq(stats()->arp_drop_table_full, 2);
		ck_assert_uint_eq(stats()->arp_learned, 0);
	}
	/* a reply for a next hop in the table still resolves it */
	{
		struct rte_ether_addr mac = nb_mac(2);

		e = echo_from(2, &mac, 1);
		send_reply(2, &mac);
		nf_poll_after(&h, 1000);
		ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
		nf_check_echo_reply(&p[0], &mac, &e);
	}
	/* once the unanswered three give up, there is room again */
	for (int i = 0; i < 40; i++)
		nf_poll_after(&h, TICK_US);
	nf_drain(h.dev);
	ck_assert_uint_eq(stats()->arp_drop_pending, 3);
	{
		struct rte_ether_addr mac = nb_mac(4);

		e = echo_from(4, &mac, 2);
		send_echo(&e);
		nf_poll_after(&h, 1000);
		ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
		check_bcast_request(&p[0], 4);
		ck_assert_uint_eq(stats()->arp_drop_table_full, 2);
	}
}
END_TEST

/* ------------------------------------------------------------ learning */

START_TEST(test_learn_from_request_for_us)
{
	struct rte_ether_addr mac = nb_mac(6);
	struct nf_echo e = echo_from(6, &mac, 1);
	struct nf_pkt p[2];

	nf_stack_boot(&h);
	/* RFC 826: we are the target, so the sender's binding is added */
	send_arp(&nf_mac_bcast, RTE_ARP_OP_REQUEST, &mac, nb_ip(6), &nf_mac_zero, NF_OUR_IP);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	ck_assert_uint_eq(stats()->arp_learned, 1);
	/* a packet to it goes at once, no request */
	send_echo(&e);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &mac, &e);
	ck_assert_uint_eq(stats()->arp_tx_request, 1);
}
END_TEST

START_TEST(test_probe_teaches_nothing)
{
	/* RFC 5227 §2.1.1 probe: sender address 0.0.0.0. We answer it (the
	 * address is ours) but learn no binding from it */
	struct rte_ether_addr mac = nb_mac(7);
	struct nf_pkt p[2];

	nf_stack_boot(&h);
	send_arp(&nf_mac_bcast, RTE_ARP_OP_REQUEST, &mac, 0, &nf_mac_zero, NF_OUR_IP);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_arp(&p[0], &mac, RTE_ARP_OP_REPLY, &our_mac, NF_OUR_IP, &mac, 0);
	ck_assert_uint_eq(stats()->arp_learned, 0);
}
END_TEST

START_TEST(test_request_not_for_us_creates_nothing)
{
	struct rte_ether_addr mac = nb_mac(7);
	struct nf_echo e = echo_from(7, &mac, 1);
	struct nf_pkt p[2];
	const struct tern_stats *st;

	nf_stack_boot(&h);
	send_arp(&nf_mac_bcast, RTE_ARP_OP_REQUEST, &mac, nb_ip(7), &nf_mac_zero,
			NF_IP(10, 77, 0, 99));
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	st = stats();
	ck_assert_uint_eq(st->arp_learned, 0);
	ck_assert_uint_eq(st->arp_drop_not_ours, 1);
	/* no entry: a packet to it has to resolve first */
	send_echo(&e);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	check_bcast_request(&p[0], 7);
}
END_TEST

START_TEST(test_request_not_for_us_updates_entry)
{
	struct rte_ether_addr mac = nb_mac(8), moved = NF_MAC(0x88), again = NF_MAC(0x89);
	struct nf_echo e = echo_from(8, &mac, 1);
	struct nf_pkt p[2];
	const struct tern_stats *st;

	nf_stack_boot(&h);
	nf_learn(&h, &mac, nb_ip(8));
	/* RFC 826: the sender is in the table, so its entry is updated even
	 * though the request is for someone else (the neighbour moved NICs) */
	send_arp(&nf_mac_bcast, RTE_ARP_OP_REQUEST, &moved, nb_ip(8), &nf_mac_zero,
			NF_IP(10, 77, 0, 99));
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	st = stats();
	ck_assert_uint_eq(st->arp_learned, 2);
	ck_assert_uint_eq(st->arp_drop_not_ours, 0);
	send_echo(&e);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &moved, &e);
	/* a gratuitous ARP (sender = target = its address) updates it too */
	send_arp(&nf_mac_bcast, RTE_ARP_OP_REQUEST, &again, nb_ip(8), &nf_mac_zero,
			nb_ip(8));
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	e = echo_from(8, &mac, 2);
	send_echo(&e);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &again, &e);
	ck_assert_uint_eq(stats()->arp_learned, 3);
}
END_TEST

START_TEST(test_claim_of_our_address_not_learned)
{
	/* someone else announcing our address must not become a binding for it */
	struct rte_ether_addr mac = nb_mac(9);
	struct nf_pkt p[2];

	nf_stack_boot(&h);
	send_arp(&nf_mac_bcast, RTE_ARP_OP_REPLY, &mac, NF_OUR_IP, &nf_mac_zero, NF_OUR_IP);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 0);
	ck_assert_uint_eq(stats()->arp_learned, 0);
}
END_TEST

START_TEST(test_binding_shared_with_other_workers)
{
	/* replies arrive on one queue only: a binding learned by worker 0 is
	 * passed to worker 1, whose packet waiting on it then leaves */
	struct rte_ether_addr mac = nb_mac(10), ours = NF_OUR_MAC;
	struct nf_echo e = echo_from(10, &mac, 1);
	struct tern_worker *w1;
	struct rte_mbuf *m;
	struct nf_pkt p;
	uint8_t f[NF_FRAME_MAX];

	h.dev = tern_sim_create("sim0", &ours, 1500, 2);
	ck_assert_ptr_nonnull(h.dev);
	h.stack = tern_stack_create(&h.cfg, h.dev, 2);
	ck_assert_ptr_nonnull(h.stack);
	h.w = tern_stack_worker(h.stack, 0);
	w1 = tern_stack_worker(h.stack, 1);
	h.now = NF_T0;
	tern_worker_poll(h.w, h.now);
	tern_worker_poll(w1, h.now);
	/* only worker 0 announces the address */
	ck_assert_uint_eq(nf_drain(h.dev), 1);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 1), 0);
	/* a ping on worker 1's queue: its own resolution starts there */
	ck_assert_int_eq(tern_sim_inject(h.dev, 1, nf_mbuf(unit_pool(), f,
			nf_echo_frame(f, &e))), 0);
	tern_worker_poll(w1, h.now);
	ck_assert_uint_eq(tern_sim_take_tx(h.dev, 1, &m, 1), 1);
	nf_parse(m, &p);
	rte_pktmbuf_free(m);
	check_bcast_request(&p, 10);
	/* the answer arrives on worker 0's queue */
	send_reply(10, &mac);
	h.now += 1000;
	tern_worker_poll(h.w, h.now);
	ck_assert_uint_eq(tern_worker_stats(h.w)->arp_learned, 1);
	ck_assert_uint_eq(tern_worker_stats(h.w)->inbox_drop, 0);
	/* worker 1 takes the binding from its inbox and sends what waited */
	tern_worker_poll(w1, h.now);
	ck_assert_uint_eq(tern_sim_take_tx(h.dev, 1, &m, 1), 1);
	nf_parse(m, &p);
	rte_pktmbuf_free(m);
	nf_check_echo_reply(&p, &mac, &e);
	ck_assert_uint_eq(tern_worker_stats(w1)->arp_learned, 1);
	ck_assert_uint_eq(tern_worker_stats(w1)->arp_tx_request, 1);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 1), 0);
	/* the share does not come back to worker 0 */
	tern_worker_poll(h.w, h.now);
	ck_assert_uint_eq(tern_worker_stats(h.w)->arp_learned, 1);
	nf_check_accounting(tern_worker_stats(w1));
	/* worker 1's pool is checked here; teardown checks worker 0's */
	ck_assert_pool_count(tern_worker_pool(w1), h.cfg.mbufs);
}
END_TEST

/* --------------------------------------- the table, through net_arp_* */

static struct net_if nif;
static struct tern_stats nif_stats;
static struct tern_netdev *nif_dev;
static unsigned int nif_unit_free;

static void
nif_setup(void)
{
	unit_eal_init("tern_unit_arp");
	ck_assert_int_eq(tern_mbufq_register(), 0);
	nif_unit_free = rte_mempool_avail_count(unit_pool());
	nif_dev = NULL;
	memset(&nif, 0, sizeof(nif));
	memset(&nif_stats, 0, sizeof(nif_stats));
}

static void
nif_up(uint32_t entries, uint32_t timeout_s)
{
	struct rte_ether_addr mac = NF_OUR_MAC;
	struct net_if_params p = {
		.addr = NF_OUR_IP, .netmask = NF_NETMASK, .gateway = NF_GATEWAY, .ttl = 64,
		.arp_entries = entries, .arp_timeout_s = timeout_s, .arp_pending = 4,
		.arp_retries = 3,
	};

	nif_dev = tern_sim_create("arp_nif", &mac, 1500, 1);
	ck_assert_ptr_nonnull(nif_dev);
	ck_assert_int_eq(net_if_init(&nif, &p, nif_dev, 0, unit_pool(), &nif_stats,
			SOCKET_ID_ANY), 0);
}

static void
nif_teardown(void)
{
	if (nif_dev != NULL) {
		net_if_fini(&nif);
		nif_dev->ops->close(nif_dev);
		nif_dev = NULL;
	}
	ck_assert_pool_count(unit_pool(), nif_unit_free);
}

/* Bind 10.77.x.y (from @key) to a MAC derived from it, at the current time. */
static rte_be32_t
key_ip(uint32_t key)
{
	return NF_IP(10, 77, (key >> 8) & 0xff, key & 0xff);
}

static struct rte_ether_addr
key_mac(uint32_t key)
{
	struct rte_ether_addr m = {
		.addr_bytes = { 0x02, 0xaa, 0, 0, (uint8_t)(key >> 8), (uint8_t)key } };

	return m;
}

static void
arp_bind(uint32_t key)
{
	struct net_nbr_msg msg = { .ip = key_ip(key), .mac = key_mac(key), .type = NET_MSG_ARP };

	net_arp_learn(&nif, &msg);
}

static void
expect_bound(uint32_t key, bool bound, const char *when)
{
	struct rte_ether_addr got;
	bool found = net_arp_lookup(&nif, key_ip(key), &got);

	ck_assert_msg(found == bound, "%s: 10.77.%u.%u %s", when, (key >> 8) & 0xff,
			key & 0xff, bound ? "not found" : "still found");
	if (found) {
		struct rte_ether_addr want = key_mac(key);

		ck_assert_msg(rte_is_same_ether_addr(&got, &want), "%s: 10.77.%u.%u wrong MAC",
				when, (key >> 8) & 0xff, key & 0xff);
	}
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

START_TEST(test_table_learn_lookup_count)
{
	struct rte_ether_addr got;

	nif_up(4, 8);
	nif.now_us = NF_T0;
	ck_assert_uint_eq(net_arp_count(&nif), 0);
	ck_assert(!net_arp_lookup(&nif, key_ip(1), &got));
	for (uint32_t k = 1; k <= 4; k++) {
		arp_bind(k);
		ck_assert_uint_eq(net_arp_count(&nif), k);
	}
	for (uint32_t k = 1; k <= 4; k++)
		expect_bound(k, true, "full table");
	/* at the bound: a fifth is refused */
	arp_bind(5);
	ck_assert_uint_eq(net_arp_count(&nif), 4);
	ck_assert_uint_eq(nif_stats.arp_drop_table_full, 1);
	expect_bound(5, false, "past the bound");
	/* relearning an existing one, later, is an update, not a new entry */
	nif.now_us = NF_T0 + SEC_US;
	arp_bind(3);
	ck_assert_uint_eq(net_arp_count(&nif), 4);
	ck_assert_uint_eq(nif_stats.arp_learned, 5);
	/* a resolved entry is not usable at or past its deadline, even before a sweep */
	nif.now_us = NF_T0 + 8 * SEC_US - 1;
	expect_bound(1, true, "just before the deadline");
	nif.now_us = NF_T0 + 8 * SEC_US;
	expect_bound(1, false, "at the deadline");
	ck_assert_uint_eq(net_arp_count(&nif), 4);
	net_arp_timer(&nif);
	ck_assert_uint_eq(net_arp_count(&nif), 1);           /* 3 was relearned later */
	ck_assert_uint_eq(nif_stats.arp_expired, 3);
}
END_TEST

START_TEST(test_table_incomplete_not_found)
{
	uint8_t f[NF_FRAME_MAX];
	struct nf_echo e = { .src = NF_OUR_IP, .dst = key_ip(7), .data_len = 4 };
	struct rte_ether_addr got;
	struct rte_mbuf *m;
	size_t n;

	nif_up(4, 8);
	nif.now_us = NF_T0;
	/* an IPv4 packet to an unknown next hop: entry INCOMPLETE, counted, not found */
	n = nf_echo_frame(f, &e);
	m = nf_mbuf(unit_pool(), f + NF_ETH_LEN, n - NF_ETH_LEN);
	ck_assert_ptr_nonnull(m);
	net_arp_output(&nif, m, key_ip(7));
	ck_assert_uint_eq(net_arp_count(&nif), 1);
	ck_assert(!net_arp_lookup(&nif, key_ip(7), &got));
	ck_assert_uint_eq(nif_stats.arp_tx_request, 1);
	/* resolved by a binding: found, and the packet went out */
	arp_bind(7);
	expect_bound(7, true, "after the binding");
	net_tx_flush(&nif);
	ck_assert_uint_eq(nf_drain(nif_dev), 2);
}
END_TEST

START_TEST(test_table_removal_keeps_others)
{
	/* fill the table, expire some, look the rest up; many layouts, so that
	 * removals inside probe runs (and runs that wrap the end of the slot
	 * array) are among them. Random keys are learned 1/8 s apart and expire
	 * one per sweep, oldest first; after each sweep every survivor must
	 * still be found */
	for (unsigned int round = 0; round < 400; round++) {
		uint32_t entries = round % 2 == 0 ? 4 : 13;
		uint32_t keys[16];
		unsigned int n = 0;

		memset(&nif, 0, sizeof(nif));
		nif_up(entries, 8);
		nif.now_us = NF_T0;
		while (n < entries) {
			/* 10.77.0.1 .. 10.77.3.254: many collide in 8 or 32 slots */
			uint32_t k = 1 + rnd() % 1022;
			bool dup = false;

			for (unsigned int i = 0; i < n; i++)
				dup |= keys[i] == k;
			if (dup)
				continue;
			keys[n++] = k;
			arp_bind(k);
			nif.now_us += SEC_US / 8;    /* 8 learned per second */
		}
		ck_assert_uint_eq(net_arp_count(&nif), entries);
		for (unsigned int i = 0; i < n; i++)
			expect_bound(keys[i], true, "full");
		/* expire them one by one, oldest first */
		for (unsigned int gone = 1; gone <= n; gone++) {
			nif.now_us = NF_T0 + (uint64_t)(gone - 1) * (SEC_US / 8) + 8 * SEC_US;
			net_arp_timer(&nif);
			ck_assert_uint_eq(net_arp_count(&nif), n - gone);
			for (unsigned int i = 0; i < n; i++)
				expect_bound(keys[i], i >= gone, "after expiries");
		}
		/* every slot is free again: the bound is reached again exactly */
		for (unsigned int i = 0; i < n; i++)
			arp_bind(keys[i]);
		ck_assert_uint_eq(net_arp_count(&nif), n);
		for (unsigned int i = 0; i < n; i++)
			expect_bound(keys[i], true, "refilled");
		ck_assert_uint_eq(nif_stats.arp_drop_table_full, 0);
		net_if_fini(&nif);
		nif_dev->ops->close(nif_dev);
		nif_dev = NULL;
	}
}
END_TEST

START_TEST(test_table_removal_arbitrary_subsets)
{
	/* the same, expiring any subset at once: two learning times, the
	 * subset learned first */
	for (unsigned int round = 0; round < 600; round++) {
		uint32_t entries = 4 + round % 5;    /* 8 or 16 slots */
		uint32_t keys[8], subset = rnd() % (1u << entries);
		unsigned int n = 0, left = 0;

		memset(&nif, 0, sizeof(nif));
		nif_up(entries, 8);
		while (n < entries) {
			uint32_t k = 1 + rnd() % 254;
			bool dup = false;

			for (unsigned int i = 0; i < n; i++)
				dup |= keys[i] == k;
			if (!dup)
				keys[n++] = k;
		}
		/* insertion order is random; membership in the subset decides the time */
		for (unsigned int i = 0; i < n; i++) {
			nif.now_us = (subset >> i & 1) ? NF_T0 : NF_T0 + 4 * SEC_US;
			arp_bind(keys[i]);
			left += !(subset >> i & 1);
		}
		nif.now_us = NF_T0 + 8 * SEC_US;
		net_arp_timer(&nif);
		ck_assert_uint_eq(net_arp_count(&nif), left);
		ck_assert_uint_eq(nif_stats.arp_expired, n - left);
		for (unsigned int i = 0; i < n; i++)
			expect_bound(keys[i], !(subset >> i & 1), "subset expired");
		/* the freed room takes new entries, all findable */
		for (unsigned int i = 0; i < n; i++) {
			if (subset >> i & 1) {
				arp_bind(keys[i] + 256);
				expect_bound(keys[i] + 256, true, "refilled");
			}
		}
		ck_assert_uint_eq(net_arp_count(&nif), n);
		for (unsigned int i = 0; i < n; i++)
			expect_bound(keys[i], !(subset >> i & 1), "after refill");
		net_if_fini(&nif);
		nif_dev->ops->close(nif_dev);
		nif_dev = NULL;
		memset(&nif_stats, 0, sizeof(nif_stats));
	}
}
END_TEST

static Suite *
arp_suite(void)
{
	Suite *s = suite_create("net_arp");
	TCase *pend = tcase_create("pending");
	TCase *timing = tcase_create("timing");
	TCase *learn = tcase_create("learning");
	TCase *table = tcase_create("table");

	tcase_add_checked_fixture(pend, setup, teardown);
	tcase_add_test(pend, test_pending_bounded_released_in_order);
	tcase_add_loop_test(pend, test_retries_then_give_up, 0, RTE_DIM(retry_counts));
	tcase_add_test(pend, test_table_bound);
	suite_add_tcase(s, pend);

	tcase_add_checked_fixture(timing, setup, teardown);
	tcase_add_test(timing, test_expiry_by_timer);
	tcase_add_test(timing, test_expiry_on_use_between_sweeps);
	tcase_add_test(timing, test_refresh_in_last_quarter);
	tcase_add_test(timing, test_refresh_unanswered_expires);
	suite_add_tcase(s, timing);

	tcase_add_checked_fixture(learn, setup, teardown);
	tcase_add_test(learn, test_learn_from_request_for_us);
	tcase_add_test(learn, test_probe_teaches_nothing);
	tcase_add_test(learn, test_request_not_for_us_creates_nothing);
	tcase_add_test(learn, test_request_not_for_us_updates_entry);
	tcase_add_test(learn, test_claim_of_our_address_not_learned);
	tcase_add_test(learn, test_binding_shared_with_other_workers);
	suite_add_tcase(s, learn);

	tcase_add_checked_fixture(table, nif_setup, nif_teardown);
	tcase_add_test(table, test_table_learn_lookup_count);
	tcase_add_test(table, test_table_incomplete_not_found);
	tcase_add_test(table, test_table_removal_keeps_others);
	tcase_add_test(table, test_table_removal_arbitrary_subsets);
	suite_add_tcase(s, table);
	return s;
}

int
main(void)
{
	return unit_run(arp_suite());
}
