/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KCPS_COMMON_H
#define KCPS_COMMON_H

/* What the kernel baseline's client and server share. */

#include <sched.h>
#include <stdio.h>

/** Run the calling thread on @p cpu only (the baseline gets one core per side, like synfin). */
static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		perror("sched_setaffinity");
}

#endif /* KCPS_COMMON_H */
