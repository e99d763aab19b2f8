/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-loadgen, echo mode: the streams' pattern, sending and checking. */
#include <string.h>

#include <rte_mbuf.h>

#include "loadgen.h"

/*
 * The echo streams: byte OFF of connection ID's stream is
 * pattern_byte((OFF + ID * ECHO_STRIDE) mod ECHO_PERIOD), read from a table
 * holding two periods, so that a run of up to one period is contiguous: sent
 * with tern_send straight from the table and checked with memcmp, not made
 * and compared a byte at a time. The stride (odd) sets connections apart.
 */
#define ECHO_PERIOD 65536u
#define ECHO_STRIDE 4099u
static uint8_t echo_pattern[2 * ECHO_PERIOD];

void
echo_pattern_fill(void)
{
	for (uint32_t i = 0; i < 2 * ECHO_PERIOD; i++)
		echo_pattern[i] = pattern_byte(i % ECHO_PERIOD);
}

/* Where connection @id's stream byte @off starts a contiguous run (<= ECHO_PERIOD). */
static inline const uint8_t *
echo_run(uint32_t id, uint64_t off)
{
	return &echo_pattern[(off + (uint64_t)id * ECHO_STRIDE) % ECHO_PERIOD];
}

/* Queue one echo message of @lc: in the spare buffer if it fits, else copied. */
bool
lg_echo_send(struct lg_conn *lc)
{
	struct rte_mbuf *m = lc->lw->spare;
	uint32_t left = lg.opts.size;

	/* (a buffer's room, under 64 KiB, is less than one pattern period) */
	if (m != NULL && lg.opts.size + RTE_PKTMBUF_HEADROOM <= m->buf_len) {
		lc->lw->spare = NULL;
		rte_pktmbuf_reset(m);
		memcpy(rte_pktmbuf_append(m, (uint16_t)lg.opts.size), echo_run(lc->id, lc->tx_off),
				lg.opts.size);
		if (tern_send_mbuf(lc->c, m) != (int)lg.opts.size)
			return false;
		lc->tx_off += lg.opts.size;
		return true;
	}
	while (left != 0) {
		uint32_t k = RTE_MIN(left, ECHO_PERIOD);

		if (tern_send(lc->c, echo_run(lc->id, lc->tx_off), k) != (int)k)
			return false;
		lc->tx_off += k;
		left -= k;
	}
	return true;
}

/* Check echoed bytes against the pattern, a message at a time (no division
 * per byte: this loop bounds how fast the echo benchmark can go). */
bool
lg_echo_input(struct lg_conn *lc, const uint8_t *p, uint32_t n)
{
	while (n != 0) {
		uint32_t to_end = lg.opts.size - lc->rx_msg_off;
		uint32_t k = RTE_MIN(RTE_MIN(n, to_end), ECHO_PERIOD);

		if (memcmp(p, echo_run(lc->id, lc->rx_off), k) != 0)
			return false;
		lc->rx_off += k;
		lc->rx_msg_off += k;
		p += k;
		n -= k;
		if (k == to_end) {
			lc->rx_msg_off = 0;
			lg_complete(lc, true);
			lg_send_more(lc);
			lg_close_if_drained(lc);
		}
	}
	return true;
}
