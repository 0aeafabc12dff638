/* SPDX-License-Identifier: MIT */
#pragma once

/* The long-running loop (sd-event): timers for the pass, sd_notify READY /
 * STATUS / WATCHDOG / RELOADING / STOPPING, SIGHUP reload (a failed reload
 * keeps the old configuration), SIGTERM finishes the pass and exits. */

/* Takes ownership of nothing; loads the config from path itself so that
 * SIGHUP can reload it. Returns the exit status. */
int daemon_run(const char *config_path);
