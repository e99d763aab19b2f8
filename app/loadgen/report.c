/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-loadgen: counters, the live line each second, the summary. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bridge.h"
#include "loadgen.h"

/* @dst += @src, field by field (struct lg_stats is all uint64_t). */
void
lg_stats_add(struct lg_stats *dst, const struct lg_stats *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *v = (const uint64_t *)src;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += v[i];
}

/* The bulk figure: bytes downloaded, or with --upload bytes the server took. */
static uint64_t
lg_payload_bytes(const struct lg_stats *s)
{
	return lg.opts.upload ? s->bytes_up : s->bytes_rx;
}

void
lg_report_line(uint64_t now)
{
	struct lg_stats sum = { 0 }, last = { 0 };
	struct tern_stats ts;
	uint32_t open = 0;
	double dt;

	for (unsigned int i = 0; i < lg.nlw; i++) {
		lg_stats_add(&sum, &lg.lws[i].st);
		lg_stats_add(&last, &lg.lws[i].last);
		open += lg.lws[i].open;
		lg.lws[i].last = lg.lws[i].st;
	}
	dt = (now - lg.lws[0].last_us) / 1e6;
	lg.lws[0].last_us = now;
	if (lg.opts.quiet || dt <= 0)
		return;
	/* the stack's own view of trouble: resends and resets, so far */
	tern_stack_stats(lg.stack, &ts);
	fprintf(stderr, "tern-loadgen: %5.1fs req/s %.0f conn/s %.0f Gbit/s %.3f syn/s %.0f"
			" errors %" PRIu64 " open %u rexmt %" PRIu64 " rst in %" PRIu64 " out %"
			PRIu64 "\n", (now - lg.lws[0].start_us) / 1e6,
			(sum.requests - last.requests) / dt, (sum.conns_done - last.conns_done) / dt,
			(lg_payload_bytes(&sum) - lg_payload_bytes(&last)) * 8 / dt / 1e9,
			(sum.syn_sent - last.syn_sent) / dt,
			sum.errors, open, ts.tcp_rexmt_segs, ts.tcp_rst_rcvd, ts.tcp_rst_sent);
}

/* @lw's polls_busy_us (worker 0 reads the others' at the run's start and end). */
uint64_t
lg_busy_us(const struct lg_worker *lw)
{
	return __atomic_load_n(&tern_worker_stats(lw->w)->polls_busy_us, __ATOMIC_RELAXED);
}

/* @lw's time on frames since its run started (0 if it has not started). */
uint64_t
lg_busy_since_start(const struct lg_worker *lw)
{
	uint64_t now = lg_busy_us(lw);

	return lw->start_us != 0 && now > lw->busy0_us ? now - lw->busy0_us : 0;
}

/*
 * The share of the measured run the workers spent on frames (their
 * polls_busy_us over the run, all workers together): near 100, tern-loadgen
 * itself may be what limits the figures. Iterations that received nothing
 * count as idle even when the hook worked in them (opening connections,
 * --delay-ms sends), so light, timer-driven runs read low.
 */
static double
lg_busy_pct(double secs)
{
	uint64_t busy = 0;

	for (unsigned int i = 0; i < lg.nlw; i++)
		busy += lg.phase >= PH_DRAIN ? lg.lws[i].busy_run_us : lg_busy_since_start(&lg.lws[i]);
	return 100.0 * (double)busy / (secs * 1e6 * lg.nlw);
}

void
print_summary(double secs)
{
	struct lg_stats s = { 0 };
	struct tern_stats ts;
	struct lg_bridge_stats br;
	struct hdr_hist *lat = calloc(1, sizeof(*lat));

	struct lg_stats end = { 0 };
	uint32_t left_open = 0;
	char per_worker[4096] = "";

	if (lat == NULL)
		return;
	lg_bridge_stats(&br);
	hdr_init(lat);
	for (unsigned int i = 0; i < lg.nlw; i++) {
		lg_stats_add(&end, &lg.lws[i].st);
		hdr_merge(lat, &lg.lws[i].lat);
		left_open += lg.lws[i].left_open;
	}
	/* the measured figures stop where the drain began; errors count to the end */
	s = lg.phase < PH_DRAIN ? end : lg.frozen;
	s.errors = end.errors;
	if (secs <= 0)
		secs = 1e-9;
	tern_stack_stats(lg.stack, &ts);
	if (lg.phase >= PH_DRAIN) {
		ts.tx_frames = lg.frozen_frames_tx;
		ts.rx_frames = lg.frozen_frames_rx;
	}
	for (unsigned int i = 0, off = 0; i < lg.nlw && off < sizeof(per_worker); i++)
		off += (unsigned int)snprintf(per_worker + off, sizeof(per_worker) - off,
				"%s{\"conns_opened\": %" PRIu64 ", \"conns_done\": %" PRIu64
				", \"requests\": %" PRIu64 "}", i != 0 ? ", " : "",
				lg.lws[i].st.conns_opened, lg.lws[i].st.conns_done, lg.lws[i].st.requests);
	if (lg.opts.json) {
		printf("{\"seconds\": %.3f, \"requests\": %" PRIu64 ", \"requests_per_s\": %.1f, "
			"\"conns_opened\": %" PRIu64 ", \"conns_done\": %" PRIu64 ", \"conns_per_s\": %.1f, "
			"\"conns_failed\": %" PRIu64 ", \"conns_reset\": %" PRIu64 ", "
			"\"bytes_rx\": %" PRIu64 ", \"gbit_per_s\": %.4f, \"errors\": %" PRIu64 ", "
			"\"non2xx\": %" PRIu64 ", \"syn_sent\": %" PRIu64 ", \"syn_per_s\": %.1f, "
			"\"frames_tx_per_s\": %.1f, \"frames_rx_per_s\": %.1f, "
			"\"conns_closed_in_drain\": %" PRIu64 ", \"left_open\": %" PRIu32 ", "
			"\"idle_held\": %" PRIu64 ", \"idle_setup_s\": %.3f, \"busy_pct\": %.1f, "
			"\"retransmits\": %" PRIu64 ", \"rst_rcvd\": %" PRIu64 ", "
			"\"rst_sent\": %" PRIu64 ", "
			"\"bridge_rx\": %" PRIu64 ", \"bridge_tx\": %" PRIu64 ", "
			"\"bridge_dropped\": %" PRIu64 ", "
			"\"workers\": [%s], "
			"\"lat_us\": {\"p50\": %" PRIu64 ", \"p90\": %" PRIu64 ", \"p99\": %" PRIu64
			", \"p999\": %" PRIu64 ", \"max\": %" PRIu64 "}}\n",
			secs, s.requests, s.requests / secs, s.conns_opened, s.conns_done,
			s.conns_done / secs, end.conns_failed, end.conns_reset, s.bytes_rx,
			lg_payload_bytes(&s) * 8 / secs / 1e9, s.errors, s.non2xx,
			s.syn_sent, s.syn_sent / secs, ts.tx_frames / secs, ts.rx_frames / secs,
			end.conns_done - s.conns_done, left_open, lg.idle_held, lg.idle_setup_us / 1e6,
			lg_busy_pct(secs), ts.tcp_rexmt_segs, ts.tcp_rst_rcvd, ts.tcp_rst_sent,
			br.rx, br.tx, br.dropped, per_worker,
			hdr_percentile(lat, 50), hdr_percentile(lat, 90),
			hdr_percentile(lat, 99), hdr_percentile(lat, 99.9), lat->total ? lat->max : 0);
	} else {
		printf("tern-loadgen: %.2f s, %" PRIu64 " requests (%.0f/s), %" PRIu64
			" connections done (%.0f/s), %.3f Gbit/s %s, %" PRIu64 " errors, %" PRIu64
			" non-2xx, %" PRIu64 " SYNs sent (%.0f/s)\n", secs, s.requests, s.requests / secs,
			s.conns_done, s.conns_done / secs, lg_payload_bytes(&s) * 8 / secs / 1e9,
			lg.opts.upload ? "uploaded" : "received", s.errors,
			s.non2xx, s.syn_sent, s.syn_sent / secs);
		printf("tern-loadgen: connections: %" PRIu64 " opened, %" PRIu64 " failed to open, %"
			PRIu64 " reset, %" PRIu32 " left open after the drain\n", end.conns_opened,
			end.conns_failed, end.conns_reset, left_open);
		printf("tern-loadgen: segments retransmitted %" PRIu64 ", RSTs received %" PRIu64
			" (ending a connection), sent %" PRIu64 "\n", ts.tcp_rexmt_segs,
			ts.tcp_rst_rcvd, ts.tcp_rst_sent);
		printf("tern-loadgen: latency us p50 %" PRIu64 " p90 %" PRIu64 " p99 %" PRIu64
			" p99.9 %" PRIu64 " max %" PRIu64 "\n", hdr_percentile(lat, 50),
			hdr_percentile(lat, 90), hdr_percentile(lat, 99), hdr_percentile(lat, 99.9),
			lat->total ? lat->max : 0);
		if (lg.opts.bridge != NULL)
			printf("tern-loadgen: bridge: %" PRIu64 " frames received, %" PRIu64
				" sent on, %" PRIu64 " dropped\n", br.rx, br.tx, br.dropped);
	}
	free(lat);
}
