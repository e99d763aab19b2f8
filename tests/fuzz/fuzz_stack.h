/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_STACK_H
#define FUZZ_STACK_H

/*
 * What the libFuzzer targets share: a fresh one-worker stack per input over
 * the recording sim netdev (drivers/sim) with a virtual clock, the peer at
 * TH_PEER_IP/TH_PEER_MAC of the unit harness, frames built and read with
 * tests/unit/net_frames.c, and the end-of-input checks. Nothing here uses
 * libcheck's asserts: a broken expectation is fz_fail(), an abort() that
 * libFuzzer reports as a crash with the input that caused it.
 *
 * The input is read through struct fz_in: each read takes bytes from the
 * front and yields zeros once it runs out, so every input decodes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_frames.h"
#include "tern.h"

#define FZ_PEER_IP   NF_IP(10, 77, 0, 1)
#define FZ_PEER_MAC  NF_MAC(0x01)
#define FZ_LPORT     8080

/** The fuzzer's bytes, read front to back. */
struct fz_in {
	const uint8_t *p;
	size_t left;
};

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
/** Up to @p max bytes into @p dst; @return how many (fewer once the input ends). */
size_t fz_bytes(struct fz_in *in, uint8_t *dst, size_t max);

/* bits of the configuration byte every target reads first (fz_up) */
#define FZ_CFG_NO_TS     0x01u  /**< timestamps off */
#define FZ_CFG_NO_SACK   0x02u
#define FZ_CFG_NO_WSCALE 0x04u
#define FZ_CFG_CUBIC     0x08u
#define FZ_CFG_COOKIES   0x30u  /**< two bits: TERN_SYNCOOKIES_* (0-2), or FZ_CFG_TSO_DEV */
/** both cookie bits: cookies auto, over a device that takes chains by
 * reference and cuts TSO frames (as a NIC would, tern_sim_set_offloads) */
#define FZ_CFG_TSO_DEV   0x30u
#define FZ_CFG_KEEPALIVE 0x40u
#define FZ_CFG_TINY_BUF  0x80u  /**< 4 KiB send and receive buffers */

/** One target's stack. */
struct fz_stack {
	struct nf_stack ns;
	unsigned int unit_free;         /**< unit_pool() count before the input */
};

/** Start EAL once, with a file prefix of this target and process. */
void fz_init(const char *target);

/**
 * A fresh stack with the config @p cfg_bits (FZ_CFG_*), booted (the
 * gratuitous ARP dropped), the peer resolved when @p learn_peer, and
 * listening on FZ_LPORT with @p on_accept.
 */
void fz_up(struct fz_stack *f, uint8_t cfg_bits, bool learn_peer, tern_accept_fn *on_accept,
		void *arg);

/** Poll at the current virtual time. */
void fz_poll(struct fz_stack *f);

/** Advance the clock by @p us, then poll. */
void fz_advance(struct fz_stack *f, uint64_t us);

/** Inject @p len bytes as one frame (dropped quietly if the receive queue is full). */
void fz_inject(struct fz_stack *f, const uint8_t *frame, size_t len);

/* fz_fixup() bits: what to make right in a fuzzer-made frame */
#define FZ_FIX_IP_CKSUM  0x01u
#define FZ_FIX_L4_CKSUM  0x02u
#define FZ_FIX_ADDRS     0x04u  /**< Ethernet and IP addresses: from the peer to us */

/** Our IPv6 address in every fuzzed stack (2001:db8::2/64). */
extern const uint8_t fz_our_ip6[16];

/** Patch a frame so it gets past the checks the fuzzer should not spend time on. */
void fz_fixup(uint8_t *frame, size_t len, unsigned int fix);

/** Assert every engine invariant of the worker (tcp_check.c). */
void fz_check(struct fz_stack *f);

/**
 * End of the input: stop listening, poll, let pending ARP resolutions
 * give up (a few virtual seconds), drain, then check the worker
 * counted every frame once, its pool is full again, no connection is left
 * but TIME_WAIT records, free the stack and check unit_pool() is back.
 * The caller aborts its connections first.
 */
void fz_down(struct fz_stack *f);

/** Report @p fmt and abort (libFuzzer keeps the input). */
__attribute__((noreturn, format(printf, 1, 2)))
void fz_fail(const char *fmt, ...);

#endif
