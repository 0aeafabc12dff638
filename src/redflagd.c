/* SPDX-License-Identifier: MIT */
/* redflagd: main() only wires things (see daemon.c and jobs.c). */
#include <getopt.h>

#include "log.h"

int main(int argc, char **argv)
{
        (void) argc;
        (void) argv;
        return EXIT_SUCCESS;
}
