/* SPDX-License-Identifier: MIT */
#pragma once

/* The owner's tool `redflag`: one function per subcommand. Each returns an
 * exit status (0 ok, 1 error, 2 usage). */

int cmd_report(const char *config_path, int argc, char **argv);
int cmd_explain(const char *config_path, int argc, char **argv);
int cmd_scan(const char *config_path, int argc, char **argv);
int cmd_tone(const char *config_path, int argc, char **argv);
int cmd_note(const char *config_path, int argc, char **argv);
int cmd_test_alert(const char *config_path, int argc, char **argv);
int cmd_rescan(const char *config_path, int argc, char **argv);
