/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter names and values, generated from TERN_STATS_FOREACH. */
#include "tern_stats.h"

static const char *const stats_names[] = {
#define STATS_NAME(name, desc) #name,
	TERN_STATS_FOREACH(STATS_NAME)
#undef STATS_NAME
};

static const char *const stats_descs[] = {
#define STATS_DESC(name, desc) desc,
	TERN_STATS_FOREACH(STATS_DESC)
#undef STATS_DESC
};

const char *
tern_stats_name(size_t idx)
{
	return idx < TERN_STATS_COUNT ? stats_names[idx] : NULL;
}

const char *
tern_stats_desc(size_t idx)
{
	return idx < TERN_STATS_COUNT ? stats_descs[idx] : NULL;
}

uint64_t
tern_stats_value(const struct tern_stats *st, size_t idx)
{
	return idx < TERN_STATS_COUNT ? ((const uint64_t *)st)[idx] : 0;
}
