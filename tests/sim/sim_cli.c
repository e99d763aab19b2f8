/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-sim: run seeded simulation scenarios by hand.
 *
 *   tern-sim --profile loss5 --workload bulk --seed 1234 --pcap run.pcap
 *       replay one seed, print its details, record the link
 *   tern-sim --seeds 10000
 *       the long run: seeds 1..10000 of every profile, workload by seed
 *   tern-sim --workers 4 --spread random --profile mixed --seeds 200
 *       four workers per stack, each frame on a random queue
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>

#include "scenarios.h"

/* "drop=0.01,delay=5000,rate=100000000,..." over @p f. @return 0 or -1. */
static int
parse_fault(char *spec, struct tern_sim_fault *f)
{
	for (char *tok = strtok(spec, ","); tok != NULL; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');
		double v;

		if (eq == NULL)
			return -1;
		*eq = '\0';
		v = strtod(eq + 1, NULL);
		if (strcmp(tok, "drop") == 0) f->drop = v;
		else if (strcmp(tok, "burst") == 0) f->drop_burst = (uint32_t)v;
		else if (strcmp(tok, "dup") == 0) f->dup = v;
		else if (strcmp(tok, "reorder") == 0) f->reorder = v;
		else if (strcmp(tok, "reorder_us") == 0) f->reorder_us = (uint32_t)v;
		else if (strcmp(tok, "delay") == 0) f->delay_us = (uint32_t)v;
		else if (strcmp(tok, "jitter") == 0) f->jitter_us = (uint32_t)v;
		else if (strcmp(tok, "rate") == 0) f->rate_bps = (uint64_t)v;
		else if (strcmp(tok, "queue") == 0) f->queue_frames = (uint32_t)v;
		else if (strcmp(tok, "corrupt") == 0) f->corrupt = v;
		else
			return -1;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tern-sim [options]\n"
		"  --profile P     fault profile, or 'all' (default all):");
	for (unsigned int i = 0; i < sim_n_profiles; i++)
		fprintf(f, " %s", sim_profiles[i].name);
	fprintf(f, "\n"
		"  --workload W    echo, bulk, short, both, or 'all' = seed %% 3, or seed %% 4\n"
		"                  (with both) where --workers or --spread is given (default all)\n"
		"  --workers N     workers per stack, 1..%u (default 1); NxM: N for A, M for B\n"
		"  --spread M      how devices spread received frames over the queues: queue0\n"
		"                  (default), rss (Tern's hash: nothing steered), flow (another\n"
		"                  consistent hash), random (per frame)\n"
		"  --queues Q      queue pairs per device, 0 (one per worker) or more than\n"
		"                  the workers ([port] queues; at most %u)\n"
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
		"  --fault SPEC    change the profile's faults (both ways): drop=P,burst=N,dup=P,\n"
		"                  reorder=P,reorder_us=U,delay=U,jitter=U,rate=BPS,queue=N,corrupt=P\n"
		"  --jobs N        split each profile's seeds over N processes (default 1)\n"
		"  --list          list the profiles\n", SIM_WORKERS_MAX, SIM_QUEUES_MAX);
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
		{ "fault", required_argument, NULL, 'f' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "workers", required_argument, NULL, 'W' },
		{ "spread", required_argument, NULL, 'S' },
		{ "queues", required_argument, NULL, 'Q' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = "all", *pcap = NULL, *pcap_dir = ".";
	char *fault = NULL;
	uint64_t first = 1, n = 1;
	unsigned int detail = 3, jobs = 1;
	int wl = -1, opt;
	struct sim_opts o;
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
		case 'f': fault = optarg; break;
		case 'j': jobs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'W':
			if (sim_workers_parse(optarg, &o) != 0) {
				fprintf(stderr, "tern-sim: --workers N or NxM, 1..%u\n",
						SIM_WORKERS_MAX);
				return 2;
			}
			o.n_workloads = SIM_WL_N;
			break;
		case 'Q':
			o.queues = (unsigned int)strtoul(optarg, NULL, 0);
			if (o.queues > SIM_QUEUES_MAX) {
				fprintf(stderr, "tern-sim: --queues 0..%u\n", SIM_QUEUES_MAX);
				return 2;
			}
			break;
		case 'S': {
			int sp = sim_spread_parse(optarg);

			if (sp < 0) {
				fprintf(stderr, "tern-sim: unknown spread %s\n", optarg);
				return 2;
			}
			o.spread = (enum tern_sim_spread)sp;
			o.n_workloads = SIM_WL_N;
			break;
		}
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
	if (n == 1 && strcmp(profile, "all") != 0) {
		/* one seed: the reproduction case */
		struct sim_profile custom = *sim_profile_find(profile);
		const struct sim_profile *p = &custom;
		int w = wl >= 0 ? wl : sim_workload_of_seed(first, o.n_workloads);
		struct sim_result r;
		char wks[16];

		if (fault != NULL && parse_fault(fault, &custom.f) != 0) {
			fprintf(stderr, "tern-sim: bad --fault %s\n", fault);
			return 2;
		}
		o.pcap = pcap;
		o.report = true;
		sim_eal_init();
		sim_scenario_run(p, w, first, &o, &r);
		printf("%s %s/%s seed %" PRIu64 " cc %s%s, %s workers, %s: %.3f virtual s, %"
				PRIu64 " bytes checked, %u connections, %" PRIu64 " iterations\n",
				r.ok ? "ok" : "FAIL", p->name, sim_workload_name(w), first, r.cc,
				w == SIM_WL_BULK ? (r.bulk_dir ? " B>A" : " A>B") : "",
				sim_workers_str(&o, wks, sizeof(wks)),
				sim_spread_name(o.spread), (double)r.vtime_us / 1e6, r.bytes_checked,
				r.conns, r.iterations);
		for (int d = 0; d < 2; d++)
			printf("  link %s: sent %" PRIu64 " delivered %" PRIu64 " dropped %" PRIu64
					" queue_drops %" PRIu64 " dup %" PRIu64 " reordered %" PRIu64
					" corrupted %" PRIu64 "\n", d == 0 ? "A>B" : "B>A", r.ls[d].sent,
					r.ls[d].delivered, r.ls[d].dropped, r.ls[d].queue_drops,
					r.ls[d].duplicated, r.ls[d].reordered, r.ls[d].corrupted);
		for (int d = 0; d < 2; d++)
			printf("  stack %c: segs %" PRIu64 " data %" PRIu64 " rexmt %" PRIu64
					" (rto %" PRIu64 ", fast %" PRIu64 ") ooo %" PRIu64 " (dropped %"
					PRIu64 ") dup %" PRIu64 " cksum drops %" PRIu64 "/%" PRIu64 "\n",
					'A' + d,
					r.st[d].tcp_tx_segs, r.st[d].tcp_tx_data_segs, r.st[d].tcp_rexmt_segs,
					r.st[d].tcp_rexmt_timeout, r.st[d].tcp_fast_rexmt,
					r.st[d].tcp_rx_ooo_segs, r.st[d].tcp_drop_ooo_full,
					r.st[d].tcp_rx_dup_segs,
					r.st[d].ip_drop_cksum, r.st[d].tcp_drop_cksum);
		for (int d = 0; d < 2; d++)
			printf("  stack %c: steer_tx %" PRIu64 " steer_rx %" PRIu64 " steer_drop_full %"
					PRIu64 " rst_sent %" PRIu64 " drop_no_conn %" PRIu64 "\n", 'A' + d,
					r.st[d].steer_tx, r.st[d].steer_rx, r.st[d].steer_drop_full,
					r.st[d].tcp_rst_sent, r.st[d].tcp_drop_no_conn);
		if (!r.ok)
			printf("  %s\n", r.why);
		rte_eal_cleanup();
		return r.ok ? 0 : 1;
	}

	sim_matrix_print_header(stdout);
	fflush(stdout);
	for (unsigned int i = 0; i < sim_n_profiles; i++) {
		struct sim_profile custom = sim_profiles[i];
		struct sim_matrix_totals t, sum;
		uint64_t chunk = (n + jobs - 1) / jobs;
		FILE *out[jobs];
		unsigned int k, started = 0;

		if (strcmp(profile, "all") != 0 && strcmp(profile, custom.name) != 0)
			continue;
		if (fault != NULL) {
			char spec[256];

			snprintf(spec, sizeof(spec), "%s", fault);
			if (parse_fault(spec, &custom.f) != 0) {
				fprintf(stderr, "tern-sim: bad --fault %s\n", fault);
				return 2;
			}
		}
		if (jobs <= 1) {
			sim_eal_init();
			sim_matrix_run(&custom, wl, first, n, &o, pcap_dir, detail, &t);
			sim_matrix_print_line(stdout, custom.name, &t);
			failures += t.failures;
			continue;
		}
		/* the seeds split over `jobs` processes, each with its own EAL;
		 * their totals come back through temporary files */
		for (k = 0; k < jobs && k * chunk < n; k++) {
			pid_t pid;

			out[k] = tmpfile();
			if (out[k] == NULL) {
				perror("tern-sim: tmpfile");
				return 2;
			}
			pid = fork();
			if (pid < 0) {
				perror("tern-sim: fork");
				return 2;
			}
			if (pid == 0) {
				sim_eal_init();
				sim_matrix_run(&custom, wl, first + k * chunk,
						RTE_MIN(chunk, n - k * chunk), &o, pcap_dir, detail, &t);
				fwrite(&t, sizeof(t), 1, out[k]);
				fclose(out[k]);
				rte_eal_cleanup();
				_exit(0);
			}
			started++;
		}
		for (k = 0; k < started; k++) {
			int st;

			if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				failures++;
		}
		memset(&sum, 0, sizeof(sum));
		for (k = 0; k < started; k++) {
			rewind(out[k]);
			if (fread(&t, sizeof(t), 1, out[k]) != 1) {
				fprintf(stderr, "tern-sim: a %s worker died\n", custom.name);
				failures++;
				fclose(out[k]);
				continue;
			}
			fclose(out[k]);
			sum.seeds += t.seeds;
			sum.failures += t.failures;
			sum.bytes += t.bytes;
			sum.vtime_us += t.vtime_us;
			sum.iterations += t.iterations;
			sum.conns += t.conns;
			for (int w = 0; w < SIM_WL_N; w++)
				sum.per_wl[w] += t.per_wl[w];
			sum.ls.sent += t.ls.sent;
			sum.ls.delivered += t.ls.delivered;
			sum.ls.dropped += t.ls.dropped;
			sum.ls.queue_drops += t.ls.queue_drops;
			sum.ls.duplicated += t.ls.duplicated;
			sum.ls.reordered += t.ls.reordered;
			sum.ls.corrupted += t.ls.corrupted;
			sum.ls.rx_full += t.ls.rx_full;
			sum.rexmt_segs += t.rexmt_segs;
			sum.fast_rexmt += t.fast_rexmt;
			sum.rto += t.rto;
			sum.late_rst += t.late_rst;
			sum.steer_tx += t.steer_tx;
			sum.cpu_s += t.cpu_s;
		}
		sim_matrix_print_line(stdout, custom.name, &sum);
		failures += sum.failures;
	}
	if (jobs <= 1)
		rte_eal_cleanup();
	return failures == 0 ? 0 : 1;
}
