/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "hdr.h"

void
hdr_init(struct hdr_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned int
hdr_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < 128)
		return (unsigned int)v;
	if (v >= (1ull << 40))
		v = (1ull << 40) - 1;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	shift = msb - HDR_SUB_BITS;         /* v >> shift lies in [64, 127] */
	return 128 + (shift - 1) * 64 + (unsigned int)((v >> shift) - 64);
}

void
hdr_bucket_range(unsigned int idx, uint64_t *lo, uint64_t *hi)
{
	unsigned int shift;

	if (idx < 128) {
		*lo = *hi = idx;
		return;
	}
	shift = (idx - 128) / 64 + 1;
	*lo = (uint64_t)((idx - 128) % 64 + 64) << shift;
	*hi = *lo + (1ull << shift) - 1;
}

void
hdr_record(struct hdr_hist *h, uint64_t v)
{
	h->counts[hdr_index(v)]++;
	h->total++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
hdr_merge(struct hdr_hist *dst, const struct hdr_hist *src)
{
	for (unsigned int i = 0; i < HDR_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
hdr_percentile(const struct hdr_hist *h, double p)
{
	uint64_t want, seen = 0, lo, hi;

	if (h->total == 0)
		return 0;
	want = (uint64_t)(p / 100.0 * (double)h->total + 0.5);
	if (want == 0)
		want = 1;
	for (unsigned int i = 0; i < HDR_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			hdr_bucket_range(i, &lo, &hi);
			return hi < h->max ? hi : h->max;
		}
	}
	return h->max;
}
