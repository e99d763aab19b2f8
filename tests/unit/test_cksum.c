/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/cksum.c: RFC 1071 sums over buffers, IPv4 headers, mbuf chains and
 * the TCP pseudo-header, against published vectors, vectors computed offline
 * (scapy 2.5.0, pasted below) and nf_cksum(), a byte-wise reference written
 * in tests/unit/net_frames.c independently of the code under test.
 *
 * Byte order: the lib returns sums as a 16-bit word in memory order (store it
 * and the bytes are the big-endian checksum), so every comparison goes through
 * rte_be_to_cpu_16().
 */
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "net_frames.h"
#include "net_priv.h"
#include "unit_common.h"

static unsigned int pool_start;

static void
setup(void)
{
	unit_eal_init("tern_unit_cksum");
	pool_start = rte_mempool_avail_count(unit_pool());
}

static void
teardown(void)
{
	ck_assert_pool_count(unit_pool(), pool_start);
}

/* fold a host-order partial sum to 16 bits, not inverted */
static uint16_t
fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* the lib's folded sum, in host order */
static uint16_t
raw_host(const void *buf, size_t len)
{
	return rte_be_to_cpu_16(net_cksum_raw(buf, len, 0));
}

/* RFC 1071 §3 numerical example */
static const uint8_t rfc1071_bytes[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

/* An IPv4 header with a known checksum (0xb861): UDP 192.168.0.1 -> 192.168.0.199 */
static const uint8_t ip_b861[] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
	0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

/* scapy: IP(src="10.77.0.9", dst="10.77.0.2", options=[b"\x94\x04\x00\x00"])/ICMP()
 * header checksum 0xd133; IHL 6 with a Router Alert option */
static const uint8_t ip_opts_d133[] = {
	0x46, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xd1, 0x33,
	0x0a, 0x4d, 0x00, 0x09, 0x0a, 0x4d, 0x00, 0x02, 0x94, 0x04, 0x00, 0x00,
};

/* scapy: IP(src="10.77.0.1", dst="10.77.0.2", id=0x1234)/TCP(sport=40000,
 * dport=80, seq=0x01020304, flags="S", window=64240, options=[MSS 1460,
 * SAckOK, Timestamp (123456789, 0), NOP, WScale 7]): IP checksum 0x53ec,
 * TCP checksum 0xc36b, TCP length 40 */
static const uint8_t syn_pkt[] = {
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0x53, 0xec,
	0x0a, 0x4d, 0x00, 0x01, 0x0a, 0x4d, 0x00, 0x02,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xfa, 0xf0, 0xc3, 0x6b, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
	0x04, 0x02, 0x08, 0x0a, 0x07, 0x5b, 0xcd, 0x15, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x03, 0x03, 0x07,
};
#define SYN_TCP_CKSUM 0xc36b

/* scapy: IP(src="192.168.0.1", dst="192.168.0.199", id=7)/TCP(sport=5555,
 * dport=443, seq=0xfffffff0, ack=0x80000001, flags="PA", window=512)/
 * "Hello, Tern": TCP length 31 (odd), TCP checksum 0x7c83 */
static const uint8_t data_pkt[] = {
	0x45, 0x00, 0x00, 0x33, 0x00, 0x07, 0x00, 0x00, 0x40, 0x06, 0xf8, 0xa5,
	0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	0x15, 0xb3, 0x01, 0xbb, 0xff, 0xff, 0xff, 0xf0, 0x80, 0x00, 0x00, 0x01,
	0x50, 0x18, 0x02, 0x00, 0x7c, 0x83, 0x00, 0x00, 0x48, 0x65, 0x6c, 0x6c,
	0x6f, 0x2c, 0x20, 0x54, 0x65, 0x72, 0x6e,
};
#define DATA_TCP_CKSUM 0x7c83

/* the TCP checksum of the segment in @pkt (IPv4 header of 20 bytes first),
 * computed the way the stack will: pseudo-header sum + net_cksum_mbuf */
static uint16_t
tcp_cksum_of(const struct rte_mbuf *m, const uint8_t *pkt)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)pkt;
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - 20);
	uint32_t ph = net_cksum_pseudo(ip->src_addr, ip->dst_addr, IPPROTO_TCP, l4_len);

	return rte_be_to_cpu_16((uint16_t)~net_cksum_mbuf(m, 20, l4_len, ph));
}

START_TEST(test_raw_rfc1071_example)
{
	/* RFC 1071 §3: 0001 + f203 + f4f5 + f6f7 = 2ddf0, folded ddf2 */
	ck_assert_uint_eq(raw_host(rfc1071_bytes, sizeof(rfc1071_bytes)), 0xddf2);
	/* the reference agrees (it returns the complement) */
	ck_assert_uint_eq(nf_cksum(rfc1071_bytes, sizeof(rfc1071_bytes), 0),
			(uint16_t)~0xddf2);
	/* RFC 1071 §2(B): the sum is the same in any word order... */
	{
		static const uint8_t swapped[] = { 0xf6, 0xf7, 0xf4, 0xf5, 0xf2, 0x03,
			0x00, 0x01 };

		ck_assert_uint_eq(raw_host(swapped, sizeof(swapped)), 0xddf2);
	}
	/* ...and byte-swapping every word swaps the sum (§2(B), byte order) */
	{
		static const uint8_t bswapped[] = { 0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4,
			0xf7, 0xf6 };

		ck_assert_uint_eq(raw_host(bswapped, sizeof(bswapped)), 0xf2dd);
	}
}
END_TEST

START_TEST(test_raw_edges)
{
	uint8_t buf[1500] = { 0 };

	/* nothing summed: 0, and the initial value passes through folded */
	ck_assert_uint_eq(net_cksum_raw(buf, 0, 0), 0);
	ck_assert_uint_eq(net_cksum_raw(buf, 0, 0x1234), 0x1234);
	ck_assert_uint_eq(net_cksum_raw(buf, 0, 0x2fffe), 0x0001); /* 2 + fffe = 10000 -> 1 */
	/* all zeros: 0 */
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(net_cksum_raw(buf, sizeof(buf), 0), 0);
	/* all ones: 750 carries folded back, ffff (negative zero) */
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(net_cksum_raw(buf, sizeof(buf), 0), 0xffff);
	/* one odd byte is the high half of a zero-padded word */
	buf[0] = 0xab;
	ck_assert_uint_eq(raw_host(buf, 1), 0xab00);
	/* ab ff ff: abff + ff00 = 1aaff, folded aaff + 1 */
	ck_assert_uint_eq(raw_host(buf, 3), 0xab00);
}
END_TEST

START_TEST(test_raw_lengths_and_alignment)
{
	uint8_t buf[300 + 8];

	nf_pattern(buf, sizeof(buf), 0x5a);
	/* every length from 0 to 300, at even and odd addresses */
	for (size_t start = 0; start < 4; start++) {
		for (size_t len = 0; len <= 300; len++) {
			uint16_t want = (uint16_t)~nf_cksum(buf + start, len, 0);

			ck_assert_msg(raw_host(buf + start, len) == want,
					"start %zu len %zu: lib %04x, reference %04x", start, len,
					raw_host(buf + start, len), want);
		}
	}
}
END_TEST

START_TEST(test_raw_initial_chains_sums)
{
	uint8_t buf[1000];

	nf_pattern(buf, sizeof(buf), 3);
	/* a sum over a prefix of even length, fed as the initial value of the
	 * rest, equals the sum of the whole */
	for (size_t cut = 0; cut <= 1000; cut += 2) {
		uint16_t first = net_cksum_raw(buf, cut, 0);

		ck_assert_uint_eq(net_cksum_raw(buf + cut, sizeof(buf) - cut, first),
				net_cksum_raw(buf, sizeof(buf), 0));
	}
}
END_TEST

START_TEST(test_ipv4_hdr_fill)
{
	static const rte_be32_t addrs[] = { RTE_BE32(0x00000001), RTE_BE32(0x0a4d0002),
		RTE_BE32(0xc0a800c7), RTE_BE32(0xfffffffe) };
	struct net_if ifp;
	uint8_t h[20];

	memset(&ifp, 0, sizeof(ifp));
	ifp.ttl = 64;
	/* the fields of the known header (UDP, 115 bytes, id 0, DF, TTL 64)
	 * give it byte for byte, checksum 0xb861 included */
	net_ipv4_hdr_fill(&ifp, (struct rte_ipv4_hdr *)h, RTE_BE32(0xc0a80001),
			RTE_BE32(0xc0a800c7), IPPROTO_UDP, 115 - 20);
	ck_assert_mem_eq(h, ip_b861, sizeof(ip_b861));
	ck_assert_uint_eq(ifp.ip_id, 1);
	/* ids, lengths and addresses across their ranges (carries into the
	 * fold included): each header checks out by an independent sum */
	for (uint32_t id = 0; id < 65536; id += 4099) {
		for (uint32_t len = 0; len <= 65515; len += 6553) {
			for (size_t s = 0; s < RTE_DIM(addrs); s++) {
				ifp.ip_id = (uint16_t)id;
				net_ipv4_hdr_fill(&ifp, (struct rte_ipv4_hdr *)h, addrs[s],
						addrs[RTE_DIM(addrs) - 1 - s], IPPROTO_TCP,
						(uint16_t)len);
				ck_assert_msg(nf_cksum(h, sizeof(h), 0) == 0,
						"id %u len %u: header checksum wrong", id, len);
				ck_assert(net_cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)h));
			}
		}
	}
	/* a NIC that computes it finds the field zero */
	ifp.offloads = TERN_NETDEV_TX_IPV4_CKSUM;
	net_ipv4_hdr_fill(&ifp, (struct rte_ipv4_hdr *)h, addrs[1], addrs[2], IPPROTO_TCP, 40);
	ck_assert_uint_eq(((struct rte_ipv4_hdr *)h)->hdr_checksum, 0);
}
END_TEST

START_TEST(test_ipv4_hdr_ok)
{
	uint8_t h[sizeof(ip_opts_d133)];

	ck_assert(net_cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)ip_b861));
	ck_assert(net_cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)ip_opts_d133));
	ck_assert(net_cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)syn_pkt));
	ck_assert(net_cksum_ipv4_hdr_ok((const struct rte_ipv4_hdr *)data_pkt));
	/* any single bit flipped anywhere in the header is caught */
	for (size_t byte = 0; byte < 20; byte++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			memcpy(h, ip_b861, 20);
			h[byte] ^= (uint8_t)(1u << bit);
			if (byte == 0 && (h[0] & 0x0f) != 5)
				continue;   /* IHL changed: another header length */
			ck_assert_msg(!net_cksum_ipv4_hdr_ok((struct rte_ipv4_hdr *)h),
					"byte %zu bit %u flipped, still ok", byte, bit);
		}
	}
	/* a flip in the option word (past byte 20) is caught too */
	memcpy(h, ip_opts_d133, sizeof(ip_opts_d133));
	h[23] ^= 0x80;
	ck_assert(!net_cksum_ipv4_hdr_ok((struct rte_ipv4_hdr *)h));
	/* a header with options whose checksum an independent sum set is ok */
	memcpy(h, ip_opts_d133, sizeof(ip_opts_d133));
	h[8] = 17;       /* TTL */
	h[10] = h[11] = 0;
	{
		uint16_t ck = nf_cksum(h, sizeof(h), 0);

		h[10] = (uint8_t)(ck >> 8);
		h[11] = (uint8_t)ck;
	}
	ck_assert(net_cksum_ipv4_hdr_ok((struct rte_ipv4_hdr *)h));
}
END_TEST

START_TEST(test_pseudo)
{
	rte_be32_t src = NF_IP(192, 168, 0, 1), dst = NF_IP(192, 168, 0, 199);
	uint32_t ph = net_cksum_pseudo(src, dst, IPPROTO_TCP, 31);

	/* by hand: c0a8 + 0001 + c0a8 + 00c7 + 0006 + 001f = 1823d -> 823e */
	ck_assert_uint_eq(rte_be_to_cpu_16(fold(ph)), 0x823e);
	ck_assert_uint_eq(fold(nf_pseudo_sum(src, dst, IPPROTO_TCP, 31)), 0x823e);
	/* the length is the 16-bit TCP length; the protocol counts */
	ck_assert_uint_eq(rte_be_to_cpu_16(fold(net_cksum_pseudo(src, dst,
			IPPROTO_UDP, 31))), 0x823e + 17 - 6);
	ck_assert_uint_eq(rte_be_to_cpu_16(fold(net_cksum_pseudo(src, dst,
			IPPROTO_TCP, 0xffff))), fold(nf_pseudo_sum(src, dst, 6, 0xffff)));
	/* addresses with carries */
	src = NF_IP(255, 255, 255, 254);
	dst = NF_IP(255, 255, 128, 1);
	ck_assert_uint_eq(rte_be_to_cpu_16(fold(net_cksum_pseudo(src, dst, 6, 1460))),
			fold(nf_pseudo_sum(src, dst, 6, 1460)));
}
END_TEST

START_TEST(test_mbuf_tcp_known)
{
	struct rte_mbuf *m;
	uint8_t pkt[sizeof(syn_pkt)];

	/* with the checksum field in place the sum verifies (folds to ffff) */
	m = nf_mbuf(unit_pool(), syn_pkt, sizeof(syn_pkt));
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(tcp_cksum_of(m, syn_pkt), 0);
	rte_pktmbuf_free(m);
	/* with the field zeroed the lib computes what scapy did */
	memcpy(pkt, syn_pkt, sizeof(pkt));
	pkt[36] = pkt[37] = 0;
	m = nf_mbuf(unit_pool(), pkt, sizeof(pkt));
	ck_assert_uint_eq(tcp_cksum_of(m, pkt), SYN_TCP_CKSUM);
	rte_pktmbuf_free(m);
	/* odd TCP length (31) */
	m = nf_mbuf(unit_pool(), data_pkt, sizeof(data_pkt));
	ck_assert_uint_eq(tcp_cksum_of(m, data_pkt), 0);
	rte_pktmbuf_free(m);
	memcpy(pkt, data_pkt, sizeof(data_pkt));
	pkt[36] = pkt[37] = 0;
	m = nf_mbuf(unit_pool(), pkt, sizeof(data_pkt));
	ck_assert_uint_eq(tcp_cksum_of(m, pkt), DATA_TCP_CKSUM);
	rte_pktmbuf_free(m);
	/* the reference agrees with scapy as well */
	ck_assert_uint_eq(nf_cksum(pkt + 20, 31, nf_pseudo_sum(NF_IP(192, 168, 0, 1),
			NF_IP(192, 168, 0, 199), 6, 31)), DATA_TCP_CKSUM);
}
END_TEST

START_TEST(test_mbuf_single_offsets)
{
	uint8_t buf[1514];
	struct rte_mbuf *m;

	nf_pattern(buf, sizeof(buf), 9);
	m = nf_mbuf(unit_pool(), buf, sizeof(buf));
	ck_assert_ptr_nonnull(m);
	for (uint32_t off = 0; off < 40; off++) {
		for (uint32_t len = 0; len + off <= sizeof(buf); len += 37) {
			uint16_t want = (uint16_t)~nf_cksum(buf + off, len, 0);

			ck_assert_msg(rte_be_to_cpu_16(net_cksum_mbuf(m, off, len, 0)) == want,
					"off %u len %u", off, len);
		}
	}
	rte_pktmbuf_free(m);
}
END_TEST

/* One chain layout: the sums over every (off, len) window must match the flat sums. */
static void
check_chain(const uint8_t *buf, size_t len, const uint16_t *segs, unsigned int nsegs)
{
	struct rte_mbuf *m = nf_mbuf_chain(unit_pool(), buf, len, segs, nsegs);

	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->nb_segs, nsegs);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), len);
	for (uint32_t off = 0; off < len; off += 1 + off / 4) {
		for (uint32_t n = 0; off + n <= len; n += 1 + n / 3) {
			uint16_t want = (uint16_t)~nf_cksum(buf + off, n, 0);
			uint16_t got = rte_be_to_cpu_16(net_cksum_mbuf(m, off, n, 0));

			if (got != want) {
				rte_pktmbuf_free(m);
				ck_abort_msg("segments %u (first %u, second %u): off %u len %u: "
						"net_cksum_mbuf %04x, flat sum %04x", nsegs, segs[0],
						nsegs > 1 ? segs[1] : 0, off, n, got, want);
			}
		}
	}
	rte_pktmbuf_free(m);
}

START_TEST(test_mbuf_multiseg_even)
{
	uint8_t buf[600];
	static const uint16_t two[] = { 300, 300 };
	static const uint16_t three[] = { 100, 202, 298 };
	static const uint16_t tiny[] = { 2, 2, 2, 594 };

	nf_pattern(buf, sizeof(buf), 77);
	check_chain(buf, sizeof(buf), two, RTE_DIM(two));
	check_chain(buf, sizeof(buf), three, RTE_DIM(three));
	check_chain(buf, sizeof(buf), tiny, RTE_DIM(tiny));
}
END_TEST

START_TEST(test_mbuf_multiseg_odd)
{
	/* segments of odd length: later segments start at odd offsets of the
	 * sum, so their words straddle the boundary (RFC 1071 §2(B)) */
	uint8_t buf[600];
	static const uint16_t a[] = { 1, 599 };
	static const uint16_t b[] = { 301, 299 };
	static const uint16_t c[] = { 3, 5, 7, 585 };
	static const uint16_t d[] = { 99, 1, 500 };

	nf_pattern(buf, sizeof(buf), 78);
	check_chain(buf, sizeof(buf), a, RTE_DIM(a));
	check_chain(buf, sizeof(buf), b, RTE_DIM(b));
	check_chain(buf, sizeof(buf), c, RTE_DIM(c));
	check_chain(buf, sizeof(buf), d, RTE_DIM(d));
}
END_TEST

START_TEST(test_mbuf_multiseg_tcp_known)
{
	/* the odd-length scapy segment split at every point: header and
	 * payload in different segments, as a zero-copy send would chain them */
	uint8_t pkt[sizeof(data_pkt)];

	memcpy(pkt, data_pkt, sizeof(pkt));
	pkt[36] = pkt[37] = 0;
	for (uint16_t cut = 1; cut < sizeof(pkt); cut++) {
		uint16_t segs[2] = { cut, (uint16_t)(sizeof(pkt) - cut) };
		struct rte_mbuf *m = nf_mbuf_chain(unit_pool(), pkt, sizeof(pkt), segs, 2);
		uint16_t got;

		ck_assert_ptr_nonnull(m);
		got = tcp_cksum_of(m, pkt);
		rte_pktmbuf_free(m);
		ck_assert_msg(got == DATA_TCP_CKSUM, "split at %u: %04x, scapy %04x",
				cut, got, DATA_TCP_CKSUM);
	}
}
END_TEST

static Suite *
cksum_suite(void)
{
	Suite *s = suite_create("net_cksum");
	TCase *raw = tcase_create("raw");
	TCase *ip = tcase_create("ipv4");
	TCase *mb = tcase_create("mbuf");

	tcase_add_checked_fixture(raw, setup, teardown);
	tcase_add_test(raw, test_raw_rfc1071_example);
	tcase_add_test(raw, test_raw_edges);
	tcase_add_test(raw, test_raw_lengths_and_alignment);
	tcase_add_test(raw, test_raw_initial_chains_sums);
	suite_add_tcase(s, raw);

	tcase_add_checked_fixture(ip, setup, teardown);
	tcase_add_test(ip, test_ipv4_hdr_fill);
	tcase_add_test(ip, test_ipv4_hdr_ok);
	tcase_add_test(ip, test_pseudo);
	suite_add_tcase(s, ip);

	tcase_add_checked_fixture(mb, setup, teardown);
	tcase_add_test(mb, test_mbuf_tcp_known);
	tcase_add_test(mb, test_mbuf_single_offsets);
	tcase_add_test(mb, test_mbuf_multiseg_even);
	tcase_add_test(mb, test_mbuf_multiseg_odd);
	tcase_add_test(mb, test_mbuf_multiseg_tcp_known);
	suite_add_tcase(s, mb);
	return s;
}

int
main(void)
{
	return unit_run(cksum_suite());
}
