/* SPDX-License-Identifier: MIT */
#pragma once

/* Minimal JSON writer for the commands' --json output (RFC 8259 strings;
 * invalid UTF-8 is replaced by U+FFFD so the output is always valid). */

#include <stdbool.h>
#include <stdio.h>

void json_write_string(FILE *f, const char *s);
/* Numbers: finite doubles printed with up to 4 decimals, trailing zeros cut,
 * '.' as separator whatever the locale. */
void json_write_number(FILE *f, double v);
/* Returns a newly allocated JSON string literal (with quotes), NULL on OOM. */
char *json_quote(const char *s);
