/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_LOADGEN_HDR_H
#define TERN_LOADGEN_HDR_H

/*
 * A small high-dynamic-range histogram: exact below 128, then 64 buckets per
 * power of two (relative error under 1.6%), values up to 2^40. Recording is
 * a count-leading-zeros and an increment; no allocation after init.
 */

#include <stdint.h>

#define HDR_SUB_BITS 6
#define HDR_BUCKETS  (128 + 34 * 64)

struct hdr_hist {
	uint64_t total;
	uint64_t min, max;
	uint64_t counts[HDR_BUCKETS];
};

void hdr_init(struct hdr_hist *h);
void hdr_record(struct hdr_hist *h, uint64_t v);
/** Add @p src into @p dst. */
void hdr_merge(struct hdr_hist *dst, const struct hdr_hist *src);
/** Value at percentile @p p (0..100): the highest value of its bucket. 0 if empty. */
uint64_t hdr_percentile(const struct hdr_hist *h, double p);
/** Bucket index of @p v, and the range [lo, hi] a bucket covers (for tests). */
unsigned int hdr_index(uint64_t v);
void hdr_bucket_range(unsigned int idx, uint64_t *lo, uint64_t *hi);

#endif
