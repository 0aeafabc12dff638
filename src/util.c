/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <glib.h>

#include "util.h"

int parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
	char *end = NULL;
	unsigned long long v;

	if (!s || !*s || !isdigit((unsigned char) *s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || !end || *end != '\0')
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_uint32(const char *s, uint32_t *ret)
{
	unsigned long long v;
	int r = parse_uint(s, UINT32_MAX, &v);

	if (r < 0)
		return r;
	*ret = (uint32_t) v;
	return 0;
}

int parse_double(const char *s, double *ret)
{
	char *end = NULL;
	double v;

	if (!s || !*s)
		return -EINVAL;
	/* Only digits, one '.', an optional leading sign: no hex, no
	 * exponents, no "nan"/"inf" sneaking through strtod. */
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char) *p) && *p != '.' && !((*p == '-' || *p == '+') && p == s))
			return -EINVAL;
	errno = 0;
	v = g_ascii_strtod(s, &end);
	if (errno == ERANGE)
		return -ERANGE;
	if (!end || *end != '\0' || end == s || !isfinite(v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_boolean(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (g_ascii_strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (g_ascii_strcasecmp(s, no[i]) == 0)
			return 0;
	return -EINVAL;
}

char *strstrip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*e = '\0';
	return s;
}

char *ascii_strlower(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p - 'A' + 'a');
	return s;
}

char *strdup_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

char **strv_free(char **l)
{
	if (!l)
		return NULL;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
	return NULL;
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	if (l)
		while (l[n])
			n++;
	return n;
}

int strv_consume(char ***l, char *s)
{
	size_t n = strv_length(*l);
	char **nl;

	if (!s)
		return -ENOMEM;
	nl = realloc(*l, sizeof(char *) * (n + 2));
	if (!nl) {
		free(s);
		return -ENOMEM;
	}
	nl[n] = s;
	nl[n + 1] = NULL;
	*l = nl;
	return 0;
}

int strv_extend(char ***l, const char *s)
{
	return strv_consume(l, strdup(s));
}

bool strv_contains(char *const *l, const char *s)
{
	if (l)
		for (char *const *p = l; *p; p++)
			if (streq(*p, s))
				return true;
	return false;
}

int strv_split_comma(const char *s, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	const char *p = s;

	/* An empty vector is a valid result: allocate it. */
	l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t) (comma - p) : strlen(p);
		_cleanup_free_ char *item = strndup(p, len);
		char *t;
		int r;

		if (!item)
			return -ENOMEM;
		t = strstrip(item);
		if (*t) {
			r = strv_extend(&l, t);
			if (r < 0)
				return r;
		}
		p = comma ? comma + 1 : NULL;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > alloc) {
			size_t na = MAX(alloc * 2, (size_t) 8192);
			char *nb = realloc(buf, na);

			if (!nb)
				return -ENOMEM;
			buf = nb;
			alloc = na;
		}
		n = read(fd, buf + len, alloc - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t) n;
		if (len > max)
			return -EFBIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

char *strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

void diag_add(struct diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	d->n_errors++;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	if (line > 0)
		(void) strv_consume(&d->lines, strdup_printf("%s:%u: %s", file, line, msg));
	else
		(void) strv_consume(&d->lines, strdup_printf("%s: %s", file, msg));
}

void diag_done(struct diag *d)
{
	d->lines = strv_free(d->lines);
	d->n_errors = 0;
}
