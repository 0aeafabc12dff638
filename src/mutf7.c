/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mutf7.h"

/* RFC 3501 section 5.1.3: printable US-ASCII except '&' stands for itself,
 * "&-" is '&', anything else is UTF-16BE in base64 (',' instead of '/', no
 * '=' padding) between '&' and '-'. The decoder accepts only the canonical
 * form the encoder produces, so that decode + encode gives back the input:
 * no printable ASCII inside a base64 run, no two runs back to back, no
 * surplus or non-zero padding bits, surrogates only in pairs. */

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static bool is_direct(uint32_t c)
{
	return c >= 0x20 && c <= 0x7e && c != '&';
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char) (0xc0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char) (0xe0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char) (0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char) (0xf0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char) (0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes one base64 run in[0..n) (between '&' and '-', n > 0) into out;
 * returns the bytes written or -EINVAL. */
static int decode_run(const char *in, size_t n, char *out, size_t *ret_len)
{
	uint32_t bits = 0, high = 0;
	unsigned nbits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char) in[i]);

		if (v < 0)
			return -EINVAL;
		bits = (bits << 6) | (uint32_t) v;
		nbits += 6;
		if (nbits < 16)
			continue;

		nbits -= 16;
		uint32_t unit = (bits >> nbits) & 0xffff;
		bits &= (1U << nbits) - 1;

		if (high != 0) {
			if (unit < 0xdc00 || unit > 0xdfff)
				return -EINVAL; /* high surrogate without its low half */
			o += utf8_put(out + o, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
			high = 0;
		} else if (unit >= 0xd800 && unit <= 0xdbff)
			high = unit;
		else if (unit >= 0xdc00 && unit <= 0xdfff)
			return -EINVAL; /* lone low surrogate */
		else if (unit == 0 || is_direct(unit) || unit == '&')
			return -EINVAL; /* NUL, or ASCII that must be written as itself */
		else
			o += utf8_put(out + o, unit);
	}
	if (high != 0)
		return -EINVAL;
	/* What is left is padding: fewer than 6 bits, all zero. */
	if (nbits >= 6 || bits != 0)
		return -EINVAL;
	*ret_len = o;
	return 0;
}

int mutf7_decode(const char *in, size_t len, char **ret_utf8)
{
	char *out;
	size_t o = 0;
	bool after_run = false;

	if (!in || !ret_utf8)
		return -EINVAL;
	/* Each 8/3 base64 characters give at most 3 UTF-8 bytes: 2x is ample. */
	if (len > (SIZE_MAX - 1) / 2)
		return -ENOMEM;
	out = malloc(len * 2 + 1);
	if (!out)
		return -ENOMEM;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char) in[i];

		if (c != '&') {
			if (!is_direct(c))
				goto invalid;
			out[o++] = (char) c;
			after_run = false;
			i++;
			continue;
		}

		const char *end = memchr(in + i + 1, '-', len - i - 1);
		if (!end)
			goto invalid; /* unterminated shift */
		size_t n = (size_t) (end - (in + i + 1));
		if (n == 0) {
			out[o++] = '&';
			after_run = false;
		} else {
			size_t w;

			if (after_run)
				goto invalid; /* "-&" null shift: runs must be merged */
			if (decode_run(in + i + 1, n, out + o, &w) < 0)
				goto invalid;
			o += w;
			after_run = true;
		}
		i += n + 2;
	}
	out[o] = '\0';
	*ret_utf8 = out;
	return 0;

invalid:
	free(out);
	return -EINVAL;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Returns the code point and advances *p, or -1. */
static int32_t utf8_get(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t cp, min;
	unsigned n;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		n = 1;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		n = 2;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		n = 3;
		min = 0x10000;
	} else
		return -1;
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL terminator */
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*p = s + n + 1;
	return (int32_t) cp;
}

struct b64_writer {
	char *out;
	size_t o;
	uint32_t bits;
	unsigned nbits;
};

static void b64_put_unit(struct b64_writer *w, uint32_t unit)
{
	w->bits = (w->bits << 16) | unit;
	w->nbits += 16;
	while (w->nbits >= 6) {
		w->nbits -= 6;
		w->out[w->o++] = b64_chars[(w->bits >> w->nbits) & 0x3f];
	}
	w->bits &= (1U << w->nbits) - 1;
}

static void b64_flush(struct b64_writer *w)
{
	if (w->nbits > 0)
		w->out[w->o++] = b64_chars[(w->bits << (6 - w->nbits)) & 0x3f];
	w->bits = 0;
	w->nbits = 0;
}

int mutf7_encode(const char *utf8, char **ret_mutf7)
{
	const unsigned char *p;
	struct b64_writer w = {};
	bool in_run = false;
	size_t len;

	if (!utf8 || !ret_mutf7)
		return -EINVAL;
	len = strlen(utf8);
	/* Worst case: one control byte becomes "&AAE-" (5 characters). */
	if (len > (SIZE_MAX - 1) / 5)
		return -ENOMEM;
	w.out = malloc(len * 5 + 1);
	if (!w.out)
		return -ENOMEM;

	p = (const unsigned char *) utf8;
	while (*p) {
		int32_t cp = utf8_get(&p);

		if (cp < 0) {
			free(w.out);
			return -EINVAL;
		}
		if (is_direct((uint32_t) cp) || cp == '&') {
			if (in_run) {
				b64_flush(&w);
				w.out[w.o++] = '-';
				in_run = false;
			}
			w.out[w.o++] = (char) cp;
			if (cp == '&')
				w.out[w.o++] = '-';
			continue;
		}
		if (!in_run) {
			w.out[w.o++] = '&';
			in_run = true;
		}
		if (cp >= 0x10000) {
			uint32_t v = (uint32_t) cp - 0x10000;

			b64_put_unit(&w, 0xd800 | (v >> 10));
			b64_put_unit(&w, 0xdc00 | (v & 0x3ff));
		} else
			b64_put_unit(&w, (uint32_t) cp);
	}
	if (in_run) {
		b64_flush(&w);
		w.out[w.o++] = '-';
	}
	w.out[w.o] = '\0';
	*ret_mutf7 = w.out;
	return 0;
}
