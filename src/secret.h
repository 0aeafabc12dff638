/* SPDX-License-Identifier: MIT */
#pragma once

/* Secrets: password files, systemd credentials, helper commands. A secret
 * file must be owned by root or by `owner_uid` (the daemon's user) and must
 * not be world-readable (root:redflagd 0640 is fine). One trailing newline is
 * stripped. Helpers run with posix_spawn(), an argv array (never a shell), a
 * cleaned environment and a timeout. Secrets are wiped before being freed.
 * Nothing here logs; errors come back as text in *reterr (no secret in it). */

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"

/* Checks ownership and mode of a secret file (or of the config file when it
 * names a command). uid_t -1 = only root. */
int secret_check_file(const char *path, uid_t owner_uid, char **reterr);

/* Reads the secret from whichever source `s` names. */
int secret_get(const struct conf_secret *s, char **ret, char **reterr);

/* Zeroes and frees. Returns NULL. */
char *secret_free(char *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, secret_free)
#define _cleanup_secret_free_ _cleanup_(secret_freep)

/* Runs argv (argv[0] looked up in PATH) with a timeout in seconds, returns
 * its first line of stdout. */
int secret_run_command(char *const *argv, unsigned timeout_sec, char **ret, char **reterr);
