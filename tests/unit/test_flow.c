/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow ownership (lib/net/net_flow.h) and what the stack does with it:
 *  - the owner function's hash against Microsoft's published RSS verification
 *    vectors (key 6d5a56da..., TCP/IPv4: source, destination address and
 *    port), and against DPDK's own rte_softrss() over Tern's key for random
 *    tuples, both directions of a flow alike;
 *  - tern_connect() picks local ports whose replies hash to the calling
 *    worker, for 1, 2, 3, 4, 8 and 16 workers, and refuses with
 *    EADDRNOTAVAIL once the worker's share of the port range is used up;
 *  - a frame that arrives on another worker's queue reaches its owner through
 *    the steering ring (a SYN to a listener is answered by the owner, on the
 *    owner's queue), and a full ring frees and counts what does not fit;
 *    every mempool is back to its size at the end.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_thash.h>

#include "net_flow.h"
#include "net_frames.h"
#include "tern.h"
#include "tern_sim.h"
#include "unit_common.h"

/* The key of Microsoft's "Verifying the RSS Hash Calculation" page. */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Its IPv4 table: source, destination (address:port) and the TCP hash. */
static const struct {
	uint8_t src[4], dst[4];
	uint16_t sport, dport;
	uint32_t hash;
} ms_vectors[] = {
	{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766, 0x51ccc178 },
	{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739, 0xc626b0ea },
	{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024, 0x5c2b394a },
	{ { 38, 27, 205, 30 }, { 209, 142, 163, 6 }, 48228, 2217, 0xafc7327f },
	{ { 153, 39, 163, 191 }, { 202, 188, 127, 2 }, 44251, 1303, 0x10e828a2 },
};

static rte_be32_t
be_addr(const uint8_t a[4])
{
	rte_be32_t v;

	memcpy(&v, a, 4);
	return v;
}

/* DPDK's own Toeplitz over the tuple, as its documentation builds it. */
static uint32_t
dpdk_hash(const uint8_t *key, rte_be32_t saddr, rte_be32_t daddr, rte_be16_t sport,
		rte_be16_t dport)
{
	struct rte_ipv4_tuple t = {
		.src_addr = rte_be_to_cpu_32(saddr), .dst_addr = rte_be_to_cpu_32(daddr),
		.sport = rte_be_to_cpu_16(sport), .dport = rte_be_to_cpu_16(dport),
	};

	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
}

START_TEST(test_flow_published_vectors)
{
	static struct net_flow_map fm;

	ck_assert_int_eq(net_flow_map_init(&fm, ms_key, 1, 0), 0);
	for (size_t i = 0; i < RTE_DIM(ms_vectors); i++) {
		rte_be32_t s = be_addr(ms_vectors[i].src), d = be_addr(ms_vectors[i].dst);
		rte_be16_t sp = rte_cpu_to_be_16(ms_vectors[i].sport);
		rte_be16_t dp = rte_cpu_to_be_16(ms_vectors[i].dport);

		ck_assert_msg(dpdk_hash(ms_key, s, d, sp, dp) == ms_vectors[i].hash,
				"vector %zu: rte_softrss disagrees with the table", i);
		ck_assert_msg(net_flow_hash(&fm, s, d, sp, dp) == ms_vectors[i].hash,
				"vector %zu: %08x, want %08x", i, net_flow_hash(&fm, s, d, sp, dp),
				ms_vectors[i].hash);
	}
}
END_TEST

START_TEST(test_flow_matches_softrss)
{
	static struct net_flow_map fm;
	uint64_t x = 0x1234567887654321ull;

	ck_assert_int_eq(net_flow_map_init(&fm, tern_rss_key, 3, 0), 0);
	for (unsigned int i = 0; i < 100000; i++) {
		rte_be32_t s, d;
		rte_be16_t sp, dp;
		uint32_t h;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		s = (rte_be32_t)(x >> 32);
		d = (rte_be32_t)x;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		sp = (rte_be16_t)(x >> 48);
		dp = (rte_be16_t)(x >> 16);
		h = dpdk_hash(tern_rss_key, s, d, sp, dp);
		ck_assert_uint_eq(net_flow_hash(&fm, s, d, sp, dp), h);
		/* the key is symmetric: the reverse direction hashes alike */
		ck_assert_uint_eq(net_flow_hash(&fm, d, s, dp, sp), h);
		ck_assert_uint_eq(net_flow_owner(&fm, s, d, sp, dp), (h & 127) % 3);
	}
}
END_TEST

START_TEST(test_flow_map_rejects)
{
	static struct net_flow_map fm;

	ck_assert_int_eq(net_flow_map_init(&fm, tern_rss_key, 0, 0), -EINVAL);
	ck_assert_int_eq(net_flow_map_init(&fm, tern_rss_key, 2, 100), -EINVAL);
	ck_assert_int_eq(net_flow_map_init(&fm, tern_rss_key, 2, 512), 0);
	ck_assert_uint_eq(net_flow_owner_of_hash(&fm, 0x3ff), 511 % 2);
}
END_TEST

/* --- a stack of several workers over one sim device --------------------- */

#define PEER_IP  NF_IP(10, 77, 0, 1)
#define PEER_MAC NF_MAC(0x01)

struct multi {
	struct tern_config cfg;
	struct tern_netdev *dev;
	struct tern_stack *stack;
	unsigned int n;
	struct net_flow_map fm;        /* the function the stack must follow */
};

static void multi_drain(struct multi *m);

static void
multi_up(struct multi *m, unsigned int n, uint32_t port_min, uint32_t port_max)
{
	struct rte_ether_addr mac = NF_OUR_MAC;

	nf_stack_config(&m->cfg);
	m->cfg.mbufs = 511;
	m->cfg.mbuf_cache = 16;
	m->cfg.tcp_max_conns = 1024;
	m->cfg.tcp_max_time_wait = 64;
	m->cfg.tcp_port_min = port_min;
	m->cfg.tcp_port_max = port_max;
	m->n = n;
	m->dev = tern_sim_create("simflow", &mac, 1500, (uint16_t)n);
	ck_assert_ptr_nonnull(m->dev);
	m->stack = tern_stack_create(&m->cfg, m->dev, n);
	ck_assert_msg(m->stack != NULL, "tern_stack_create(%u): %s", n, rte_strerror(rte_errno));
	ck_assert_int_eq(net_flow_map_init(&m->fm, tern_rss_key, (uint16_t)n, 0), 0);
	/* the peer is known on every worker, so SYNs go out at once */
	for (unsigned int i = 0; i < n; i++) {
		struct rte_ether_addr pm = PEER_MAC;
		uint8_t f[64];
		size_t len = nf_arp_frame(f, &mac, RTE_ARP_OP_REQUEST, &pm, PEER_IP,
				&(struct rte_ether_addr){ { 0 } }, NF_OUR_IP);

		ck_assert_int_eq(tern_sim_inject(m->dev, (uint16_t)i,
				nf_mbuf(unit_pool(), f, len)), 0);
		tern_worker_poll(tern_stack_worker(m->stack, i), NF_T0);
	}
	multi_drain(m);
}

/* Free every frame the stack sent, on every queue. */
static void
multi_drain(struct multi *m)
{
	struct rte_mbuf *pkts[64];
	uint16_t k;

	for (unsigned int q = 0; q < m->n; q++)
		while ((k = tern_sim_take_tx(m->dev, (uint16_t)q, pkts, RTE_DIM(pkts))) != 0)
			rte_pktmbuf_free_bulk(pkts, k);
}

static void
multi_down(struct multi *m)
{
	unsigned int avail[16];

	tern_stack_abort_conns(m->stack);
	multi_drain(m);
	for (unsigned int i = 0; i < m->n; i++)
		avail[i] = rte_mempool_avail_count(tern_worker_pool(tern_stack_worker(m->stack, i)));
	tern_stack_free(m->stack);
	m->stack = NULL;
	for (unsigned int i = 0; i < m->n; i++)
		ck_assert_msg(avail[i] == m->cfg.mbufs, "worker %u pool: %u of %u free", i,
				avail[i], m->cfg.mbufs);
}

static const struct tern_conn_ops no_ops;

START_TEST(test_flow_connect_lands_home)
{
	static const unsigned int counts[] = { 1, 2, 3, 4, 8, 16 };
	static struct multi m;
	unsigned int n = counts[_i];

	multi_up(&m, n, 20000, 20999);
	for (unsigned int i = 0; i < n; i++) {
		struct tern_worker *w = tern_stack_worker(m.stack, i);

		for (unsigned int k = 0; k < 20; k++) {
			struct tern_conn *c = tern_connect(w, PEER_IP, 80, &no_ops, NULL);
			struct tern_conn_info info;

			ck_assert_msg(c != NULL, "worker %u of %u: %s", i, n,
					rte_strerror(rte_errno));
			tern_conn_get_info(c, &info);
			ck_assert_uint_ge(info.lport, 20000);
			ck_assert_uint_le(info.lport, 20999);
			ck_assert_uint_eq(net_flow_owner(&m.fm, info.raddr, info.laddr,
					rte_cpu_to_be_16(info.rport),
					rte_cpu_to_be_16(info.lport)), i);
		}
		/* the SYNs leave on the opener's own queue */
		tern_worker_poll(w, NF_T0 + 1);
		ck_assert_uint_eq(tern_sim_tx_count(m.dev, (uint16_t)i), 20);
	}
	multi_down(&m);
}
END_TEST

START_TEST(test_flow_connect_range_exhausted)
{
	static struct multi m;
	unsigned int owned[4] = { 0 };

	/* 64 ports, 4 workers: each gets the ports the owner function gives it */
	multi_up(&m, 4, 30000, 30063);
	for (uint32_t p = 30000; p <= 30063; p++)
		owned[net_flow_owner(&m.fm, PEER_IP, NF_OUR_IP, rte_cpu_to_be_16(80),
				rte_cpu_to_be_16((uint16_t)p))]++;
	for (unsigned int i = 0; i < 4; i++) {
		struct tern_worker *w = tern_stack_worker(m.stack, i);

		for (unsigned int k = 0; k < owned[i]; k++)
			ck_assert_ptr_nonnull(tern_connect(w, PEER_IP, 80, &no_ops, NULL));
		ck_assert_ptr_null(tern_connect(w, PEER_IP, 80, &no_ops, NULL));
		ck_assert_int_eq(rte_errno, EADDRNOTAVAIL);
	}
	/* another destination port is another set of 4-tuples */
	ck_assert_ptr_nonnull(tern_connect(tern_stack_worker(m.stack, 0), PEER_IP, 81,
			&no_ops, NULL));
	multi_down(&m);
}
END_TEST

/* A segment from the peer to @lport from @pport with @flags, as a frame. */
static size_t
tcp_frame(uint8_t *f, uint16_t pport, uint16_t lport, uint8_t flags)
{
	struct rte_ether_addr us = NF_OUR_MAC, peer = PEER_MAC;
	size_t off = nf_put_eth(f, &us, &peer, RTE_ETHER_TYPE_IPV4);
	struct rte_tcp_hdr *th;

	off += nf_put_ipv4(f + off, PEER_IP, NF_OUR_IP, IPPROTO_TCP, 1, NULL, 0, sizeof(*th));
	th = (struct rte_tcp_hdr *)(f + off);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(pport);
	th->dst_port = rte_cpu_to_be_16(lport);
	th->sent_seq = rte_cpu_to_be_32(1000);
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->recv_ack = rte_cpu_to_be_32((flags & RTE_TCP_ACK_FLAG) ? 5000 : 0);
	th->rx_win = rte_cpu_to_be_16(65535);
	th->cksum = rte_cpu_to_be_16(nf_cksum(th, sizeof(*th),
			nf_pseudo_sum(PEER_IP, NF_OUR_IP, IPPROTO_TCP, sizeof(*th))));
	return off + sizeof(*th);
}

static size_t
syn_frame(uint8_t *f, uint16_t pport, uint16_t lport)
{
	return tcp_frame(f, pport, lport, RTE_TCP_SYN_FLAG);
}

static int
accept_all(struct tern_conn *c __rte_unused, void *arg __rte_unused)
{
	return 0;
}

/* A peer port whose SYN to @lport worker @want owns. */
static uint16_t
pport_owned_by(const struct multi *m, uint16_t lport, unsigned int want, uint16_t from)
{
	for (uint16_t p = from;; p++)
		if (net_flow_owner(&m->fm, PEER_IP, NF_OUR_IP, rte_cpu_to_be_16(p),
				rte_cpu_to_be_16(lport)) == want)
			return p;
}

START_TEST(test_flow_steered_to_owner)
{
	static struct multi m;
	unsigned int unit_free = rte_mempool_avail_count(unit_pool());
	struct tern_worker *w0, *w1;
	uint8_t f[128];
	uint16_t pport;

	multi_up(&m, 2, 40000, 40999);
	w0 = tern_stack_worker(m.stack, 0);
	w1 = tern_stack_worker(m.stack, 1);
	ck_assert_int_eq(tern_listen(w0, 80, accept_all, NULL), 0);
	ck_assert_int_eq(tern_listen(w1, 80, accept_all, NULL), 0);
	multi_drain(&m);
	/* a SYN worker 1 owns arrives on queue 0 */
	pport = pport_owned_by(&m, 80, 1, 5000);
	ck_assert_int_eq(tern_sim_inject(m.dev, 0,
			nf_mbuf(unit_pool(), f, syn_frame(f, pport, 80))), 0);
	tern_worker_poll(w0, NF_T0 + 10);
	ck_assert_uint_eq(tern_worker_stats(w0)->steer_tx, 1);
	ck_assert_uint_eq(tern_sim_tx_count(m.dev, 0), 0);
	tern_worker_poll(w1, NF_T0 + 10);
	ck_assert_uint_eq(tern_worker_stats(w1)->steer_rx, 1);
	ck_assert_uint_eq(tern_sim_tx_count(m.dev, 1), 1);   /* the SYN-ACK, on queue 1 */
	ck_assert_uint_eq(tern_worker_stats(w0)->tcp_rst_sent, 0);
	/* one worker 0 owns stays there */
	pport = pport_owned_by(&m, 80, 0, 5000);
	ck_assert_int_eq(tern_sim_inject(m.dev, 0,
			nf_mbuf(unit_pool(), f, syn_frame(f, pport, 80))), 0);
	tern_worker_poll(w0, NF_T0 + 20);
	ck_assert_uint_eq(tern_worker_stats(w0)->steer_tx, 1);
	ck_assert_uint_eq(tern_sim_tx_count(m.dev, 0), 1);
	multi_down(&m);
	ck_assert_pool_count(unit_pool(), unit_free);
}
END_TEST

START_TEST(test_flow_steer_ring_full)
{
	static struct multi m;
	struct rte_mempool *mp = rte_pktmbuf_pool_create("flowfull", 8191, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct tern_worker *w0;
	uint64_t sent = 0, st;
	uint8_t f[128];
	size_t len;

	ck_assert_ptr_nonnull(mp);
	multi_up(&m, 2, 40000, 40999);
	w0 = tern_stack_worker(m.stack, 0);
	len = syn_frame(f, pport_owned_by(&m, 9, 1, 7000), 9);   /* closed port */
	/* worker 1 does not poll: its ring fills, the rest is freed and counted */
	while (sent < 4096 + 100) {
		for (unsigned int k = 0; k < 32; k++, sent++) {
			ck_assert_int_eq(tern_sim_inject(m.dev, 0, nf_mbuf(mp, f, len)), 0);
		}
		tern_worker_poll(w0, NF_T0 + 10);
	}
	st = tern_worker_stats(w0)->steer_tx;
	ck_assert_uint_eq(st + tern_worker_stats(w0)->steer_drop_full, sent);
	ck_assert_uint_gt(tern_worker_stats(w0)->steer_drop_full, 0);
	ck_assert_uint_lt(st, 4096);
	ck_assert_uint_eq(tern_worker_stats(w0)->icmp_drop_steer, 0);
	/* an ICMP error for worker 1's flow meets the full ring: counted as an
	 * error's end too, so icmp_rx_error still adds up */
	{
		struct nf_icmp_error e = { .eth_dst = NF_OUR_MAC, .eth_src = PEER_MAC,
			.src = PEER_IP, .dst = NF_OUR_IP, .type = 3, .code = 3,
			.q_src = NF_OUR_IP, .q_dst = PEER_IP, .q_proto = IPPROTO_TCP,
			.q_total_len = 40, .q_sport = 80, .q_seq = 1, .q_tcp_bytes = 8,
			.q_dport = pport_owned_by(&m, 80, 1, 7000) };
		uint8_t fe[256];

		ck_assert_int_eq(tern_sim_inject(m.dev, 0,
				nf_mbuf(mp, fe, nf_icmp_error_frame(fe, &e))), 0);
		tern_worker_poll(w0, NF_T0 + 20);
		ck_assert_uint_eq(tern_worker_stats(w0)->icmp_rx_error, 1);
		ck_assert_uint_eq(tern_worker_stats(w0)->icmp_drop_steer, 1);
		nf_check_accounting(tern_worker_stats(w0));
	}
	multi_down(&m);   /* the ring's frames are freed with the stack */
	ck_assert_pool_count(mp, 8191);
	rte_mempool_free(mp);
}
END_TEST

/*
 * An ICMP error about a TCP segment goes to the worker that owns the
 * connection its quote names, whatever queue it came in on (the device's
 * RSS hashes ICMP by addresses only).
 */
START_TEST(test_flow_icmp_error_steered)
{
	static struct multi m;
	struct tern_worker *w0, *w1;
	struct nf_icmp_error e = { .eth_dst = NF_OUR_MAC, .eth_src = PEER_MAC, .src = PEER_IP,
		.dst = NF_OUR_IP, .type = 3, .code = 3, .q_src = NF_OUR_IP, .q_dst = PEER_IP,
		.q_proto = IPPROTO_TCP, .q_total_len = 40, .q_sport = 80, .q_seq = 1,
		.q_tcp_bytes = 8 };
	uint8_t f[256];

	multi_up(&m, 2, 40000, 40999);
	w0 = tern_stack_worker(m.stack, 0);
	w1 = tern_stack_worker(m.stack, 1);
	/* about worker 1's flow (our port 80 to the peer's), on queue 0 */
	e.q_dport = pport_owned_by(&m, 80, 1, 7000);
	ck_assert_int_eq(tern_sim_inject(m.dev, 0,
			nf_mbuf(unit_pool(), f, nf_icmp_error_frame(f, &e))), 0);
	tern_worker_poll(w0, NF_T0 + 10);
	tern_worker_poll(w1, NF_T0 + 10);
	ck_assert_uint_eq(tern_worker_stats(w0)->icmp_rx_error, 1);
	ck_assert_uint_eq(tern_worker_stats(w0)->steer_tx, 1);
	ck_assert_uint_eq(tern_worker_stats(w1)->steer_rx, 1);
	ck_assert_uint_eq(tern_worker_stats(w1)->tcp_icmp_no_conn, 1);
	ck_assert_uint_eq(tern_worker_stats(w0)->tcp_icmp_no_conn, 0);
	/* about worker 0's flow: stays */
	e.q_dport = pport_owned_by(&m, 80, 0, 7000);
	ck_assert_int_eq(tern_sim_inject(m.dev, 0,
			nf_mbuf(unit_pool(), f, nf_icmp_error_frame(f, &e))), 0);
	tern_worker_poll(w0, NF_T0 + 20);
	ck_assert_uint_eq(tern_worker_stats(w0)->steer_tx, 1);
	ck_assert_uint_eq(tern_worker_stats(w0)->tcp_icmp_no_conn, 1);
	multi_down(&m);
}
END_TEST

/*
 * An ACK alone for no connection that came through another worker's queue is
 * an old duplicate (a device moved the flow): dropped and counted, no RST.
 * The same ACK on the owner's own queue, or a steered segment with data or
 * FIN, is answered with RST (RFC 9293 §3.10.7.1).
 */
START_TEST(test_flow_stale_steered_ack)
{
	static struct multi m;
	struct tern_worker *w0, *w1;
	uint8_t f[128];
	uint16_t p1, p0;

	multi_up(&m, 2, 40000, 40999);
	w0 = tern_stack_worker(m.stack, 0);
	w1 = tern_stack_worker(m.stack, 1);
	p1 = pport_owned_by(&m, 80, 1, 6000);
	p0 = pport_owned_by(&m, 80, 0, 6000);
	/* worker 1's flow, its ACK on queue 0: steered, dropped quietly */
	ck_assert_int_eq(tern_sim_inject(m.dev, 0, nf_mbuf(unit_pool(), f,
			tcp_frame(f, p1, 80, RTE_TCP_ACK_FLAG))), 0);
	tern_worker_poll(w0, NF_T0 + 10);
	tern_worker_poll(w1, NF_T0 + 10);
	ck_assert_uint_eq(tern_worker_stats(w1)->tcp_drop_stale_steered, 1);
	ck_assert_uint_eq(tern_worker_stats(w1)->tcp_rst_sent, 0);
	ck_assert_uint_eq(tern_sim_tx_count(m.dev, 1), 0);
	/* worker 1's flow, FIN+ACK on queue 0: steered, answered */
	ck_assert_int_eq(tern_sim_inject(m.dev, 0, nf_mbuf(unit_pool(), f,
			tcp_frame(f, p1, 80, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG))), 0);
	tern_worker_poll(w0, NF_T0 + 20);
	tern_worker_poll(w1, NF_T0 + 20);
	ck_assert_uint_eq(tern_worker_stats(w1)->tcp_rst_sent, 1);
	/* worker 0's flow, its ACK on its own queue: answered */
	ck_assert_int_eq(tern_sim_inject(m.dev, 0, nf_mbuf(unit_pool(), f,
			tcp_frame(f, p0, 80, RTE_TCP_ACK_FLAG))), 0);
	tern_worker_poll(w0, NF_T0 + 30);
	ck_assert_uint_eq(tern_worker_stats(w0)->tcp_rst_sent, 1);
	ck_assert_uint_eq(tern_worker_stats(w0)->tcp_drop_stale_steered, 0);
	multi_down(&m);
}
END_TEST

static Suite *
flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("owner");

	tcase_add_test(tc, test_flow_published_vectors);
	tcase_add_test(tc, test_flow_matches_softrss);
	tcase_add_test(tc, test_flow_map_rejects);
	tcase_add_loop_test(tc, test_flow_connect_lands_home, 0, 6);
	tcase_add_test(tc, test_flow_connect_range_exhausted);
	tcase_add_test(tc, test_flow_steered_to_owner);
	tcase_add_test(tc, test_flow_steer_ring_full);
	tcase_add_test(tc, test_flow_stale_steered_ack);
	tcase_add_test(tc, test_flow_icmp_error_steered);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	unit_eal_init("tern-unit-flow");
	return unit_run(flow_suite());
}
