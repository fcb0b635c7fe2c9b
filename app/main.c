/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_eal.h>

int main(int argc, char **argv)
{
	if (rte_eal_init(argc, argv) < 0)
		return 1;
	return rte_eal_cleanup();
}
