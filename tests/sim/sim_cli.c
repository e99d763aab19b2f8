/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-sim: run seeded simulation scenarios by hand.
 *
 *   tern-sim --profile loss5 --workload bulk --seed 1234 --pcap run.pcap
 *       replay one seed, print its details, record the link
 *   tern-sim --seeds 10000
 *       the long run: seeds 1..10000 of every profile, workload by seed
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "scenarios.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tern-sim [options]\n"
		"  --profile P     fault profile, or 'all' (default all):");
	for (unsigned int i = 0; i < sim_n_profiles; i++)
		fprintf(f, " %s", sim_profiles[i].name);
	fprintf(f, "\n"
		"  --workload W    echo, bulk, short, or 'all' = seed %% 3 (default all)\n"
		"  --seed S        first seed (default 1)\n"
		"  --seeds N       number of seeds per profile (default 1)\n"
		"  --pcap FILE     record the link of a single seed into FILE\n"
		"  --pcap-dir DIR  where failing seeds' pcaps go (default .)\n"
		"  --detail K      replay the first K failures of a profile with details (default 3)\n"
		"  --cc C          newreno, cubic or seed (alternate by seed; default)\n"
		"  --bulk-dir D    ab, ba or seed (default)\n"
		"  --bulk-bytes N  bulk size (default 8388608)\n"
		"  --echo-bytes N  echo size (default 262144)\n"
		"  --conns N       short connections (default 200)\n"
		"  --trace FILE    write every frame of a single seed, as the tap saw it\n"
		"  --deadline S    virtual seconds a run may take (default 14400)\n"
		"  --list          list the profiles\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "workload", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 's' },
		{ "seeds", required_argument, NULL, 'n' },
		{ "pcap", required_argument, NULL, 'c' },
		{ "pcap-dir", required_argument, NULL, 'd' },
		{ "detail", required_argument, NULL, 'k' },
		{ "cc", required_argument, NULL, 'C' },
		{ "bulk-dir", required_argument, NULL, 'D' },
		{ "bulk-bytes", required_argument, NULL, 'B' },
		{ "echo-bytes", required_argument, NULL, 'E' },
		{ "conns", required_argument, NULL, 'N' },
		{ "deadline", required_argument, NULL, 'T' },
		{ "trace", required_argument, NULL, 't' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = "all", *pcap = NULL, *pcap_dir = ".";
	uint64_t first = 1, n = 1;
	unsigned int detail = 3;
	int wl = -1, opt;
	struct sim_opts o;
	struct sim_matrix_totals t;
	uint64_t failures = 0;

	sim_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'p': profile = optarg; break;
		case 'w':
			if (strcmp(optarg, "all") == 0) {
				wl = -1;
			} else if ((wl = sim_workload_parse(optarg)) < 0) {
				fprintf(stderr, "tern-sim: unknown workload %s\n", optarg);
				return 2;
			}
			break;
		case 's': first = strtoull(optarg, NULL, 0); break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'c': pcap = optarg; break;
		case 'd': pcap_dir = optarg; break;
		case 'k': detail = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'C':
			if (strcmp(optarg, "seed") == 0)
				o.cc = SIM_CC_BY_SEED;
			else if (strcmp(optarg, "newreno") == 0)
				o.cc = 0;
#ifdef TERN_TCP_CC_CUBIC
			else if (strcmp(optarg, "cubic") == 0)
				o.cc = TERN_TCP_CC_CUBIC;
#endif
			else {
				fprintf(stderr, "tern-sim: unknown congestion control %s\n", optarg);
				return 2;
			}
			break;
		case 'D':
			o.bulk_dir = strcmp(optarg, "ab") == 0 ? 0 : strcmp(optarg, "ba") == 0 ? 1 : -1;
			break;
		case 'B': o.bulk_bytes = strtoull(optarg, NULL, 0); break;
		case 'E': o.echo_bytes = strtoull(optarg, NULL, 0); break;
		case 'N': o.short_conns = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 't': o.trace = optarg; break;
		case 'T': o.deadline_us = strtoull(optarg, NULL, 0) * 1000000ull; break;
		case 'l':
			for (unsigned int i = 0; i < sim_n_profiles; i++)
				printf("%-8s %s\n", sim_profiles[i].name, sim_profiles[i].desc);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (n == 0 || (strcmp(profile, "all") != 0 && sim_profile_find(profile) == NULL)) {
		usage(stderr);
		return 2;
	}
	sim_eal_init();

	if (n == 1 && strcmp(profile, "all") != 0) {
		/* one seed: the reproduction case */
		const struct sim_profile *p = sim_profile_find(profile);
		int w = wl >= 0 ? wl : sim_workload_of_seed(first);
		struct sim_result r;

		o.pcap = pcap;
		o.report = true;
		sim_scenario_run(p, w, first, &o, &r);
		printf("%s %s/%s seed %" PRIu64 " cc %s%s: %.3f virtual s, %" PRIu64
				" bytes checked, %u connections, %" PRIu64 " iterations\n",
				r.ok ? "ok" : "FAIL", p->name, sim_workload_name(w), first, r.cc,
				w == SIM_WL_BULK ? (r.bulk_dir ? " B>A" : " A>B") : "",
				(double)r.vtime_us / 1e6, r.bytes_checked, r.conns, r.iterations);
		for (int d = 0; d < 2; d++)
			printf("  link %s: sent %" PRIu64 " delivered %" PRIu64 " dropped %" PRIu64
					" queue_drops %" PRIu64 " dup %" PRIu64 " reordered %" PRIu64
					" corrupted %" PRIu64 "\n", d == 0 ? "A>B" : "B>A", r.ls[d].sent,
					r.ls[d].delivered, r.ls[d].dropped, r.ls[d].queue_drops,
					r.ls[d].duplicated, r.ls[d].reordered, r.ls[d].corrupted);
		for (int d = 0; d < 2; d++)
			printf("  stack %c: segs %" PRIu64 " data %" PRIu64 " rexmt %" PRIu64
					" (rto %" PRIu64 ", fast %" PRIu64 ") ooo %" PRIu64 " dup %"
					PRIu64 " cksum drops %" PRIu64 "/%" PRIu64 "\n", 'A' + d,
					r.st[d].tcp_tx_segs, r.st[d].tcp_tx_data_segs, r.st[d].tcp_rexmt_segs,
					r.st[d].tcp_rexmt_timeout, r.st[d].tcp_fast_rexmt,
					r.st[d].tcp_rx_ooo_segs, r.st[d].tcp_rx_dup_segs,
					r.st[d].ip_drop_cksum, r.st[d].tcp_drop_cksum);
		if (!r.ok)
			printf("  %s\n", r.why);
		rte_eal_cleanup();
		return r.ok ? 0 : 1;
	}

	sim_matrix_print_header(stdout);
	for (unsigned int i = 0; i < sim_n_profiles; i++) {
		const struct sim_profile *p = &sim_profiles[i];

		if (strcmp(profile, "all") != 0 && strcmp(profile, p->name) != 0)
			continue;
		sim_matrix_run(p, wl, first, n, &o, pcap_dir, detail, &t);
		sim_matrix_print_line(stdout, p->name, &t);
		failures += t.failures;
	}
	rte_eal_cleanup();
	return failures == 0 ? 0 : 1;
}
