/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_frame: one frame into a worker that listens on FZ_LPORT.
 *
 * Input: byte 0 says what to make right in the frame (FZ_FIX_* in its low
 * bits, so the fuzzer spends its time past the checksums when it wants to;
 * 0x08: the peer is resolved by ARP first), byte 1 is the configuration
 * (FZ_CFG_*), the rest is the frame, Ethernet header first. The stack takes
 * it in one poll, then its timers run for three seconds (a SYN-ACK resent,
 * an ARP request given up); the engine's invariants are checked after each
 * poll and the pools and counters at the end (fuzz_stack.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_stack.h"

#define FF_LEARN 0x08u

static int
ff_accept(struct tern_conn *c __rte_unused, void *arg __rte_unused)
{
	/* one frame never completes a handshake (a SYN cookie would need a
	 * guess of 32 bits): should one, the stack resets it */
	return -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc __rte_unused, char ***argv __rte_unused)
{
	fz_init("frame");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t frame[NF_FRAME_MAX];
	struct fz_stack f;
	uint8_t fix = fz_u8(&in), cfg = fz_u8(&in);
	size_t len = fz_bytes(&in, frame, sizeof(frame));

	fz_up(&f, cfg, fix & FF_LEARN, ff_accept, NULL);
	fz_fixup(frame, len, fix);
	fz_inject(&f, frame, len);
	fz_poll(&f);
	fz_check(&f);
	for (int i = 0; i < 3; i++) {
		fz_advance(&f, 1000000);
		fz_check(&f);
	}
	fz_down(&f);
	return 0;
}
