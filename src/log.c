/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <sys/stat.h>

#include <systemd/sd-journal.h>

#include "log.h"

static int max_level = LOG_INFO;
static bool to_journal = false;

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

void log_open(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	_cleanup_free_ char *copy = NULL;
	struct stat st;
	char *colon;

	to_journal = false;
	if (!e || fstat(STDERR_FILENO, &st) < 0)
		return;
	copy = strdup(e);
	if (!copy)
		return;
	colon = strchr(copy, ':');
	if (!colon)
		return;
	*colon = '\0';
	if (parse_uint(copy, UINT64_MAX, &dev) < 0 || parse_uint(colon + 1, UINT64_MAX, &ino) < 0)
		return;
	to_journal = (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
		 const char *fmt, ...)
{
	int saved_errno = errno;
	char buf[2048];
	va_list ap;

	if (error < 0)
		error = -error;
	if (level <= max_level) {
		/* %m means the error passed in, not whatever errno is now. */
		errno = error;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		/* One line per message, whatever a server or a mail put in a name
		 * we quote: control characters could forge journal lines. */
		for (char *p = buf; *p; p++)
			if ((unsigned char) *p < 0x20 || *p == 0x7f)
				*p = '?';
		if (to_journal)
			fprintf(stderr, "<%d>%s\n", level, buf);
		else
			fprintf(stderr, "redflagd: %s\n", buf);
		fflush(stderr);
	}
	(void) file;
	(void) line;
	(void) func;
	errno = saved_errno;
	return -error;
}

void log_event(int level, const char *message_id, const char *text, ...)
{
	int saved_errno = errno;
	struct iovec iov[16];
	size_t n = 0;
	va_list ap;
	_cleanup_free_ char *msg = NULL, *pri = NULL, *mid = NULL;

	/* Outside the journal the event is one ordinary log line. */
	if (!to_journal)
		goto plain;
	msg = strdup_printf("MESSAGE=%s", text);
	pri = strdup_printf("PRIORITY=%d", level);
	mid = strdup_printf("MESSAGE_ID=%s", message_id);
	if (!msg || !pri || !mid)
		goto plain;
	iov[n++] = (struct iovec) { msg, strlen(msg) };
	iov[n++] = (struct iovec) { pri, strlen(pri) };
	iov[n++] = (struct iovec) { mid, strlen(mid) };
	va_start(ap, text);
	for (const char *f = va_arg(ap, const char *); f && n < ELEMENTSOF(iov); f = va_arg(ap, const char *))
		iov[n++] = (struct iovec) { (void *) f, strlen(f) };
	va_end(ap);
	if (level <= max_level && sd_journal_sendv(iov, (int) n) >= 0)
		goto finish;
plain:
	(void) log_internal(level, 0, __FILE__, __LINE__, __func__, "%s", text);
finish:
	errno = saved_errno;
}
