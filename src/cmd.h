/* SPDX-License-Identifier: MIT */
#pragma once

/* The owner's tool `redflag`: one function per subcommand. config_path is
 * NULL when no -c was given and the default file does not exist (scan and
 * tone work without a config). Each returns an exit status (0 ok, 1 error,
 * 2 usage). argv[0] is the subcommand's name. */

int cmd_report(const char *config_path, int argc, char **argv);
int cmd_explain(const char *config_path, int argc, char **argv);
int cmd_scan(const char *config_path, int argc, char **argv);
int cmd_tone(const char *config_path, int argc, char **argv);
int cmd_note(const char *config_path, int argc, char **argv);
int cmd_test_alert(const char *config_path, int argc, char **argv);
int cmd_rescan(const char *config_path, int argc, char **argv);
