/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TCP_SEQ_H
#define TCP_SEQ_H

/**
 * @file
 * Sequence-number arithmetic modulo 2^32.
 *
 * RFC 9293 §3.4: sequence numbers live in a space of 2^32 values and all
 * arithmetic on them is done modulo 2^32; "=<" means less than or equal
 * modulo 2^32. Two numbers compare by the sign of their 32-bit difference,
 * so a comparison is meaningful only while the two lie less than 2^31 apart,
 * which the window sizes of TCP guarantee (RFC 7323 §2.3 keeps windows
 * below 2^30). When a and b are exactly 2^31 apart, seq_lt(a, b) and
 * seq_lt(b, a) are both true: callers never let that happen.
 *
 * Every comparison of sequence numbers in Tern goes through these helpers;
 * a plain `<` on two sequence numbers is a bug.
 */

#include <stdbool.h>
#include <stdint.h>

/**
 * Signed distance from @p b to @p a, modulo 2^32.
 * @return a - b as a signed 32-bit value: positive when @p a is after @p b.
 */
static inline int32_t
seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/** @return true if @p a is before @p b (a < b modulo 2^32). */
static inline bool
seq_lt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) < 0;
}

/** @return true if @p a is before or equal to @p b (a =< b modulo 2^32). */
static inline bool
seq_leq(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) <= 0;
}

/** @return true if @p a is after @p b (a > b modulo 2^32). */
static inline bool
seq_gt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) > 0;
}

/** @return true if @p a is after or equal to @p b (a >= b modulo 2^32). */
static inline bool
seq_geq(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) >= 0;
}

/**
 * Half-open window test: lo =< a < hi, modulo 2^32.
 *
 * True exactly when walking forward from @p lo reaches @p a in fewer steps
 * than it takes to reach @p hi, i.e. (a - lo) mod 2^32 < (hi - lo) mod 2^32.
 * The window holds (hi - lo) mod 2^32 numbers: it is empty when
 * lo == hi, and it may be up to 2^32 - 1 wide (unlike seq_lt(), no 2^31
 * limit applies). Example: the RFC 9293 §3.10.7.4 test
 * RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND is seq_between(seg_seq, rcv_nxt,
 * rcv_nxt + rcv_wnd).
 *
 * @return true if @p a lies in [@p lo, @p hi).
 */
static inline bool
seq_between(uint32_t a, uint32_t lo, uint32_t hi)
{
	return (uint32_t)(a - lo) < (uint32_t)(hi - lo);
}

/** @return the later of @p a and @p b modulo 2^32 (@p a when equal). */
static inline uint32_t
seq_max(uint32_t a, uint32_t b)
{
	return seq_lt(a, b) ? b : a;
}

/** @return the earlier of @p a and @p b modulo 2^32 (@p a when equal). */
static inline uint32_t
seq_min(uint32_t a, uint32_t b)
{
	return seq_gt(a, b) ? b : a;
}

#endif /* TCP_SEQ_H */
