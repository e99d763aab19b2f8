/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (lib/tcp/tcp_syncookie.c): encode/decode round trips for every
 * MSS index, window shift and SACK setting; rejection of a wrong MAC, a stale
 * slot, an off-by-one ACK; survival across a secret rotation.
 * Pure functions over a bare worker: no EAL.
 */
#include <string.h>

#include "tcp_priv.h"
#include "unit_common.h"

static const uint16_t mss_table[8] = { 536, 1200, 1360, 1400, 1440, 1460, 4312, 8960 };

static struct net_if nif;
static struct tcp_worker tw;
static const struct tcp_key key = {
	.raddr = RTE_BE32(0x0a4d0001), .laddr = RTE_BE32(0x0a4d0002),
	.rport = RTE_BE16(40000), .lport = RTE_BE16(80),
};

static void
setup(void)
{
	memset(&nif, 0, sizeof(nif));
	memset(&tw, 0, sizeof(tw));
	tw.nif = &nif;
	nif.now_us = 1000ull << 26;        /* some slot well past zero */
	for (int i = 0; i < 16; i++) {
		tw.cookie_secret[0][i] = (uint8_t)(i * 7 + 1);
		tw.cookie_secret[1][i] = (uint8_t)(i * 11 + 3);
	}
}

START_TEST(test_roundtrip_every_mss)
{
	for (unsigned int i = 0; i < 8; i++) {
		/* the peer's MSS exactly, and a bit above it: both map to index i */
		uint16_t peers[2] = { mss_table[i], (uint16_t)(mss_table[i] + 3) };

		for (int k = 0; k < 2; k++) {
			uint32_t irs = 0xfffffff0u + i;   /* wraps */
			uint32_t c = tcp_syncookie_make(&tw, &key, irs, peers[k]);
			uint16_t mss = 0;

			ck_assert_uint_eq(c & 7, i);
			ck_assert(tcp_syncookie_check(&tw, &key, irs, c, &mss));
			ck_assert_uint_eq(mss, mss_table[i]);
		}
	}
}
END_TEST

START_TEST(test_small_mss_maps_to_536)
{
	uint16_t mss = 0;
	uint32_t c = tcp_syncookie_make(&tw, &key, 1, 100);

	ck_assert(tcp_syncookie_check(&tw, &key, 1, c, &mss));
	ck_assert_uint_eq(mss, 536);
}
END_TEST

START_TEST(test_ts_bits_roundtrip)
{
	struct tcp_seg syn;

	for (int ws = -1; ws <= 14; ws++) {
		for (int sack = 0; sack < 2; sack++) {
			bool ws_on, sack_on;
			uint8_t got;
			uint32_t tsval;

			memset(&syn, 0, sizeof(syn));
			syn.has_ws = ws >= 0;
			syn.ws = (uint8_t)(ws >= 0 ? ws : 0);
			tsval = tcp_syncookie_tsval(0x12345678u, &syn, sack);
			/* from the past, never more than 63 ticks: TSval never goes back */
			ck_assert(seq_lt(tsval, 0x12345678u));
			ck_assert(0x12345678u - tsval <= 63);
			tcp_syncookie_ts_decode(tsval, &ws_on, &got, &sack_on);
			ck_assert_int_eq(ws_on, ws >= 0);
			ck_assert_uint_eq(got, ws >= 0 ? (unsigned int)ws : 0u);
			ck_assert_int_eq(sack_on, sack);
		}
	}
}
END_TEST

START_TEST(test_wrong_mac_rejected)
{
	uint32_t c = tcp_syncookie_make(&tw, &key, 77, 1460);
	uint16_t mss;
	struct tcp_key other = key;

	ck_assert(!tcp_syncookie_check(&tw, &key, 77, c ^ 0x100, &mss));   /* MAC bit */
	ck_assert(!tcp_syncookie_check(&tw, &key, 78, c, &mss));           /* other peer ISN */
	other.rport = RTE_BE16(40001);
	ck_assert(!tcp_syncookie_check(&tw, &other, 77, c, &mss));         /* other tuple */
}
END_TEST

START_TEST(test_off_by_one_ack_rejected)
{
	/* the ACK must be cookie + 1: SEG.ACK - 1 off by one either way fails */
	uint32_t c = tcp_syncookie_make(&tw, &key, 5, 1460);
	uint16_t mss;

	ck_assert(!tcp_syncookie_check(&tw, &key, 5, c + 1, &mss));
	ck_assert(!tcp_syncookie_check(&tw, &key, 5, c - 1, &mss));
}
END_TEST

START_TEST(test_slot_age)
{
	uint32_t c = tcp_syncookie_make(&tw, &key, 9, 1460);
	uint16_t mss;

	/* good in its own slot and the next two; stale after */
	for (int age = 0; age <= 2; age++) {
		nif.now_us = (1000ull + age) << 26;
		ck_assert_msg(tcp_syncookie_check(&tw, &key, 9, c, &mss), "age %d", age);
	}
	nif.now_us = 1003ull << 26;
	ck_assert(!tcp_syncookie_check(&tw, &key, 9, c, &mss));
	/* and never from the future */
	nif.now_us = 999ull << 26;
	ck_assert(!tcp_syncookie_check(&tw, &key, 9, c, &mss));
}
END_TEST

START_TEST(test_rotation)
{
	uint32_t c = tcp_syncookie_make(&tw, &key, 11, 1460), c2;
	uint16_t mss;

	tcp_syncookie_rotate(&tw);
	/* in flight across one rotation: still good (previous secret) */
	ck_assert(tcp_syncookie_check(&tw, &key, 11, c, &mss));
	c2 = tcp_syncookie_make(&tw, &key, 11, 1460);
	ck_assert_uint_ne(c2 >> 8, c >> 8);     /* new secret, new MAC (2^-24 chance) */
	tcp_syncookie_rotate(&tw);
	/* two rotations: the old secret is gone */
	ck_assert(!tcp_syncookie_check(&tw, &key, 11, c, &mss));
	ck_assert(tcp_syncookie_check(&tw, &key, 11, c2, &mss));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("syncookie");
	TCase *tc = tcase_create("cookie");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_roundtrip_every_mss);
	tcase_add_test(tc, test_small_mss_maps_to_536);
	tcase_add_test(tc, test_ts_bits_roundtrip);
	tcase_add_test(tc, test_wrong_mac_rejected);
	tcase_add_test(tc, test_off_by_one_ack_rejected);
	tcase_add_test(tc, test_slot_age);
	tcase_add_test(tc, test_rotation);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
