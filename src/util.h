/* SPDX-License-Identifier: MIT */
#pragma once

/* Small helpers shared by every module: scope-bound cleanup (systemd style),
 * checked number parsing, string vectors. Nothing here logs. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uint64_t usec_t;
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define SEC_PER_DAY (86400LL)

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                               \
	({                                        \
		__typeof__(p) _take_tmp_ = (p);   \
		(p) = NULL;                       \
		_take_tmp_;                       \
	})
#define TAKE_FD(fd)                               \
	({                                        \
		int _take_fd_ = (fd);             \
		(fd) = -EBADF;                    \
		_take_fd_;                        \
	})

/* Defines funcp(type **p) calling func(*p) when non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}

static inline void freep(void *p)
{
	free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}
static inline bool isempty(const char *s)
{
	return !s || !*s;
}
static inline const char *strempty(const char *s)
{
	return s ? s : "";
}
static inline const char *strna(const char *s)
{
	return s ? s : "n/a";
}

/* The one checked place for strtoull(): whole string, decimal, no sign,
 * value <= max. Returns 0 or -EINVAL / -ERANGE. */
int parse_uint(const char *s, unsigned long long max, unsigned long long *ret);
int parse_uint32(const char *s, uint32_t *ret);
/* Decimal number with '.' as separator whatever the locale ("1.5", "-3",
 * "40"). Returns 0 or -EINVAL / -ERANGE. */
int parse_double(const char *s, double *ret);
/* "yes/no/true/false/on/off/1/0" → 1/0, else -EINVAL. */
int parse_boolean(const char *s);

/* Strips ASCII white space at both ends, in place; returns s. */
char *strstrip(char *s);
/* Lower-cases ASCII letters in place; returns s. */
char *ascii_strlower(char *s);
/* strdup() / strndup() that accept NULL (returning NULL). */
char *strdup_null(const char *s);

/* NULL-terminated string vectors. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char *const *l);
/* Appends s (taking ownership) to *l; on failure frees s and returns -ENOMEM. */
int strv_consume(char ***l, char *s);
int strv_extend(char ***l, const char *s);
bool strv_contains(char *const *l, const char *s);
/* Splits on ',' and trims each item; empty items are dropped. */
int strv_split_comma(const char *s, char ***ret);

/* Reads a whole file (at most max bytes, else -EFBIG), NUL-terminated. */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* Formats into a newly allocated string (NULL on OOM). */
char *strdup_printf(const char *fmt, ...) _printf_(1, 2);

/* Appends "FILE:LINE: message" style diagnostics to a vector; on OOM the
 * message is dropped but the count still grows. */
struct diag {
	char **lines;
	unsigned n_errors;
};
void diag_add(struct diag *d, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
void diag_done(struct diag *d);
