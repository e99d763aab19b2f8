/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_telemetry commands (read with dpdk-telemetry.py):
 *   /tern/stats           every counter, summed over workers
 *   /tern/worker_stats,N  one worker's counters
 * Telemetry is process-wide while a process may hold several stacks (tests,
 * the simulator): the first stack created is the one reported.
 */
#include <stdlib.h>

#include <rte_telemetry.h>

#include "core_priv.h"

static struct tern_stack *telemetry_stack;
static bool telemetry_registered;

static void
telemetry_put_stats(struct rte_tel_data *d, const struct tern_stats *st)
{
	rte_tel_data_start_dict(d);
	for (size_t i = 0; i < TERN_STATS_COUNT; i++)
		rte_tel_data_add_dict_u64(d, tern_stats_name(i), tern_stats_value(st, i));
}

static int
telemetry_stats(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct tern_stats sum;
	struct tern_stack *s = __atomic_load_n(&telemetry_stack, __ATOMIC_ACQUIRE);

	if (s == NULL)
		return -ENODEV;
	tern_stack_stats(s, &sum);
	telemetry_put_stats(d, &sum);
	return 0;
}

static int
telemetry_worker_stats(const char *cmd __rte_unused, const char *params,
		struct rte_tel_data *d)
{
	struct tern_stack *s = __atomic_load_n(&telemetry_stack, __ATOMIC_ACQUIRE);
	struct tern_stats copy;
	unsigned long idx;
	char *end;

	if (s == NULL)
		return -ENODEV;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	idx = strtoul(params, &end, 10);
	if (*end != '\0' || idx >= s->nb_workers)
		return -EINVAL;
	for (size_t i = 0; i < TERN_STATS_COUNT; i++)
		((uint64_t *)&copy)[i] = __atomic_load_n(
				&((const uint64_t *)&s->workers[idx].stats)[i], __ATOMIC_RELAXED);
	telemetry_put_stats(d, &copy);
	return 0;
}

void
tern_telemetry_attach(struct tern_stack *s)
{
	struct tern_stack *none = NULL;

	if (!telemetry_registered) {
		telemetry_registered = true;
		rte_telemetry_register_cmd("/tern/stats", telemetry_stats,
				"Tern counters summed over workers. No parameters");
		rte_telemetry_register_cmd("/tern/worker_stats", telemetry_worker_stats,
				"One Tern worker's counters. Parameter: worker index");
	}
	__atomic_compare_exchange_n(&telemetry_stack, &none, s, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

void
tern_telemetry_detach(struct tern_stack *s)
{
	struct tern_stack *expect = s;

	__atomic_compare_exchange_n(&telemetry_stack, &expect, NULL, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED);
}
