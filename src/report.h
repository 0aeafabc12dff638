/* SPDX-License-Identifier: MIT */
#pragma once

/* `redflag report` (text table or the JSON of DESIGN.md) and `redflag explain`. */

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "rules.h"
#include "store.h"

/* client_id NULL: every client. -ENOENT if client_id is not configured. s may
 * be NULL (then no trend or notes). */
int report_print(FILE *f, const struct conf *c, struct store *s, const struct eval *e, bool json,
		 const char *client_id);
int report_explain(FILE *f, const struct conf *c, struct store *s, const struct eval *e,
		   const char *client_id);
