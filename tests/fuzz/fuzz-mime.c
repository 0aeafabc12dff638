/* SPDX-License-Identifier: MIT */
/* Fuzzes mime-text: the input as a whole message, and the same bytes as the
 * IMAP pieces (header up to the first NUL or blank line; then parts
 * separated by NULs, each split at its own first blank line into MIME
 * header and body). Every string handed out must be valid UTF-8. */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime-text.h"

#define FUZZ_MAX_INPUT (64U * 1024U)
#define FUZZ_MAX_PARTS 6U

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s)
{
	if (s && !g_utf8_validate(s, -1, NULL))
		abort();
}

static void check_message(const struct mime_message *m)
{
	if (!m->from || !m->header_hash || strncmp(m->header_hash, "hash:", 5) != 0)
		abort();
	check_utf8(m->from);
	check_utf8(m->from_name);
	check_utf8(m->subject);
	check_utf8(m->message_id);
	check_utf8(m->text);
	if (m->text && strlen(m->text) > MIME_MAX_TEXT)
		abort();
}

/* Length of the head of [p, p+len): up to the first blank line or NUL. */
static size_t head_len(const char *p, size_t len, size_t *ret_skip)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0') {
			*ret_skip = 1;
			return i;
		}
		if (p[i] == '\n' && i + 1 < len && p[i + 1] == '\n') {
			*ret_skip = 2;
			return i + 1;
		}
		if (p[i] == '\n' && i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n') {
			*ret_skip = 3;
			return i + 1;
		}
	}
	*ret_skip = 0;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *) data;
	struct mime_part_raw parts[FUZZ_MAX_PARTS];
	struct mime_message m = {};
	size_t n_parts = 0, hl, skip, off;

	if (size > FUZZ_MAX_INPUT)
		size = FUZZ_MAX_INPUT;

	if (mime_message_parse(p, size, &m) >= 0)
		check_message(&m);
	mime_message_done(&m);

	hl = head_len(p, size, &skip);
	off = hl + skip;
	while (off < size && n_parts < FUZZ_MAX_PARTS) {
		const char *q = p + off;
		const char *nul = memchr(q, '\0', size - off);
		size_t plen = nul ? (size_t) (nul - q) : size - off;
		size_t mh, s2;

		mh = head_len(q, plen, &s2);
		parts[n_parts++] = (struct mime_part_raw){
		    .mime_header = q,
		    .mime_header_len = mh,
		    .body = q + mh + s2,
		    .body_len = plen - mh - s2,
		};
		off += plen + (nul ? 1 : 0);
	}
	if (mime_message_from_parts(p, hl, parts, n_parts, &m) >= 0)
		check_message(&m);
	mime_message_done(&m);
	return 0;
}
