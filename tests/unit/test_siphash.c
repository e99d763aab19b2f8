/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4, lib/util/tern_siphash.c, against the reference test vectors
 * of the SipHash authors: key 00 01 .. 0f, message i bytes 00 01 .. (i-1)
 * for i = 0..63, 64-bit output. Each value below is the little-endian
 * reading of the 8 output bytes of the reference table (for i = 15 the
 * paper's appendix example, a129ca6149be45e5).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "tern_siphash.h"
#include "unit_common.h"

static const uint64_t vectors[64] = {
	/*  0 */ UINT64_C(0x726fdb47dd0e0e31),
	/*  1 */ UINT64_C(0x74f839c593dc67fd),
	/*  2 */ UINT64_C(0x0d6c8009d9a94f5a),
	/*  3 */ UINT64_C(0x85676696d7fb7e2d),
	/*  4 */ UINT64_C(0xcf2794e0277187b7),
	/*  5 */ UINT64_C(0x18765564cd99a68d),
	/*  6 */ UINT64_C(0xcbc9466e58fee3ce),
	/*  7 */ UINT64_C(0xab0200f58b01d137),
	/*  8 */ UINT64_C(0x93f5f5799a932462),
	/*  9 */ UINT64_C(0x9e0082df0ba9e4b0),
	/* 10 */ UINT64_C(0x7a5dbbc594ddb9f3),
	/* 11 */ UINT64_C(0xf4b32f46226bada7),
	/* 12 */ UINT64_C(0x751e8fbc860ee5fb),
	/* 13 */ UINT64_C(0x14ea5627c0843d90),
	/* 14 */ UINT64_C(0xf723ca908e7af2ee),
	/* 15 */ UINT64_C(0xa129ca6149be45e5),
	/* 16 */ UINT64_C(0x3f2acc7f57c29bdb),
	/* 17 */ UINT64_C(0x699ae9f52cbe4794),
	/* 18 */ UINT64_C(0x4bc1b3f0968dd39c),
	/* 19 */ UINT64_C(0xbb6dc91da77961bd),
	/* 20 */ UINT64_C(0xbed65cf21aa2ee98),
	/* 21 */ UINT64_C(0xd0f2cbb02e3b67c7),
	/* 22 */ UINT64_C(0x93536795e3a33e88),
	/* 23 */ UINT64_C(0xa80c038ccd5ccec8),
	/* 24 */ UINT64_C(0xb8ad50c6f649af94),
	/* 25 */ UINT64_C(0xbce192de8a85b8ea),
	/* 26 */ UINT64_C(0x17d835b85bbb15f3),
	/* 27 */ UINT64_C(0x2f2e6163076bcfad),
	/* 28 */ UINT64_C(0xde4daaaca71dc9a5),
	/* 29 */ UINT64_C(0xa6a2506687956571),
	/* 30 */ UINT64_C(0xad87a3535c49ef28),
	/* 31 */ UINT64_C(0x32d892fad841c342),
	/* 32 */ UINT64_C(0x7127512f72f27cce),
	/* 33 */ UINT64_C(0xa7f32346f95978e3),
	/* 34 */ UINT64_C(0x12e0b01abb051238),
	/* 35 */ UINT64_C(0x15e034d40fa197ae),
	/* 36 */ UINT64_C(0x314dffbe0815a3b4),
	/* 37 */ UINT64_C(0x027990f029623981),
	/* 38 */ UINT64_C(0xcadcd4e59ef40c4d),
	/* 39 */ UINT64_C(0x9abfd8766a33735c),
	/* 40 */ UINT64_C(0x0e3ea96b5304a7d0),
	/* 41 */ UINT64_C(0xad0c42d6fc585992),
	/* 42 */ UINT64_C(0x187306c89bc215a9),
	/* 43 */ UINT64_C(0xd4a60abcf3792b95),
	/* 44 */ UINT64_C(0xf935451de4f21df2),
	/* 45 */ UINT64_C(0xa9538f0419755787),
	/* 46 */ UINT64_C(0xdb9acddff56ca510),
	/* 47 */ UINT64_C(0xd06c98cd5c0975eb),
	/* 48 */ UINT64_C(0xe612a3cb9ecba951),
	/* 49 */ UINT64_C(0xc766e62cfcadaf96),
	/* 50 */ UINT64_C(0xee64435a9752fe72),
	/* 51 */ UINT64_C(0xa192d576b245165a),
	/* 52 */ UINT64_C(0x0a8787bf8ecb74b2),
	/* 53 */ UINT64_C(0x81b3e73d20b49b6f),
	/* 54 */ UINT64_C(0x7fa8220ba3b2ecea),
	/* 55 */ UINT64_C(0x245731c13ca42499),
	/* 56 */ UINT64_C(0xb78dbfaf3a8d83bd),
	/* 57 */ UINT64_C(0xea1ad565322a1a0b),
	/* 58 */ UINT64_C(0x60e61c23a3795013),
	/* 59 */ UINT64_C(0x6606d7e446282b93),
	/* 60 */ UINT64_C(0x6ca4ecb15c5f91e1),
	/* 61 */ UINT64_C(0x9f626da15c9625f3),
	/* 62 */ UINT64_C(0xe51b38608ef25f57),
	/* 63 */ UINT64_C(0x958a324ceb064572),
};

static void
ref_key(uint8_t key[TERN_SIPHASH_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < TERN_SIPHASH_KEY_LEN; i++)
		key[i] = (uint8_t)i;
}

START_TEST(test_siphash_vectors)
{
	uint8_t key[TERN_SIPHASH_KEY_LEN], msg[64];
	unsigned int len;

	ref_key(key);
	for (len = 0; len < 64; len++)
		msg[len] = (uint8_t)len;
	for (len = 0; len < 64; len++) {
		uint64_t h = tern_siphash24(key, msg, len);

		ck_assert_msg(h == vectors[len], "len %u: got %016llx want %016llx",
				len, (unsigned long long)h,
				(unsigned long long)vectors[len]);
	}
}
END_TEST

START_TEST(test_siphash_paper_example)
{
	uint8_t key[TERN_SIPHASH_KEY_LEN], msg[15];
	unsigned int i;

	ref_key(key);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(tern_siphash24(key, msg, sizeof(msg)),
			UINT64_C(0xa129ca6149be45e5));
	/* len 0 with a NULL pointer is allowed */
	ck_assert_uint_eq(tern_siphash24(key, NULL, 0), vectors[0]);
}
END_TEST

START_TEST(test_siphash_unaligned)
{
	/* same answer whatever the alignment of the message */
	uint8_t key[TERN_SIPHASH_KEY_LEN], buf[64 + 8];
	unsigned int off, len;

	ref_key(key);
	for (off = 1; off < 8; off++) {
		for (len = 0; len < 64; len++)
			buf[off + len] = (uint8_t)len;
		for (len = 0; len < 64; len++)
			ck_assert_uint_eq(tern_siphash24(key, buf + off, len),
					vectors[len]);
	}
}
END_TEST

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

START_TEST(test_siphash_4w)
{
	uint8_t key[TERN_SIPHASH_KEY_LEN], buf[16];
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
	unsigned int i, k;

	/* vector 16 is the message 00 01 .. 0f: four little-endian words */
	ref_key(key);
	ck_assert_uint_eq(tern_siphash24_4w(key, 0x03020100u, 0x07060504u,
			0x0b0a0908u, 0x0f0e0d0cu), vectors[16]);

	/* equal to the generic function on random words and keys */
	for (i = 0; i < 1000; i++) {
		uint32_t w[4];

		for (k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			w[k] = (uint32_t)(x >> 16);
			put_le32(buf + 4 * k, w[k]);
		}
		for (k = 0; k < TERN_SIPHASH_KEY_LEN; k++)
			key[k] = (uint8_t)(x >> (k % 8 * 8)) ^ (uint8_t)k;
		ck_assert_uint_eq(tern_siphash24_4w(key, w[0], w[1], w[2], w[3]),
				tern_siphash24(key, buf, sizeof(buf)));
	}
}
END_TEST

START_TEST(test_siphash_key_matters)
{
	uint8_t key[TERN_SIPHASH_KEY_LEN], msg[8] = { 0 };
	uint64_t h0;
	unsigned int bit;

	ref_key(key);
	h0 = tern_siphash24(key, msg, sizeof(msg));
	/* flipping any key bit changes the tag */
	for (bit = 0; bit < 128; bit++) {
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_uint_ne(tern_siphash24(key, msg, sizeof(msg)), h0);
		key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* the length byte counts: 8 zero bytes differ from 7 and 9 */
	ck_assert_uint_ne(tern_siphash24(key, msg, 7), h0);
	ck_assert_uint_ne(tern_siphash24(key, (uint8_t[9]){ 0 }, 9), h0);
}
END_TEST

static Suite *
siphash_suite(void)
{
	Suite *s = suite_create("siphash");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_siphash_paper_example);
	tcase_add_test(tc, test_siphash_unaligned);
	tcase_add_test(tc, test_siphash_4w);
	tcase_add_test(tc, test_siphash_key_matters);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(siphash_suite());
}
