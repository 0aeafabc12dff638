/* SPDX-License-Identifier: MIT */
#pragma once

/* One logging module. Lines go to stderr; under systemd (stderr connected to
 * the journal, checked through $JOURNAL_STREAM) they carry a <N> priority
 * prefix. Every function preserves errno. Never pass a secret or a message
 * body. The *_errno() variants return -abs(error), so a caller can write
 *     return log_error_errno(r, "Failed to open '%s': %m", path);
 * where %m prints strerror(error). */

#include <stdarg.h>
#include <syslog.h>

#include "util.h"

void log_set_max_level(int level); /* LOG_ERR .. LOG_DEBUG */
int log_get_max_level(void);
/* Re-reads $JOURNAL_STREAM (call once at startup). */
void log_open(void);

int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *fmt, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...) \
	log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_debug(...) (void) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

/* An event (alert queued, delivered, deferred, failed): under journald one
 * structured entry with MESSAGE_ID and the given "NAME=value" fields (a
 * NULL-terminated list), otherwise one ordinary log line with the text. */
void log_event(int level, const char *message_id, const char *text, ...);
