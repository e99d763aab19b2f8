/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors for TCP (lib/net/icmp.c, lib/tcp/tcp_icmp.c): fragmentation
 * needed lowers the path MTU and resends what is in flight at the new size
 * (RFC 1191), only when the quoted sequence number is in flight (RFC 5927
 * 4.1); absurd MTUs and forged quotes change nothing and are counted; other
 * unreachables are soft errors (RFC 1122 4.2.3.9), never a reset, reported
 * when the connection times out.
 *
 * The test is the peer and the router on the path (tcp_harness.h); the
 * errors come from the peer's address, as the harness knows no other.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ip.h>

#include "tcp_harness.h"

static struct th h;

#define ICMP_UNREACH      3
#define ICMP_TIME_EXCEEDED 11
#define ICMP_SOURCE_QUENCH 4
#define CODE_HOST         1
#define CODE_PORT         3
#define CODE_FRAG_NEEDED  4

static void
setup(void)
{
	th_init(&h, "tern_unit_tcp_icmp");
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

/* The quote of a segment tern sent on the newest connection at @seq. */
static struct nf_icmp_error
our_quote(uint32_t seq)
{
	return (struct nf_icmp_error){ .eth_dst = NF_OUR_MAC, .eth_src = TH_PEER_MAC,
		.src = TH_PEER_IP, .dst = NF_OUR_IP, .q_src = NF_OUR_IP, .q_dst = TH_PEER_IP,
		.q_proto = IPPROTO_TCP, .q_sport = h.lport, .q_dport = h.pport, .q_seq = seq,
		.q_total_len = 1500, .q_tcp_bytes = 8 };
}

/* Inject an ICMP error of @type/@code with @mtu in bytes 6-7, quoting @q. */
static void
inject_icmp(uint8_t type, uint8_t code, uint16_t mtu, struct nf_icmp_error *q)
{
	uint8_t f[NF_FRAME_MAX];

	q->type = type;
	q->code = code;
	q->mtu = mtu;
	nf_send(&h.ns, f, nf_icmp_error_frame(f, q));
}

/* Queue @len bytes of the data pattern at tern's sequence @seq. */
static void
send_pattern(uint32_t seq, uint32_t len)
{
	static uint8_t buf[64 * 1024];

	th_fill(buf, seq, len);
	ck_assert_int_eq(tern_send(h.c, buf, len), (int)len);
}

/* Passive open (MSS 1460), then 3000 bytes out: 1460 + 1460 + 80. @return ISS. */
static uint32_t
open_with_flight(uint32_t irs)
{
	uint32_t x;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	send_pattern(x + 1, 3000);
	th_poll(&h);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 1, irs + 1, TH_ANY, 1460), x + 1);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 1461, irs + 1, TH_ANY, 1460), x + 1461);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 2921, irs + 1, TH_ANY, 80), x + 2921);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_info(h.c).mss, 1460);
	return x;
}

/* ------------------------------------------------------------ path MTU */

START_TEST(test_frag_needed_resends_smaller)
{
	const uint32_t irs = 5000;
	uint32_t x = open_with_flight(irs);
	struct nf_icmp_error q = our_quote(x + 1);
	const struct tern_conn_info before = th_info(h.c);

	/* RFC 1191: a router with a 1400-byte next hop dropped the first one */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1400, &q);
	th_poll(&h);
	ck_assert_uint_eq(st()->icmp_rx_error, 1);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 1);
	ck_assert_uint_eq(th_info(h.c).mss, 1360);
	/* everything in flight again, from SND.UNA, at 1400 - 40 */
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 1, irs + 1, TH_ANY, 1360), x + 1);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 1361, irs + 1, TH_ANY, 1360), x + 1361);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 2721, irs + 1, TH_ANY, 280), x + 2721);
	TH_EXPECT_NONE(&h);
	/* not a congestion signal */
	ck_assert_uint_eq(th_info(h.c).ssthresh, before.ssthresh);
	ck_assert_uint_eq(th_info(h.c).cwnd, before.cwnd);
	/* the same error again (a second dropped segment) lowers nothing */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1400, &q);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 1);
	ck_assert_uint_eq(st()->tcp_icmp_bad_mtu, 1);
	th_inject(&h, T_ACK, irs + 1, x + 3001, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 3001);
	ck_assert_uint_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_frag_needed_old_router_plateau)
{
	uint32_t x = open_with_flight(100);
	struct nf_icmp_error q = our_quote(x + 1461);

	/* RFC 1191 5: no MTU named: the plateau below the quoted 1500 is 1492 */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 0, &q);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).mss, 1452);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 1);
	TH_EXPECT(&h, TH_ANY, x + 1, TH_ANY, TH_ANY, 1452);
}
END_TEST

/*
 * A legal but tiny MTU: raised to the 552-byte floor (MSS 512), and from then
 * on the connection's segments go without DF, so the router fragments them
 * rather than drop every one (a black hole). Before, they carried DF.
 */
START_TEST(test_frag_needed_floor)
{
	uint32_t x = open_with_flight(100);
	struct nf_icmp_error q = our_quote(x + 1);
	const struct th_seg *p;

	send_pattern(x + 3001, 100);
	th_poll(&h);
	p = TH_EXPECT(&h, TH_ANY, x + 3001, TH_ANY, TH_ANY, 100);
	ck_assert_uint_eq(p->ip_frag, RTE_IPV4_HDR_DF_FLAG);
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 300, &q);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).mss, 512);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 1);
	for (uint32_t off = 0; off < 3100; off += 512) {
		p = TH_EXPECT(&h, TH_ANY, x + 1 + off, TH_ANY, TH_ANY, RTE_MIN(512u, 3100 - off));
		ck_assert_uint_eq(p->ip_frag, 0);
		th_check_payload(p, x + 1 + off);
	}
	TH_EXPECT_NONE(&h);
	/* a second error below the floor changes nothing more */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 200, &q);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 1);
	ck_assert_uint_eq(st()->tcp_icmp_bad_mtu, 1);
}
END_TEST

START_TEST(test_frag_needed_absurd_or_forged_ignored)
{
	uint32_t x = open_with_flight(100);
	struct nf_icmp_error q = our_quote(x + 1);

	/* below RFC 791's 68 bytes: absurd */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 67, &q);
	/* no decrease */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1500, &q);
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 9000, &q);
	th_poll(&h);
	ck_assert_uint_eq(st()->tcp_icmp_bad_mtu, 3);
	/* RFC 5927 4.1: quoted sequence numbers not in flight */
	q.q_seq = x;                      /* below SND.UNA */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1000, &q);
	q.q_seq = x + 3001;               /* SND.NXT: never sent */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1000, &q);
	q.q_seq = x + 1 + (1u << 31);
	inject_icmp(ICMP_UNREACH, CODE_HOST, 0, &q);
	th_poll(&h);
	ck_assert_uint_eq(st()->tcp_icmp_out_of_window, 3);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 0);
	ck_assert_uint_eq(th_info(h.c).mss, 1460);
	ck_assert_uint_eq(th_info(h.c).soft_error, 0);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
}
END_TEST

/* ------------------------------------------------------------ quotes */

/*
 * One burst: the ACK of everything in flight, then an error quoting what it
 * acknowledged. In order, the error names nothing in flight any more
 * (RFC 5927 4.1) and changes nothing; handled first, it would have lowered
 * the MSS and resent data already received.
 */
START_TEST(test_icmp_after_ack_in_same_burst)
{
	const uint32_t irs = 100;
	uint32_t x = open_with_flight(irs);
	struct nf_icmp_error q = our_quote(x + 1);

	th_inject(&h, T_ACK, irs + 1, x + 3001, TH_PWND, NULL, 0, NULL);
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1000, &q);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 3001);
	ck_assert_uint_eq(st()->tcp_icmp_out_of_window, 1);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 0);
	ck_assert_uint_eq(th_info(h.c).mss, 1460);
	TH_EXPECT_NONE(&h);
}
END_TEST

START_TEST(test_quote_not_ours)
{
	uint32_t x = open_with_flight(100);
	struct nf_icmp_error q;

	q = our_quote(x + 1);
	q.q_src = NF_IP(10, 77, 0, 9);    /* not our address */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1000, &q);
	q = our_quote(x + 1);
	q.q_proto = IPPROTO_UDP;
	inject_icmp(ICMP_UNREACH, CODE_PORT, 0, &q);
	q = our_quote(x + 1);
	q.q_tcp_bytes = 4;                /* no sequence number */
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1000, &q);
	th_poll(&h);
	ck_assert_uint_eq(st()->icmp_rx_error, 3);
	ck_assert_uint_eq(st()->icmp_drop_quote, 3);
	/* ours, but no such connection */
	q = our_quote(x + 1);
	q.q_dport = (uint16_t)(h.pport + 1);
	inject_icmp(ICMP_UNREACH, CODE_FRAG_NEEDED, 1000, &q);
	/* source quench: ignored (RFC 6633) */
	q = our_quote(x + 1);
	inject_icmp(ICMP_SOURCE_QUENCH, 0, 0, &q);
	th_poll(&h);
	ck_assert_uint_eq(st()->tcp_icmp_no_conn, 1);
	ck_assert_uint_eq(st()->icmp_drop_type, 1);
	ck_assert_uint_eq(th_info(h.c).mss, 1460);
	TH_EXPECT_NONE(&h);
}
END_TEST

/* ------------------------------------------------------------ soft errors */

START_TEST(test_soft_error_reported_at_timeout)
{
	const uint32_t irs = 5000;
	uint32_t x;
	struct nf_icmp_error q;

	h.ns.cfg.tcp_retries = 2;
	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	send_pattern(x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, irs + 1, TH_ANY, 100);
	q = our_quote(x + 1);
	inject_icmp(ICMP_UNREACH, CODE_HOST, 0, &q);
	th_poll(&h);
	/* soft: no reset, nothing sent, the connection goes on */
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->tcp_icmp_soft_error, 1);
	ck_assert_uint_eq(th_info(h.c).soft_error, EHOSTUNREACH);
	ck_assert_uint_eq(th_state(h.c), TERN_TCP_ESTABLISHED);
	ck_assert_uint_eq(h.n_closed, 0);
	/* the RTO gives up: the app hears why */
	th_advance_ms(&h, 1000);
	TH_EXPECT(&h, TH_ANY, x + 1, TH_ANY, TH_ANY, 100);
	th_advance_ms(&h, 2000);
	TH_EXPECT(&h, TH_ANY, x + 1, TH_ANY, TH_ANY, 100);
	th_advance_ms(&h, 4000);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_UNREACHABLE);
	ck_assert_uint_eq(st()->tcp_conn_unreachable, 1);
	ck_assert_uint_eq(st()->tcp_conn_timeout, 0);
	ck_assert_uint_eq(st()->tcp_rst_sent, 0);
}
END_TEST

START_TEST(test_soft_error_cleared_by_progress)
{
	const uint32_t irs = 5000;
	uint32_t x;
	struct nf_icmp_error q;

	th_up(&h);
	x = th_open_passive(&h, irs, NULL);
	send_pattern(x + 1, 100);
	th_poll(&h);
	TH_EXPECT(&h, T_ACK | T_PSH, x + 1, irs + 1, TH_ANY, 100);
	q = our_quote(x + 1);
	inject_icmp(ICMP_TIME_EXCEEDED, 0, 0, &q);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).soft_error, EHOSTUNREACH);
	th_inject(&h, T_ACK, irs + 1, x + 101, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).soft_error, 0);
}
END_TEST

START_TEST(test_unreachable_ends_syn_sent)
{
	struct tern_conn *c;
	struct nf_icmp_error q;

	th_up(&h);
	c = th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	ck_assert_uint_eq(h.last.flags, T_SYN);
	h.lport = h.last.sport;
	q = our_quote(h.last.seq);
	/* port unreachable for our SYN: the active open ends now (RFC 1122
	 * 4.2.3.9), without a RST */
	inject_icmp(ICMP_UNREACH, CODE_PORT, 0, &q);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_UNREACHABLE);
	ck_assert_uint_eq(st()->tcp_conn_unreachable, 1);
	ck_assert_uint_eq(st()->tcp_rst_sent, 0);
	(void)c;
}
END_TEST

/* ------------------------------------------------------------ ICMPv6 */

/* An ICMPv6 error (RFC 4443 §2.1) of @type/@code with @word in bytes 4-7
 * (Packet Too Big: the MTU), from the peer, quoting an IPv6 packet from
 * @q_src to the peer, TCP, from tern's port to the peer's, at @seq. */
static void
inject_icmp6(uint8_t type, uint8_t code, uint32_t word, const uint8_t *q_src, uint8_t q_nh,
		uint32_t seq)
{
	const struct rte_ether_addr our = NF_OUR_MAC, peer = TH_PEER_MAC;
	const uint32_t len = 8 + 40 + 20;
	uint8_t f[256], *ip, *m, *q, *t;
	uint16_t c;

	nf_put_eth(f, &our, &peer, RTE_ETHER_TYPE_IPV6);
	ip = f + NF_ETH_LEN;
	memset(ip, 0, 40 + len);
	ip[0] = 0x60;
	ip[5] = (uint8_t)len;
	ip[6] = IPPROTO_ICMPV6;
	ip[7] = 64;
	memcpy(ip + 8, th_peer_ip6, 16);
	memcpy(ip + 24, th_our_ip6, 16);
	m = ip + 40;
	m[0] = type;
	m[1] = code;
	m[4] = (uint8_t)(word >> 24);
	m[5] = (uint8_t)(word >> 16);
	m[6] = (uint8_t)(word >> 8);
	m[7] = (uint8_t)word;
	q = m + 8;                          /* the invoking packet, as tern sent it */
	q[0] = 0x60;
	q[5] = (uint8_t)(20 + 1460);
	q[4] = (20 + 1460) >> 8;
	q[6] = q_nh;
	q[7] = 64;
	memcpy(q + 8, q_src, 16);
	memcpy(q + 24, th_peer_ip6, 16);
	t = q + 40;
	t[0] = (uint8_t)(h.lport >> 8);
	t[1] = (uint8_t)h.lport;
	t[2] = (uint8_t)(h.pport >> 8);
	t[3] = (uint8_t)h.pport;
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	c = nf_cksum(m, len, nf_pseudo_sum6(th_peer_ip6, th_our_ip6, IPPROTO_ICMPV6, len));
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	nf_send(&h.ns, f, NF_ETH_LEN + 40 + len);
}

/* RFC 8201: Packet Too Big (1280) for the first segment in flight: the MSS
 * drops to 1280 - 60 and everything in flight goes again at that size; an
 * MTU below 1280 is discarded (§4), as is a quote not from our address, a
 * quote that is no TCP, and a sequence number not in flight (RFC 5927). */
START_TEST(test_ip6_packet_too_big)
{
	static const uint8_t other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	const uint32_t irs = 5000;
	uint32_t x;

	th_use_ip6(&h);
	x = open_with_flight(irs);
	inject_icmp6(2, 0, 1000, th_our_ip6, IPPROTO_TCP, x + 1);
	inject_icmp6(2, 0, 1280, other, IPPROTO_TCP, x + 1);
	inject_icmp6(2, 0, 1280, th_our_ip6, IPPROTO_UDP, x + 1);
	inject_icmp6(2, 0, 1280, th_our_ip6, IPPROTO_TCP, x + 3001);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(st()->icmp6_rx_error, 4);
	ck_assert_uint_eq(st()->icmp6_drop_quote, 2);
	ck_assert_uint_eq(st()->tcp_icmp_bad_mtu, 1);
	ck_assert_uint_eq(st()->tcp_icmp_out_of_window, 1);
	ck_assert_uint_eq(th_info(h.c).mss, 1460);
	inject_icmp6(2, 0, 1280, th_our_ip6, IPPROTO_TCP, x + 1);
	th_poll(&h);
	ck_assert_uint_eq(st()->tcp_pmtu_lowered, 1);
	ck_assert_uint_eq(th_info(h.c).mss, 1220);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 1, irs + 1, TH_ANY, 1220), x + 1);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 1221, irs + 1, TH_ANY, 1220), x + 1221);
	th_check_payload(TH_EXPECT(&h, TH_ANY, x + 2441, irs + 1, TH_ANY, 560), x + 2441);
	TH_EXPECT_NONE(&h);
	th_inject(&h, T_ACK, irs + 1, x + 3001, TH_PWND, NULL, 0, NULL);
	th_poll(&h);
	ck_assert_uint_eq(th_info(h.c).snd_una, x + 3001);
}
END_TEST

/* RFC 4443 §3.1: port unreachable for our SYN over IPv6 ends the active
 * open (ECONNREFUSED); in ESTABLISHED an unreachable is soft. */
START_TEST(test_ip6_unreachable)
{
	th_use_ip6(&h);
	th_up(&h);
	th_connect(&h);
	th_poll(&h);
	ck_assert(th_next(&h, &h.last));
	ck_assert_uint_eq(h.last.flags, T_SYN);
	h.lport = h.last.sport;
	inject_icmp6(1, 4, 0, th_our_ip6, IPPROTO_TCP, h.last.seq);
	th_poll(&h);
	TH_EXPECT_NONE(&h);
	ck_assert_uint_eq(h.n_closed, 1);
	ck_assert_int_eq(h.last_reason, TERN_CLOSE_UNREACHABLE);
	ck_assert_uint_eq(st()->tcp_icmp_soft_error, 1);
	ck_assert_uint_eq(st()->tcp_rst_sent, 0);
}
END_TEST

static Suite *
tcp_icmp_suite(void)
{
	Suite *s = suite_create("tcp_icmp");
	TCase *p = tcase_create("path_mtu");
	TCase *q = tcase_create("quotes");
	TCase *e = tcase_create("soft_errors");

	tcase_add_checked_fixture(p, setup, teardown);
	tcase_add_test(p, test_frag_needed_resends_smaller);
	tcase_add_test(p, test_frag_needed_old_router_plateau);
	tcase_add_test(p, test_frag_needed_floor);
	tcase_add_test(p, test_frag_needed_absurd_or_forged_ignored);
	tcase_add_test(p, test_icmp_after_ack_in_same_burst);
	suite_add_tcase(s, p);

	tcase_add_checked_fixture(q, setup, teardown);
	tcase_add_test(q, test_quote_not_ours);
	suite_add_tcase(s, q);

	tcase_add_checked_fixture(e, setup, teardown);
	tcase_add_test(e, test_soft_error_reported_at_timeout);
	tcase_add_test(e, test_soft_error_cleared_by_progress);
	tcase_add_test(e, test_unreachable_ends_syn_sent);
	tcase_add_test(e, test_ip6_unreachable);
	tcase_add_test(p, test_ip6_packet_too_big);
	suite_add_tcase(s, e);
	return s;
}

int
main(void)
{
	int rc = unit_run(tcp_icmp_suite());

	/* again with segments sent from the send buffers, as on DPDK ports */
	nf_dev_offloads = TERN_NETDEV_TX_BY_REF | TERN_NETDEV_TX_MULTI_SEG;
	return unit_run(tcp_icmp_suite()) != EXIT_SUCCESS ? EXIT_FAILURE : rc;
}
