/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a steered frame costs: the CPU time a TCP frame takes when it arrives
 * on another worker's queue and is passed to its owner, against the same
 * frame arriving on the owner's own queue. Two workers of one stack over a
 * two-queue sim device, each on its own lcore (EAL -l 0-1 or any two):
 *
 *   direct   the owner (worker 1) receives the frames on its own queue;
 *   steered  worker 0 receives them, hashes them (net_flow.h) and passes
 *            them to worker 1's ring, while worker 1 takes them from it.
 *
 * The frames are RSTs for a closed port (TCP reads and drops them: the least
 * TCP work there is, so what differs is the steering). Each side's busy
 * cycles are counted around tern_worker_poll() only (not the injection);
 * rounds of both modes alternate and the medians are printed as one JSON
 * line: ns per frame of the owner direct, of worker 0 and worker 1 steered,
 * and the extra CPU time per steered frame (both steered sides, less direct):
 * parsing on the receiving core, the hash, the ring, the frame's lines
 * crossing cores, its buffer freed on another core than it came from.
 *
 *   bench_steer [EAL args] -- [--rounds N] [--frames N]
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net_flow.h"
#include "tern.h"
#include "tern_sim.h"

#define BURST 32
#define IN_FLIGHT_MAX 2048         /* steered, not yet taken: below the ring's size */

static const rte_be32_t our_ip = RTE_BE32(0x0a4d0002);   /* 10.77.0.2 */
static const rte_be32_t peer_ip = RTE_BE32(0x0a4d0001);  /* 10.77.0.1 */
static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };

static struct tern_stack *stack;
static struct tern_netdev *dev;
static struct rte_mempool *frames_pool;
static uint8_t frame[64];
static size_t frame_len;

/* What one lcore does in a round. */
struct job {
	struct tern_worker *w;
	uint16_t queue;                /* inject on it (UINT16_MAX: only take) */
	uint64_t frames;               /* to inject, or to take from the ring */
	uint64_t cycles;               /* inside tern_worker_poll, while it had frames */
};

/* A RST from the peer to closed port 9 from @pport. */
static void
frame_build(uint16_t pport)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	memset(frame, 0, sizeof(frame));
	eh->dst_addr = our_mac;
	eh->src_addr = peer_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = peer_ip;
	ip->dst_addr = our_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = rte_cpu_to_be_16(pport);
	th->dst_port = rte_cpu_to_be_16(9);
	th->sent_seq = rte_cpu_to_be_32(1);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_RST_FLAG;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	frame_len = sizeof(*eh) + sizeof(*ip) + sizeof(*th);
}

static void
inject_burst(uint16_t queue)
{
	struct rte_mbuf *m[BURST];

	if (rte_pktmbuf_alloc_bulk(frames_pool, m, BURST) != 0) {
		fprintf(stderr, "bench_steer: frame pool empty\n");
		exit(1);
	}
	for (unsigned int i = 0; i < BURST; i++) {
		memcpy(rte_pktmbuf_append(m[i], (uint16_t)frame_len), frame, frame_len);
		if (tern_sim_inject(dev, queue, m[i]) != 0) {
			fprintf(stderr, "bench_steer: sim queue full\n");
			exit(1);
		}
	}
}

static uint64_t
counter(unsigned int worker, size_t offset)
{
	const struct tern_stats *st = tern_worker_stats(tern_stack_worker(stack, worker));

	return __atomic_load_n((const uint64_t *)((const char *)st + offset), __ATOMIC_ACQUIRE);
}

#define STEER_TX(w) counter((w), offsetof(struct tern_stats, steer_tx))
#define STEER_RX(w) counter((w), offsetof(struct tern_stats, steer_rx))

/* Inject j->frames on j->queue a burst at a time, polling after each. */
static int
job_inject(void *arg)
{
	struct job *j = arg;
	uint64_t now = tern_clock_us();

	for (uint64_t sent = 0; sent < j->frames; sent += BURST) {
		uint64_t t0;

		/* steering: keep what waits in the owner's ring below its size */
		while (j->queue == 0 && STEER_TX(0) - STEER_RX(1) > IN_FLIGHT_MAX)
			rte_pause();
		inject_burst(j->queue);
		t0 = rte_rdtsc();
		tern_worker_poll(j->w, now);
		j->cycles += rte_rdtsc() - t0;
	}
	return 0;
}

/* Poll, a burst at a time, until j->frames more came through the steering ring. */
static int
job_take(void *arg)
{
	struct job *j = arg;
	uint64_t now = tern_clock_us(), want = STEER_RX(1) + j->frames;

	while (STEER_RX(1) < want) {
		uint64_t before = STEER_RX(1), t0;

		/* take a full burst, as the owner would from its own queue */
		while (STEER_TX(0) - before < BURST && before + BURST <= want)
			rte_pause();
		t0 = rte_rdtsc();

		tern_worker_poll(j->w, now);
		if (STEER_RX(1) != before)
			j->cycles += rte_rdtsc() - t0;
	}
	return 0;
}

static double
ns_per_frame(uint64_t cycles, uint64_t frames)
{
	return (double)cycles * 1e9 / (double)rte_get_tsc_hz() / (double)frames;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	unsigned int rounds = 7, owner_lcore;
	uint64_t frames = 1 << 20;
	struct tern_config cfg;
	static struct net_flow_map fm;
	double direct[64], w0[64], w1[64], extra[64];
	uint16_t pport;
	int n = rte_eal_init(argc, argv), c;

	if (n < 0) {
		fprintf(stderr, "bench_steer: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	while ((c = getopt(argc, argv, "r:f:")) != -1) {
		if (c == 'r')
			rounds = (unsigned int)RTE_MIN(strtoul(optarg, NULL, 10), 63ul);
		else if (c == 'f')
			frames = strtoull(optarg, NULL, 10);
		else
			return 2;
	}
	if (rte_lcore_count() < 2 || rounds == 0 || frames < BURST) {
		fprintf(stderr, "usage: bench_steer -l A,B [EAL args] -- [-r rounds] [-f frames]\n");
		return 2;
	}
	frames -= frames % BURST;
	tern_config_defaults(&cfg);
	snprintf(cfg.port_device, sizeof(cfg.port_device), "steer0");
	cfg.ip_addr = our_ip;
	cfg.ip_netmask = RTE_BE32(0xffffff00);
	cfg.mbufs = 4095;
	cfg.mbuf_cache = 64;
	cfg.tcp_max_conns = 1024;
	cfg.tcp_max_time_wait = 1024;
	dev = tern_sim_create("steer0", &our_mac, 1500, 2);
	stack = dev != NULL ? tern_stack_create(&cfg, dev, 2) : NULL;
	frames_pool = rte_pktmbuf_pool_create("steer_frames", 8191, 256, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (stack == NULL || frames_pool == NULL) {
		fprintf(stderr, "bench_steer: setup: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	/* frames worker 1 owns, by the function the stack follows */
	net_flow_map_init(&fm, tern_rss_key, 2, 0);
	for (pport = 1024; net_flow_owner(&fm, peer_ip, our_ip, rte_cpu_to_be_16(pport),
			rte_cpu_to_be_16(9)) != 1; pport++)
		;
	frame_build(pport);
	owner_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	for (unsigned int r = 0; r < rounds; r++) {
		struct job d = { .w = tern_stack_worker(stack, 1), .queue = 1, .frames = frames };
		struct job s0 = { .w = tern_stack_worker(stack, 0), .queue = 0, .frames = frames };
		struct job s1 = { .w = tern_stack_worker(stack, 1), .frames = frames };

		/* the owner alone, its frames on its own queue */
		rte_eal_remote_launch(job_inject, &d, owner_lcore);
		rte_eal_wait_lcore(owner_lcore);
		/* the same frames arriving on worker 0's queue */
		rte_eal_remote_launch(job_take, &s1, owner_lcore);
		job_inject(&s0);
		rte_eal_wait_lcore(owner_lcore);
		direct[r] = ns_per_frame(d.cycles, frames);
		w0[r] = ns_per_frame(s0.cycles, frames);
		w1[r] = ns_per_frame(s1.cycles, frames);
		extra[r] = w0[r] + w1[r] - direct[r];
		fprintf(stderr, "round %u: direct %.1f ns, steered %.1f + %.1f ns per frame\n", r,
				direct[r], w0[r], w1[r]);
	}
	printf("{\"frames_per_round\": %" PRIu64 ", \"rounds\": %u, \"direct_ns\": %.1f, "
			"\"steered_receiver_ns\": %.1f, \"steered_owner_ns\": %.1f, "
			"\"extra_ns_per_steered_frame\": %.1f, \"steer_drop_full\": %" PRIu64 "}\n",
			frames, rounds, median(direct, rounds), median(w0, rounds), median(w1, rounds),
			median(extra, rounds),
			counter(0, offsetof(struct tern_stats, steer_drop_full)));
	tern_stack_free(stack);
	rte_mempool_free(frames_pool);
	rte_eal_cleanup();
	return 0;
}
