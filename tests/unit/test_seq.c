/* SPDX-License-Identifier: BSD-3-Clause */
/* Sequence-number arithmetic, lib/tcp/tcp_seq.h (RFC 9293 §3.4). */
#include <stdlib.h>

#include <rte_common.h>

#include "tcp_seq.h"
#include "unit_common.h"

START_TEST(test_seq_simple)
{
	/* worked example: ISS 10000, SYN takes 10000, data starts at 10001 */
	ck_assert(seq_lt(10000, 10001));
	ck_assert(seq_leq(10000, 10001));
	ck_assert(seq_leq(10001, 10001));
	ck_assert(!seq_lt(10001, 10001));
	ck_assert(seq_gt(20001, 20000));
	ck_assert(seq_geq(20000, 20000));
	ck_assert(!seq_gt(20000, 20000));
	ck_assert(!seq_geq(10000, 10001));
	ck_assert(seq_gt(20000, 10001));
	ck_assert(seq_lt(10001, 20001));
	ck_assert_int_eq(seq_diff(20001, 10001), 10000);
	ck_assert_int_eq(seq_diff(10001, 20001), -10000);
	/* a 1460-byte segment at 40000 ends before 41460 */
	ck_assert_uint_eq((uint32_t)(40000 + 1460), 41460);
	ck_assert_int_eq(seq_diff(41460, 40000), 1460);
	ck_assert(seq_gt(41460, 40000));
	ck_assert(seq_between(41459, 40000, 41460));
	ck_assert(!seq_between(41460, 40000, 41460));
	ck_assert_uint_eq(seq_max(40000, 41460), 41460);
	ck_assert_uint_eq(seq_min(40000, 41460), 40000);
}
END_TEST

START_TEST(test_seq_wrap)
{
	uint32_t a = 0xFFFFFFF0u, b = 0x10u;

	ck_assert(seq_lt(a, b));
	ck_assert(seq_leq(a, b));
	ck_assert(seq_gt(b, a));
	ck_assert(seq_geq(b, a));
	ck_assert(!seq_gt(a, b));
	ck_assert(!seq_lt(b, a));
	ck_assert_int_eq(seq_diff(b, a), 0x20);
	ck_assert_int_eq(seq_diff(a, b), -0x20);
	ck_assert_uint_eq(seq_max(a, b), b);
	ck_assert_uint_eq(seq_max(b, a), b);
	ck_assert_uint_eq(seq_min(a, b), a);
	ck_assert_uint_eq(seq_min(b, a), a);
	/* snd_una just below the wrap, 1460 bytes in flight past it */
	ck_assert(seq_lt(0xFFFFFFFFu, 0));
	ck_assert(seq_gt((uint32_t)(0xFFFFFC00u + 1460), 0xFFFFFC00u));
	ck_assert_uint_eq((uint32_t)(0xFFFFFC00u + 1460), 0x1B4u);
	ck_assert_int_eq(seq_diff(0x1B4u, 0xFFFFFC00u), 1460);
	ck_assert(seq_between(0x1B3u, 0xFFFFFC00u, 0x1B4u));
	/* largest distances that still compare right: 2^31 - 1 either way */
	ck_assert(seq_lt(0, 0x7FFFFFFFu));
	ck_assert(seq_gt(0x80000000u, 1));
	ck_assert(seq_lt(0x80000001u, 0));
	ck_assert_int_eq(seq_diff(0x7FFFFFFFu, 0), INT32_MAX);
	ck_assert_int_eq(seq_diff(0, 0x7FFFFFFFu), -INT32_MAX);
	ck_assert_int_eq(seq_diff(0x80000000u, 0), INT32_MIN);
}
END_TEST

START_TEST(test_seq_between)
{
	/* plain window [10001, 20001) */
	ck_assert(seq_between(10001, 10001, 20001));
	ck_assert(seq_between(20000, 10001, 20001));
	ck_assert(!seq_between(20001, 10001, 20001));
	ck_assert(!seq_between(10000, 10001, 20001));
	/* window across the wrap: [0xFFFFFFF0, 0x10) */
	ck_assert(seq_between(0xFFFFFFF0u, 0xFFFFFFF0u, 0x10));
	ck_assert(seq_between(0xFFFFFFFFu, 0xFFFFFFF0u, 0x10));
	ck_assert(seq_between(0, 0xFFFFFFF0u, 0x10));
	ck_assert(seq_between(0xF, 0xFFFFFFF0u, 0x10));
	ck_assert(!seq_between(0x10, 0xFFFFFFF0u, 0x10));
	ck_assert(!seq_between(0xFFFFFFEFu, 0xFFFFFFF0u, 0x10));
	ck_assert(!seq_between(0x80000000u, 0xFFFFFFF0u, 0x10));
	/* empty window: lo == hi */
	ck_assert(!seq_between(5, 5, 5));
	ck_assert(!seq_between(6, 5, 5));
	/* widest window: everything but hi */
	ck_assert(seq_between(0x80000000u, 1, 0));
	ck_assert(seq_between(0xFFFFFFFFu, 1, 0));
	ck_assert(!seq_between(0, 1, 0));
	/* RFC 9293 §3.10.7.4 acceptability: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND */
	{
		uint32_t rcv_nxt = 0xFFFFF000u, rcv_wnd = 0x2000;

		ck_assert(seq_between(rcv_nxt, rcv_nxt, rcv_nxt + rcv_wnd));
		ck_assert(seq_between(0xFFF, rcv_nxt, rcv_nxt + rcv_wnd));
		ck_assert(!seq_between(0x1000, rcv_nxt, rcv_nxt + rcv_wnd));
		ck_assert(!seq_between(rcv_nxt - 1, rcv_nxt, rcv_nxt + rcv_wnd));
	}
}
END_TEST

START_TEST(test_seq_consistency)
{
	/* the relations agree with each other on a spread of pairs */
	static const uint32_t v[] = { 0, 1, 10000, 10001, 20000, 20001, 40000,
		41460, 0x7FFFFFFEu, 0x7FFFFFFFu, 0x80000000u, 0x80000001u,
		0xFFFFFFF0u, 0xFFFFFFFFu, 0x10 };
	unsigned int i, j;

	for (i = 0; i < RTE_DIM(v); i++) {
		for (j = 0; j < RTE_DIM(v); j++) {
			uint32_t a = v[i], b = v[j];
			uint32_t d = a - b;

			if (d == 0x80000000u)
				continue;   /* undefined distance, documented */
			ck_assert(seq_lt(a, b) == seq_gt(b, a));
			ck_assert(seq_leq(a, b) == !seq_gt(a, b));
			ck_assert(seq_geq(a, b) == !seq_lt(a, b));
			ck_assert(seq_lt(a, b) == (seq_diff(a, b) < 0));
			ck_assert(seq_leq(a, b) == (seq_lt(a, b) || a == b));
			ck_assert_uint_eq(seq_max(a, b), seq_lt(a, b) ? b : a);
			ck_assert_uint_eq(seq_min(a, b), seq_lt(a, b) ? a : b);
			ck_assert_uint_eq(b + (uint32_t)seq_diff(a, b), a);
		}
	}
}
END_TEST

static Suite *
seq_suite(void)
{
	Suite *s = suite_create("tcp_seq");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_seq_simple);
	tcase_add_test(tc, test_seq_wrap);
	tcase_add_test(tc, test_seq_between);
	tcase_add_test(tc, test_seq_consistency);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(seq_suite());
}
