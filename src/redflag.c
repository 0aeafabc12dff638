/* SPDX-License-Identifier: MIT */
/* redflag: the owner's tool; main() only dispatches to cmd.c. */
#include "cmd.h"
#include "log.h"

int main(int argc, char **argv)
{
        (void) argc;
        (void) argv;
        return EXIT_SUCCESS;
}
