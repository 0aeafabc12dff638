/* SPDX-License-Identifier: MIT */
#pragma once

/* Start-up shared by redflagd and redflag (config, privileges, store,
 * lexicon: each logs its own failure once) and the long-running loop
 * (sd-event): a timer for the pass, IMAP IDLE watches on `idle_folders`
 * (new mail triggers a sync of that account), sd_notify READY / STATUS /
 * WATCHDOG / RELOADING / STOPPING, SIGHUP reload (a failed reload keeps the previous
 * configuration), SIGTERM finishes the pass and exits. */

#include <stdbool.h>

#include "conf.h"
#include "lexicon.h"
#include "store.h"

#define DEFAULT_CONFIG_PATH SYSCONFDIR "/redflagd/redflagd.conf"

/* Loads and validates the config; prints every problem as FILE:LINE: message
 * on stderr. Returns 0 or a negative errno (-EINVAL when it has errors). */
int daemon_load_config(const char *path, struct conf **ret);
/* Started as root: switch to [daemon] user (before opening anything else),
 * or warn when none is set. */
int daemon_drop_privileges(const struct conf *c);
/* Opens (creating) the database, making its directory if needed. */
int daemon_open_store(const struct conf *c, bool readonly, struct store **ret);
/* Loads the lexicons; bad lines are logged as warnings and skipped. c may be NULL. */
int daemon_load_lexicon(const struct conf *c, struct lexicon **ret);

/* Runs until SIGTERM/SIGINT. Returns the exit status. */
int daemon_run(const char *config_path);
