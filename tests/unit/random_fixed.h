/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RANDOM_FIXED_H
#define RANDOM_FIXED_H

/*
 * A stack draws its secrets (ISNs, cookies, table hashes) with getrandom()
 * (tern_secret_fill). A test binary that links random_fixed.c defines
 * getrandom() in place of the C library's: between random_fixed_on() and
 * random_fixed_off() it answers from a fixed sequence (splitmix64 from the
 * given state), so the stacks made then replay exactly (with a virtual clock
 * from REPLAY_T0_US); otherwise it is the system call.
 */

#include <stdint.h>

/**
 * Where a replayed run's virtual clock starts, in µs: past any clock that
 * counts from the machine's boot (tern_clock_us), so a run's times are its
 * own; the simulator and the fuzz targets begin there, ISNs follow it.
 */
#define REPLAY_T0_US 1000000000000000ull

/** From now on getrandom() answers from the sequence that @p state starts. */
void random_fixed_on(uint64_t state);

/** From now on getrandom() is the system call again. */
void random_fixed_off(void);

#endif
