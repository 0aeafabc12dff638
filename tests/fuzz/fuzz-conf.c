/* SPDX-License-Identifier: MIT */
/* conf_parse() on arbitrary bytes: every path must end in a diag line or a
 * valid struct conf, and everything must be freed. */
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

#include "conf.h"
#include "log.h"

#define FUZZ_CONF_MAX (64U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = {};
	struct conf *c = NULL;
	int r;

	if (size > FUZZ_CONF_MAX)
		return 0;
	log_set_max_level(-1); /* below LOG_EMERG: nothing is printed */
	r = conf_parse("fuzz.conf", (const char *) data, size, &c, &d);
	if (r >= 0 && c) {
		const struct conf_client *cl = NULL;

		/* exercise the lookups built by the parser */
		(void) conf_classify_sender(c, "jean@acme.example", &cl);
		(void) conf_find_client(c, "acme");
		(void) conf_find_account(c, "work");
		for (size_t i = 0; i < c->n_clients; i++)
			(void) timewin_contains(&c->clients[i].meetings, c->clients[i].tz,
						1774600000);
	}
	conf_free(c);
	diag_done(&d);
	return 0;
}
