/* SPDX-License-Identifier: MIT */
#include <math.h>

#include <glib.h>

#include "json.h"
#include "util.h"

static void append_escaped(GString *out, const char *s)
{
	const char *p = s, *end = s + strlen(s);

	g_string_append_c(out, '"');
	while (p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);

		if (c == (gunichar) -1 || c == (gunichar) -2) {
			g_string_append(out, "\\ufffd");
			p++;
			continue;
		}
		switch (c) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x2028 || c == 0x2029)
				g_string_append_printf(out, "\\u%04x", (unsigned) c);
			else
				g_string_append_len(out, p, g_utf8_next_char(p) - p);
		}
		p = g_utf8_next_char(p);
	}
	g_string_append_c(out, '"');
}

char *json_quote(const char *s)
{
	GString *out = g_string_new(NULL);
	char *r;

	append_escaped(out, strempty(s));
	r = strdup(out->str);
	g_string_free(out, TRUE);
	return r;
}

void json_write_string(FILE *f, const char *s)
{
	_cleanup_free_ char *q = json_quote(s);

	fputs(q ? q : "\"\"", f);
}

void json_write_number(FILE *f, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	char *dot;

	if (!isfinite(v)) {
		fputs("null", f);
		return;
	}
	if (v == (double) (long long) v && fabs(v) < 1e15) {
		fprintf(f, "%lld", (long long) v);
		return;
	}
	g_ascii_formatd(buf, sizeof(buf), "%.4f", v);
	dot = strchr(buf, '.');
	if (dot) {
		char *e = buf + strlen(buf);
		while (e > dot + 1 && e[-1] == '0')
			*--e = '\0';
		if (e == dot + 1)
			*dot = '\0';
	}
	fputs(buf, f);
}
