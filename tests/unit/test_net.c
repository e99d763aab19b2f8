/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net through a real stack: Ethernet, ARP, IPv4 and ICMP as seen on the
 * wire. Each test builds a one-worker stack (10.77.0.2/24, gateway 10.77.0.1)
 * over the recording sim netdev, injects frames, polls with a virtual clock
 * and asserts on the exact frames sent and on the counters. Teardown checks
 * that every frame received ended in exactly one counter and that every
 * mempool is back to its starting count.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_frames.h"
#include "tern.h"
#include "tern_sim.h"
#include "unit_common.h"

#define PEER_IP  NF_IP(10, 77, 0, 5)
#define ECHO_ID  0x4d2

static const struct rte_ether_addr our_mac = NF_MAC_INIT(0x02);
static const struct rte_ether_addr peer_mac = NF_MAC_INIT(0x05);
static const struct rte_ether_addr gw_mac = NF_MAC_INIT(0x01);

static struct nf_stack h;

static void
setup(void)
{
	unit_eal_init("tern_unit_net");
	memset(&h, 0, sizeof(h));
	nf_stack_config(&h.cfg);
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

/* An echo request from the peer to us, @len data bytes. */
static struct nf_echo
echo_req(uint16_t seq, uint16_t len)
{
	struct nf_echo e = {
		.eth_dst = our_mac, .eth_src = peer_mac,
		.src = PEER_IP, .dst = NF_OUR_IP,
		.id = ECHO_ID, .seq = seq, .data_len = len, .seed = (uint8_t)(seq + 1),
	};

	return e;
}

static size_t
send_echo(const struct nf_echo *e)
{
	uint8_t f[NF_FRAME_MAX];
	size_t n = nf_echo_frame(f, e);

	nf_send(&h, f, n);
	return n;
}

/* Expected counters after one frame of @len bytes was received. */
static void
add_rx(struct tern_stats *st, size_t len)
{
	st->rx_frames++;
	st->rx_bytes += len;
}

static void
add_tx(struct tern_stats *st, size_t len)
{
	st->tx_frames++;
	st->tx_bytes += len;
}

/* ---------------------------------------------------------------- ARP */

START_TEST(test_gratuitous_arp_on_first_poll)
{
	struct tern_stats want = { 0 };
	struct nf_pkt p[2];

	nf_stack_up(&h);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	ck_assert_uint_eq(nf_poll(&h), 0);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	/* RFC 5227 §3: request, sender and target address ours, target MAC zero */
	nf_check_arp(&p[0], &nf_mac_bcast, RTE_ARP_OP_REQUEST, &our_mac, NF_OUR_IP,
			&nf_mac_zero, NF_OUR_IP);
	want.arp_tx_request = 1;
	add_tx(&want, NF_ARP_FRAME_LEN);
	nf_check_stats(&want, stats(), NULL);
	/* once only */
	nf_poll_after(&h, 1000);
	nf_poll_after(&h, 5000000);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	nf_check_stats(&want, stats(), NULL);
}
END_TEST

/*
 * polls_busy_us: the time from the start of an iteration that received
 * frames to the start of the next one, on the clock the polls bring; idle
 * iterations add nothing, however long they last.
 */
START_TEST(test_load_accounting)
{
	uint8_t f[64] = { 0 };
	size_t n;

	nf_stack_boot(&h);
	nf_poll_after(&h, 100);
	nf_poll_after(&h, 3000);
	ck_assert_uint_eq(stats()->polls_busy_us, 0);
	n = nf_arp_frame(f, &our_mac, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP, &nf_mac_zero,
			NF_OUR_IP);
	nf_send(&h, f, n);
	ck_assert_uint_eq(nf_poll_after(&h, 10), 1);
	ck_assert_uint_eq(stats()->polls_busy_us, 0);     /* counted when the next begins */
	ck_assert_uint_eq(nf_poll_after(&h, 250), 0);
	ck_assert_uint_eq(stats()->polls_busy_us, 250);
	ck_assert_uint_eq(nf_poll_after(&h, 1000), 0);
	ck_assert_uint_eq(stats()->polls_busy_us, 250);
	nf_send(&h, f, n);
	nf_send(&h, f, n);
	ck_assert_uint_eq(nf_poll_after(&h, 5), 2);
	ck_assert_uint_eq(nf_poll_after(&h, 7), 0);
	ck_assert_uint_eq(stats()->polls_busy_us, 257);
	ck_assert_uint_eq(stats()->polls_busy, 2);
	nf_drain(h.dev);
}
END_TEST

static void
arp_request_for_us(const struct rte_ether_addr *eth_dst, size_t pad_to)
{
	uint8_t f[64] = { 0 };
	struct tern_stats want;
	struct nf_pkt p[2];
	size_t n;

	nf_stack_boot(&h);
	want = *stats();
	n = nf_arp_frame(f, eth_dst, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP,
			&nf_mac_zero, NF_OUR_IP);
	if (pad_to > n)
		n = pad_to;     /* Ethernet minimum frame: zero padding after the body */
	nf_send(&h, f, n);
	ck_assert_uint_eq(nf_poll(&h), 1);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	/* RFC 826: reply, our addresses as sender, the requester as target,
	 * sent to the requester only */
	nf_check_arp(&p[0], &peer_mac, RTE_ARP_OP_REPLY, &our_mac, NF_OUR_IP,
			&peer_mac, PEER_IP);
	add_rx(&want, n);
	want.arp_rx++;
	want.arp_learned++;     /* RFC 826: we are the target, so the sender is added */
	want.arp_tx_reply++;
	add_tx(&want, NF_ARP_FRAME_LEN);
	nf_check_stats(&want, stats(), NULL);
}

START_TEST(test_arp_request_for_us_broadcast)
{
	arp_request_for_us(&nf_mac_bcast, 0);
}
END_TEST

START_TEST(test_arp_request_for_us_padded)
{
	/* 60-byte frame as it comes off a real wire: the reply is 42 bytes */
	arp_request_for_us(&nf_mac_bcast, 60);
}
END_TEST

START_TEST(test_arp_request_for_us_unicast)
{
	/* a refresh from a neighbour comes unicast (RFC 1122 §2.3.2.1) */
	arp_request_for_us(&our_mac, 0);
}
END_TEST

START_TEST(test_arp_request_not_for_us)
{
	uint8_t f[NF_ARP_FRAME_LEN];
	struct tern_stats want;
	size_t n;

	nf_stack_boot(&h);
	want = *stats();
	n = nf_arp_frame(f, &nf_mac_bcast, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP,
			&nf_mac_zero, NF_IP(10, 77, 0, 99));
	nf_send(&h, f, n);
	nf_poll(&h);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	add_rx(&want, n);
	want.arp_rx++;
	want.arp_drop_not_ours++;
	nf_check_stats(&want, stats(), NULL);
}
END_TEST

/* Malformed ARP: each breaks one rule of arp_validate(). */
struct arp_bad {
	const char *name;
	size_t off;        /* byte of the ARP body to set, or SIZE_MAX */
	uint8_t val[2];
	size_t nval;
	size_t len;        /* frame length to send; 0 = the whole frame */
};

static const struct arp_bad arp_bad_cases[] = {
	{ "hlen 5", 4, { 5 }, 1, 0 },
	{ "plen 6", 5, { 6 }, 1, 0 },
	{ "opcode 3", 6, { 0, 3 }, 2, 0 },
	{ "opcode 0", 6, { 0, 0 }, 2, 0 },
	{ "htype 6", 0, { 0, 6 }, 2, 0 },
	{ "ptype 86dd", 2, { 0x86, 0xdd }, 2, 0 },
	{ "truncated body (20 of 28 bytes)", SIZE_MAX, { 0 }, 0, NF_ETH_LEN + 20 },
	{ "no body", SIZE_MAX, { 0 }, 0, NF_ETH_LEN },
	{ "multicast sender MAC", 8, { 0x01, 0x00 }, 2, 0 },
};

START_TEST(test_arp_malformed)
{
	const struct arp_bad *c = &arp_bad_cases[_i];
	uint8_t f[NF_ARP_FRAME_LEN];
	struct tern_stats want;
	size_t n;

	nf_stack_boot(&h);
	want = *stats();
	n = nf_arp_frame(f, &nf_mac_bcast, RTE_ARP_OP_REQUEST, &peer_mac, PEER_IP,
			&nf_mac_zero, NF_OUR_IP);
	if (c->off != SIZE_MAX)
		memcpy(f + NF_ETH_LEN + c->off, c->val, c->nval);
	if (c->len != 0)
		n = c->len;
	nf_send(&h, f, n);
	nf_poll(&h);
	ck_assert_msg(tern_sim_tx_count(h.dev, 0) == 0, "%s: answered", c->name);
	add_rx(&want, n);
	want.arp_drop_malformed++;
	nf_check_stats(&want, stats(), NULL);
	/* nothing was learned from it: a ping from that address waits on ARP */
	{
		struct nf_echo e = echo_req(1, 0);
		struct nf_pkt p[2];

		send_echo(&e);
		nf_poll(&h);
		ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
		ck_assert_msg(p[0].arp != NULL, "%s: a binding was learned", c->name);
	}
}
END_TEST

/* --------------------------------------------------------------- ICMP */

static void
echo_roundtrip(const struct nf_echo *e, size_t frame_len)
{
	struct tern_stats want;
	struct nf_pkt p[2];

	want = *stats();
	ck_assert_uint_eq(send_echo(e), frame_len);
	ck_assert_uint_eq(nf_poll(&h), 1);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &peer_mac, e);
	add_rx(&want, frame_len);
	want.ip_rx++;
	want.icmp_rx++;
	want.icmp_echo_reply++;
	want.ip_tx++;
	add_tx(&want, p[0].len);
	nf_check_stats(&want, stats(), NULL);
}

START_TEST(test_icmp_echo_reply)
{
	struct nf_echo e = echo_req(1, 56);   /* ping's default: 84-byte packet */

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	echo_roundtrip(&e, NF_ETH_LEN + 84);
	/* and again with other id/seq/data, odd length, and none */
	e = echo_req(0xfffe, 1);
	e.id = 0xffff;
	echo_roundtrip(&e, NF_ETH_LEN + 29);
	e = echo_req(7, 0);
	echo_roundtrip(&e, NF_ETH_LEN + 28);
	e = echo_req(8, 1472);               /* a full 1500-byte packet */
	echo_roundtrip(&e, NF_ETH_LEN + 1500);
}
END_TEST

START_TEST(test_icmp_echo_with_ip_options)
{
	static const uint8_t router_alert[] = { 0x94, 0x04, 0x00, 0x00 };
	uint8_t max_opts[40];
	struct nf_echo e = echo_req(2, 56);

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	/* IHL 6: the reply carries a plain 20-byte header and the same data */
	e.opts = router_alert;
	e.optlen = sizeof(router_alert);
	echo_roundtrip(&e, NF_ETH_LEN + 24 + 64);
	/* IHL 15: 40 bytes of options (NOPs, then end of list) */
	memset(max_opts, 0x01, sizeof(max_opts));
	max_opts[39] = 0;
	e = echo_req(3, 56);
	e.opts = max_opts;
	e.optlen = sizeof(max_opts);
	echo_roundtrip(&e, NF_ETH_LEN + 60 + 64);
}
END_TEST

START_TEST(test_icmp_echo_waits_on_arp)
{
	struct nf_echo e = echo_req(5, 56);
	uint8_t f[NF_ARP_FRAME_LEN];
	struct tern_stats want;
	struct nf_pkt p[2];
	size_t n;

	nf_stack_boot(&h);
	want = *stats();
	n = send_echo(&e);
	nf_poll(&h);
	/* the requester's MAC is unknown: an ARP request goes out, the reply waits */
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_arp(&p[0], &nf_mac_bcast, RTE_ARP_OP_REQUEST, &our_mac, NF_OUR_IP,
			&nf_mac_zero, PEER_IP);
	add_rx(&want, n);
	want.ip_rx++;
	want.icmp_rx++;
	want.icmp_echo_reply++;
	want.ip_tx++;
	want.arp_tx_request++;
	add_tx(&want, NF_ARP_FRAME_LEN);
	nf_check_stats(&want, stats(), NULL);
	/* nothing more while unresolved */
	nf_poll_after(&h, 100000);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	/* the neighbour answers: the echo reply follows, to its MAC */
	n = nf_arp_frame(f, &our_mac, RTE_ARP_OP_REPLY, &peer_mac, PEER_IP, &our_mac,
			NF_OUR_IP);
	nf_send(&h, f, n);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &peer_mac, &e);
	add_rx(&want, n);
	want.arp_rx++;
	want.arp_learned++;
	add_tx(&want, p[0].len);
	nf_check_stats(&want, stats(), NULL);
}
END_TEST

START_TEST(test_icmp_reply_off_subnet_via_gateway)
{
	struct nf_echo e = echo_req(9, 32);
	uint8_t f[NF_ARP_FRAME_LEN];
	struct nf_pkt p[2];
	size_t n;

	nf_stack_boot(&h);
	/* from beyond the router: the frame comes from the gateway's MAC */
	e.src = NF_IP(192, 0, 2, 33);
	e.eth_src = gw_mac;
	send_echo(&e);
	nf_poll(&h);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_arp(&p[0], &nf_mac_bcast, RTE_ARP_OP_REQUEST, &our_mac, NF_OUR_IP,
			&nf_mac_zero, NF_GATEWAY);
	n = nf_arp_frame(f, &our_mac, RTE_ARP_OP_REPLY, &gw_mac, NF_GATEWAY, &our_mac,
			NF_OUR_IP);
	nf_send(&h, f, n);
	nf_poll(&h);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &gw_mac, &e);
	ck_assert_uint_eq(stats()->ip_drop_no_route, 0);
}
END_TEST

START_TEST(test_icmp_reply_no_route)
{
	struct nf_echo e = echo_req(9, 32);
	struct tern_stats want;
	size_t n;

	h.cfg.ip_gateway = 0;
	nf_stack_boot(&h);
	want = *stats();
	e.src = NF_IP(192, 0, 2, 33);
	e.eth_src = gw_mac;
	n = send_echo(&e);
	nf_poll(&h);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	add_rx(&want, n);
	want.ip_rx++;
	want.icmp_rx++;
	want.icmp_echo_reply++;
	want.ip_drop_no_route++;
	nf_check_stats(&want, stats(), NULL);
}
END_TEST

/* ------------------------------------------- drops, one counter each */

/* the frame: a 98-byte echo request from the (known) peer, to be broken */
#define F_IP   NF_ETH_LEN
#define F_ICMP (NF_ETH_LEN + 20)

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
icmp_recksum(uint8_t *f, size_t icmp_len)
{
	set16(f + F_ICMP + 2, 0);
	set16(f + F_ICMP + 2, nf_cksum(f + F_ICMP, icmp_len, 0));
}

static void m_eth_short(uint8_t *f, size_t *n) { (void)f; *n = 13; }
static void m_eth_empty(uint8_t *f, size_t *n) { (void)f; *n = 0; }
static void m_eth_other_mac(uint8_t *f, size_t *n) { (void)n; f[5] = 0x99; }
static void m_eth_multicast(uint8_t *f, size_t *n)
{
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	(void)n;
	memcpy(f, mc, 6);
}
static void m_eth_ipv6(uint8_t *f, size_t *n) { (void)n; set16(f + 12, 0x86dd); }
static void m_ip_short(uint8_t *f, size_t *n) { (void)f; *n = F_IP + 19; }
static void m_ip_version6(uint8_t *f, size_t *n)
{
	(void)n;
	f[F_IP] = 0x65;
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_ihl4(uint8_t *f, size_t *n) { (void)n; f[F_IP] = 0x44; }
static void m_ip_ihl_past_frame(uint8_t *f, size_t *n)
{
	/* a 28-byte packet (no echo data) claiming a 60-byte header */
	set16(f + F_IP + 2, 28);
	f[F_IP] = 0x4f;
	*n = F_IP + 28;
}
static void m_ip_totlen_past_frame(uint8_t *f, size_t *n)
{
	(void)n;
	set16(f + F_IP + 2, 85);
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_totlen_below_ihl(uint8_t *f, size_t *n)
{
	(void)n;
	set16(f + F_IP + 2, 19);
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_bad_cksum(uint8_t *f, size_t *n) { (void)n; f[F_IP + 11] ^= 0x01; }
static void m_ip_frag_mf(uint8_t *f, size_t *n)
{
	(void)n;
	set16(f + F_IP + 6, RTE_IPV4_HDR_MF_FLAG);
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_frag_offset(uint8_t *f, size_t *n)
{
	(void)n;
	set16(f + F_IP + 6, 185);     /* last fragment, offset 1480 */
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_frag_offset_df(uint8_t *f, size_t *n)
{
	(void)n;
	set16(f + F_IP + 6, RTE_IPV4_HDR_DF_FLAG | 1);
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_not_ours(uint8_t *f, size_t *n)
{
	rte_be32_t a = NF_IP(10, 77, 0, 77);

	(void)n;
	memcpy(f + F_IP + 16, &a, 4);
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_other_subnet_bcast(uint8_t *f, size_t *n)
{
	rte_be32_t a = NF_IP(10, 78, 0, 255);

	(void)n;
	memcpy(f + F_IP + 16, &a, 4);
	nf_ipv4_recksum(f + F_IP);
}
static void m_ip_udp(uint8_t *f, size_t *n)
{
	(void)n;
	f[F_IP + 9] = IPPROTO_UDP;
	nf_ipv4_recksum(f + F_IP);
}
static void m_icmp_bad_cksum(uint8_t *f, size_t *n) { (void)n; f[F_ICMP + 2] ^= 0xff; }
static void m_icmp_data_flip(uint8_t *f, size_t *n) { (void)n; f[F_ICMP + 8 + 55] ^= 0x10; }
static void m_icmp_timestamp(uint8_t *f, size_t *n)
{
	(void)n;
	f[F_ICMP] = 13;
	icmp_recksum(f, 64);
}
static void m_icmp_echo_reply(uint8_t *f, size_t *n)
{
	(void)n;
	f[F_ICMP] = RTE_IP_ICMP_ECHO_REPLY;
	icmp_recksum(f, 64);
}
static void m_icmp_echo_code1(uint8_t *f, size_t *n)
{
	(void)n;
	f[F_ICMP + 1] = 1;
	icmp_recksum(f, 64);
}
static void m_icmp_short(uint8_t *f, size_t *n)
{
	set16(f + F_IP + 2, 24);
	nf_ipv4_recksum(f + F_IP);
	*n = F_ICMP + 4;
}

struct drop_case {
	const char *name;
	void (*mutate)(uint8_t *f, size_t *len);
	const char *counters[4];   /* the counters one frame adds past rx_frames/bytes */
};

static const struct drop_case drop_cases[] = {
	{ "eth: 13 bytes", m_eth_short, { "eth_drop_short" } },
	{ "eth: 0 bytes", m_eth_empty, { "eth_drop_short" } },
	{ "eth: unicast to another MAC", m_eth_other_mac, { "eth_drop_not_ours" } },
	{ "eth: multicast", m_eth_multicast, { "eth_drop_not_ours" } },
	{ "eth: ethertype 86dd", m_eth_ipv6, { "eth_drop_ethertype" } },
	{ "ip: 19 bytes", m_ip_short, { "ip_rx", "ip_drop_short" } },
	{ "ip: version 6 in an 0800 frame", m_ip_version6, { "ip_rx", "ip_drop_version" } },
	{ "ip: IHL 4", m_ip_ihl4, { "ip_rx", "ip_drop_hdrlen" } },
	{ "ip: IHL past the frame", m_ip_ihl_past_frame, { "ip_rx", "ip_drop_hdrlen" } },
	{ "ip: total length past the frame", m_ip_totlen_past_frame,
		{ "ip_rx", "ip_drop_totlen" } },
	{ "ip: total length below IHL", m_ip_totlen_below_ihl, { "ip_rx", "ip_drop_totlen" } },
	{ "ip: bad header checksum", m_ip_bad_cksum, { "ip_rx", "ip_drop_cksum" } },
	{ "ip: fragment, MF", m_ip_frag_mf, { "ip_rx", "ip_drop_fragment" } },
	{ "ip: fragment, offset 1480", m_ip_frag_offset, { "ip_rx", "ip_drop_fragment" } },
	{ "ip: fragment, DF and offset 8", m_ip_frag_offset_df,
		{ "ip_rx", "ip_drop_fragment" } },
	{ "ip: to another host", m_ip_not_ours, { "ip_rx", "ip_drop_not_ours" } },
	{ "ip: another subnet's broadcast", m_ip_other_subnet_bcast,
		{ "ip_rx", "ip_drop_not_ours" } },
	{ "ip: UDP", m_ip_udp, { "ip_rx", "ip_drop_proto" } },
	{ "icmp: bad checksum", m_icmp_bad_cksum, { "ip_rx", "icmp_rx", "icmp_drop_cksum" } },
	{ "icmp: data bit flipped", m_icmp_data_flip, { "ip_rx", "icmp_rx", "icmp_drop_cksum" } },
	{ "icmp: timestamp request", m_icmp_timestamp, { "ip_rx", "icmp_rx", "icmp_drop_type" } },
	{ "icmp: echo reply", m_icmp_echo_reply, { "ip_rx", "icmp_rx", "icmp_drop_type" } },
	{ "icmp: echo request code 1", m_icmp_echo_code1,
		{ "ip_rx", "icmp_rx", "icmp_drop_type" } },
	{ "icmp: 4 bytes", m_icmp_short, { "ip_rx", "icmp_rx", "icmp_drop_short" } },
};

static void
bump(struct tern_stats *st, const char *name)
{
	for (size_t i = 0; i < TERN_STATS_COUNT; i++) {
		if (strcmp(tern_stats_name(i), name) == 0) {
			((uint64_t *)st)[i]++;
			return;
		}
	}
	ck_abort_msg("no counter %s", name);
}

START_TEST(test_drop)
{
	const struct drop_case *c = &drop_cases[_i];
	struct nf_echo e = echo_req(1, 56);
	uint8_t f[NF_FRAME_MAX];
	struct tern_stats want;
	size_t n;

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	want = *stats();
	n = nf_echo_frame(f, &e);
	ck_assert_uint_eq(n, 98);
	c->mutate(f, &n);
	if (n == 0) {
		/* an empty mbuf: nf_send copies nothing */
		struct rte_mbuf *m = rte_pktmbuf_alloc(unit_pool());

		ck_assert_ptr_nonnull(m);
		ck_assert_int_eq(tern_sim_inject(h.dev, 0, m), 0);
	} else {
		nf_send(&h, f, n);
	}
	ck_assert_uint_eq(nf_poll(&h), 1);
	ck_assert_msg(tern_sim_tx_count(h.dev, 0) == 0, "%s: something was sent", c->name);
	add_rx(&want, n);
	for (size_t i = 0; i < RTE_DIM(c->counters) && c->counters[i] != NULL; i++)
		bump(&want, c->counters[i]);
	nf_check_stats(&want, stats(), NULL);
}
END_TEST

/* ---------------------------------------------------- accepted frames */

START_TEST(test_ip_broadcast_accepted)
{
	static const rte_be32_t dsts[] = { NF_BCAST_IP, RTE_BE32(0xffffffff) };

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	for (size_t i = 0; i < RTE_DIM(dsts); i++) {
		struct nf_echo e = echo_req((uint16_t)(20 + i), 56);
		struct tern_stats want = *stats();
		struct nf_pkt p[2];
		size_t n;

		/* RFC 1122 §3.2.1.3: both broadcast forms are ours to receive */
		e.dst = dsts[i];
		e.eth_dst = nf_mac_bcast;
		n = send_echo(&e);
		nf_poll(&h);
		ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
		/* the reply comes from our own address, never a broadcast one */
		nf_check_echo_reply(&p[0], &peer_mac, &e);
		add_rx(&want, n);
		want.ip_rx++;
		want.icmp_rx++;
		want.icmp_echo_reply++;
		want.ip_tx++;
		add_tx(&want, p[0].len);
		nf_check_stats(&want, stats(), NULL);
	}
}
END_TEST

/* _i 0: the frame in one mbuf; 1: in two, the second holding only 8 of the
 * 18 padding bytes (as a PMD that chains buffers may hand it over), so the
 * cut reaches into the first */
START_TEST(test_eth_padding_trimmed)
{
	struct nf_echo e = echo_req(11, 0);
	uint8_t f[60];
	struct tern_stats want;
	struct rte_mbuf *m, *tail;
	struct nf_pkt p[2];
	size_t n;

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	want = *stats();
	/* a 28-byte ping in a minimum 60-byte frame; padding that is not zero
	 * would break the ICMP checksum if it were not trimmed */
	n = nf_echo_frame(f, &e);
	ck_assert_uint_eq(n, 42);
	memset(f + n, 0xa5, sizeof(f) - n);
	if (_i == 0) {
		nf_send(&h, f, sizeof(f));
	} else {
		m = nf_mbuf(unit_pool(), f, sizeof(f) - 8);
		tail = nf_mbuf(unit_pool(), f + sizeof(f) - 8, 8);
		ck_assert_ptr_nonnull(m);
		ck_assert_ptr_nonnull(tail);
		ck_assert_int_eq(rte_pktmbuf_chain(m, tail), 0);
		ck_assert_int_eq(tern_sim_inject(h.dev, 0, m), 0);
	}
	nf_poll(&h);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &peer_mac, &e);
	ck_assert_uint_eq(p[0].len, 42);
	add_rx(&want, 60);
	want.ip_rx++;
	want.icmp_rx++;
	want.icmp_echo_reply++;
	want.ip_tx++;
	add_tx(&want, 42);
	nf_check_stats(&want, stats(), NULL);
}
END_TEST

/* A 54-byte frame: a SYN from @src:40000 to our port 80, checksums right. */
static size_t
tcp_syn_frame(uint8_t *f, rte_be32_t src)
{
	uint8_t *tcp = f + NF_ETH_LEN + 20;

	nf_put_eth(f, &our_mac, &peer_mac, RTE_ETHER_TYPE_IPV4);
	nf_put_ipv4(f + NF_ETH_LEN, src, NF_OUR_IP, IPPROTO_TCP, 1, NULL, 0, 20);
	memset(tcp, 0, 20);
	set16(tcp, 40000);
	set16(tcp + 2, 80);
	set16(tcp + 4, 0x1234);
	tcp[12] = 5 << 4;
	tcp[13] = 0x02;          /* SYN */
	set16(tcp + 14, 65535);
	set16(tcp + 16, nf_cksum(tcp, 20, nf_pseudo_sum(src, NF_OUR_IP, IPPROTO_TCP, 20)));
	return NF_ETH_LEN + 40;
}

START_TEST(test_tcp_segment_counted)
{
	/* a SYN to port 80: what the TCP layer does with it is not this suite's
	 * business; it must be counted as TCP, and nothing may leak */
	uint8_t f[NF_ETH_LEN + 20 + 20];
	struct tern_stats before;
	const struct tern_stats *st;

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	before = *stats();
	nf_send(&h, f, tcp_syn_frame(f, PEER_IP));
	nf_poll(&h);
	nf_poll_after(&h, 1000);
	nf_drain(h.dev);
	st = stats();
	ck_assert_uint_eq(st->rx_frames, before.rx_frames + 1);
	ck_assert_uint_eq(st->ip_rx, before.ip_rx + 1);
	ck_assert_uint_eq(st->tcp_rx, before.tcp_rx + 1);
	ck_assert_uint_eq(st->icmp_rx, before.icmp_rx);
	ck_assert_uint_eq(st->ip_drop_proto, before.ip_drop_proto);
}
END_TEST

START_TEST(test_rx_cksum_flags_trusted)
{
	/* a NIC that checks IPv4 header checksums flags them; the flag wins */
	struct nf_echo e = echo_req(12, 8);
	uint8_t f[NF_FRAME_MAX];
	struct tern_stats want;
	struct rte_mbuf *m;
	struct nf_pkt p[2];
	size_t n;

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	want = *stats();
	/* good checksum flagged bad: dropped */
	n = nf_echo_frame(f, &e);
	m = nf_mbuf(unit_pool(), f, n);
	ck_assert_ptr_nonnull(m);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	ck_assert_int_eq(tern_sim_inject(h.dev, 0, m), 0);
	nf_poll(&h);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	add_rx(&want, n);
	want.ip_rx++;
	want.ip_drop_cksum++;
	nf_check_stats(&want, stats(), NULL);
	/* bad checksum flagged good: answered (and the reply's checksum right) */
	f[F_IP + 10] ^= 0x55;
	m = nf_mbuf(unit_pool(), f, n);
	ck_assert_ptr_nonnull(m);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	ck_assert_int_eq(tern_sim_inject(h.dev, 0, m), 0);
	nf_poll(&h);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	nf_check_echo_reply(&p[0], &peer_mac, &e);
	/* the received flags do not leak into the transmitted frame */
	ck_assert_uint_eq(p[0].ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, 0);
}
END_TEST

START_TEST(test_tx_ip_cksum_offload)
{
	struct rte_ether_addr mac = NF_OUR_MAC;
	struct nf_echo e = echo_req(13, 16);
	struct nf_pkt p[2];

	/* the offloads are read when the stack is created: the device claims
	 * IPv4 header checksums first, then the stack asks instead of summing */
	h.dev = tern_sim_create("sim0", &mac, 1500, 1);
	ck_assert_ptr_nonnull(h.dev);
	tern_sim_set_offloads(h.dev, TERN_NETDEV_TX_IPV4_CKSUM);
	h.stack = tern_stack_create(&h.cfg, h.dev, 1);
	ck_assert_ptr_nonnull(h.stack);
	h.w = tern_stack_worker(h.stack, 0);
	h.now = NF_T0;
	nf_poll(&h);
	ck_assert_uint_eq(nf_drain(h.dev), 1);
	nf_learn(&h, &peer_mac, PEER_IP);
	send_echo(&e);
	nf_poll(&h);
	ck_assert_uint_eq(nf_take(h.dev, p, 2), 1);
	ck_assert_ptr_nonnull(p[0].ip);
	ck_assert_uint_eq(p[0].ip->hdr_checksum, 0);
	ck_assert(p[0].ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	ck_assert(p[0].ol_flags & RTE_MBUF_F_TX_IPV4);
	ck_assert_uint_eq(p[0].l2_len, NF_ETH_LEN);
	ck_assert_uint_eq(p[0].l3_len, 20);
	/* the rest of the reply is as without the offload */
	ck_assert_uint_eq(p[0].len, NF_ETH_LEN + 28 + 16);
	ck_assert_uint_eq(nf_cksum(p[0].l4, p[0].l4_len, 0), 0);
}
END_TEST

/*
 * A driver that reads frames only inside one memory range (net_memif in
 * zero-copy mode: the memory it shares with its peer, known once the port
 * starts) cannot send from a pool outside it: the stack is refused with
 * EFAULT (tern_stack_create closes the device on failure).
 */
START_TEST(test_pool_outside_shared_memory_refused)
{
	struct rte_ether_addr mac = NF_OUR_MAC;
	struct tern_netdev *dev = tern_sim_create("sim0", &mac, 1500, 1);

	ck_assert_ptr_nonnull(dev);
	dev->tx_ref_base = 4096;
	dev->tx_ref_end = 8192;
	ck_assert_ptr_null(tern_stack_create(&h.cfg, dev, 1));
	ck_assert_int_eq(rte_errno, EFAULT);
	/* a range that holds the pool: the stack runs */
	dev = tern_sim_create("sim0", &mac, 1500, 1);
	ck_assert_ptr_nonnull(dev);
	dev->tx_ref_base = 4096;
	dev->tx_ref_end = UINTPTR_MAX;
	h.dev = dev;
	h.stack = tern_stack_create(&h.cfg, dev, 1);
	ck_assert_ptr_nonnull(h.stack);
	h.w = tern_stack_worker(h.stack, 0);
}
END_TEST

START_TEST(test_ip_broadcast_source_not_answered)
{
	/* RFC 1122 §3.2.1.3: a broadcast address "MUST NOT be used as a source
	 * address", and "a host MUST silently discard an incoming datagram
	 * containing an IP source address that is invalid by the rules of this
	 * section". Answering would broadcast the reply to the whole link. */
	static const rte_be32_t srcs[] = { RTE_BE32(0xffffffff), NF_BCAST_IP };

	nf_stack_boot(&h);
	for (size_t i = 0; i < RTE_DIM(srcs); i++) {
		struct nf_echo e = echo_req((uint16_t)(30 + i), 8);
		struct nf_pkt p[2];
		unsigned int n;

		e.src = srcs[i];
		send_echo(&e);
		nf_poll(&h);
		n = nf_take(h.dev, p, 2);
		ck_assert_msg(n == 0, "echo from %08x answered: %u frame(s), the first to %s",
				rte_be_to_cpu_32(srcs[i]), n,
				n != 0 && rte_is_broadcast_ether_addr(&p[0].eth->dst_addr) ?
				"ff:ff:ff:ff:ff:ff" : "a unicast MAC");
	}
	ck_assert_uint_eq(stats()->icmp_echo_reply, 0);
}
END_TEST

START_TEST(test_tcp_from_broadcast_source_counted_once)
{
	/* RFC 1122 §4.2.3.10: a SYN from a broadcast address is dropped. Every
	 * frame ends in exactly one counter (tern_stats.h): the segment may not
	 * be counted as received TCP and as an IPv4 drop as well */
	uint8_t f[NF_ETH_LEN + 20 + 20];
	const struct tern_stats *st;

	nf_stack_boot(&h);
	nf_send(&h, f, tcp_syn_frame(f, NF_BCAST_IP));
	nf_poll(&h);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	st = stats();
	ck_assert_uint_eq(st->ip_rx, 1);
	ck_assert_uint_eq(st->ip_drop_bad_src, 1);
	ck_assert_msg(st->tcp_rx + st->ip_drop_bad_src == 1,
			"one segment counted twice: tcp_rx %" PRIu64 ", ip_drop_bad_src %" PRIu64,
			st->tcp_rx, st->ip_drop_bad_src);
	nf_check_accounting(st);
}
END_TEST

/* ------------------------------------------------------ refusing driver */

START_TEST(test_tx_refused_then_retried)
{
	struct nf_echo e[3];
	struct nf_pkt p[4];
	const struct tern_stats *st;

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	tern_sim_set_tx_room(h.dev, 0);
	for (int i = 0; i < 3; i++) {
		e[i] = echo_req((uint16_t)(100 + i), 40);
		send_echo(&e[i]);
	}
	nf_poll(&h);
	st = stats();
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	ck_assert_uint_eq(st->icmp_echo_reply, 3);
	ck_assert_uint_eq(st->tx_retried, 3);
	/* each poll offers them again; each frame counts once */
	nf_poll_after(&h, 1000);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(stats()->tx_retried, 3);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	/* room for one: the oldest goes */
	tern_sim_set_tx_room(h.dev, 1);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 4), 1);
	nf_check_echo_reply(&p[0], &peer_mac, &e[0]);
	ck_assert_uint_eq(stats()->tx_retried, 3);
	/* room given back: the rest, in order */
	tern_sim_set_tx_room(h.dev, -1);
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(nf_take(h.dev, p, 4), 2);
	nf_check_echo_reply(&p[0], &peer_mac, &e[1]);
	nf_check_echo_reply(&p[1], &peer_mac, &e[2]);
	st = stats();
	ck_assert_uint_eq(st->tx_drop_full, 0);
	/* the ARP reply of nf_learn, the gratuitous ARP, and the three replies */
	ck_assert_uint_eq(st->tx_frames, 5);
	/* nothing more is held */
	nf_poll_after(&h, 1000);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
}
END_TEST

START_TEST(test_tx_batch_full_drops_counted)
{
	/* more replies than the transmit batch holds while the driver refuses
	 * everything: the oldest are kept, the newest freed and counted */
	enum { N = 140, HELD = 128 };
	static struct nf_pkt p[HELD + 1];
	const struct tern_stats *st;
	unsigned int got;

	nf_stack_boot(&h);
	nf_learn(&h, &peer_mac, PEER_IP);
	tern_sim_set_tx_room(h.dev, 0);
	for (int i = 0; i < N; i++) {
		struct nf_echo e = echo_req((uint16_t)i, 0);

		send_echo(&e);
	}
	for (int i = 0; i < N / 32 + 1; i++)
		nf_poll_after(&h, 100);
	st = stats();
	ck_assert_uint_eq(st->icmp_echo_reply, N);
	ck_assert_uint_eq(st->tx_drop_full, N - HELD);
	ck_assert_uint_eq(tern_sim_tx_count(h.dev, 0), 0);
	tern_sim_set_tx_room(h.dev, -1);
	nf_poll_after(&h, 100);
	got = nf_take(h.dev, p, HELD + 1);
	ck_assert_uint_eq(got, HELD);
	for (unsigned int i = 0; i < got; i++) {
		struct nf_echo e = echo_req((uint16_t)i, 0);

		nf_check_echo_reply(&p[i], &peer_mac, &e);
	}
}
END_TEST

static Suite *
net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *arp = tcase_create("arp");
	TCase *icmp = tcase_create("icmp");
	TCase *drop = tcase_create("drop");
	TCase *acc = tcase_create("accept");
	TCase *tx = tcase_create("tx");

	tcase_add_checked_fixture(arp, setup, teardown);
	tcase_add_test(arp, test_gratuitous_arp_on_first_poll);
	tcase_add_test(arp, test_load_accounting);
	tcase_add_test(arp, test_arp_request_for_us_broadcast);
	tcase_add_test(arp, test_arp_request_for_us_padded);
	tcase_add_test(arp, test_arp_request_for_us_unicast);
	tcase_add_test(arp, test_arp_request_not_for_us);
	tcase_add_loop_test(arp, test_arp_malformed, 0, RTE_DIM(arp_bad_cases));
	suite_add_tcase(s, arp);

	tcase_add_checked_fixture(icmp, setup, teardown);
	tcase_add_test(icmp, test_icmp_echo_reply);
	tcase_add_test(icmp, test_icmp_echo_with_ip_options);
	tcase_add_test(icmp, test_icmp_echo_waits_on_arp);
	tcase_add_test(icmp, test_icmp_reply_off_subnet_via_gateway);
	tcase_add_test(icmp, test_icmp_reply_no_route);
	suite_add_tcase(s, icmp);

	tcase_add_checked_fixture(drop, setup, teardown);
	tcase_add_loop_test(drop, test_drop, 0, RTE_DIM(drop_cases));
	suite_add_tcase(s, drop);

	tcase_add_checked_fixture(acc, setup, teardown);
	tcase_add_test(acc, test_ip_broadcast_accepted);
	tcase_add_loop_test(acc, test_eth_padding_trimmed, 0, 2);
	tcase_add_test(acc, test_tcp_segment_counted);
	tcase_add_test(acc, test_rx_cksum_flags_trusted);
	tcase_add_test(acc, test_tx_ip_cksum_offload);
	tcase_add_test(acc, test_ip_broadcast_source_not_answered);
	tcase_add_test(acc, test_tcp_from_broadcast_source_counted_once);
	suite_add_tcase(s, acc);

	tcase_add_checked_fixture(tx, setup, teardown);
	tcase_add_test(tx, test_tx_refused_then_retried);
	tcase_add_test(tx, test_tx_batch_full_drops_counted);
	tcase_add_test(tx, test_pool_outside_shared_memory_refused);
	suite_add_tcase(s, tx);
	return s;
}

int
main(void)
{
	return unit_run(net_suite());
}
