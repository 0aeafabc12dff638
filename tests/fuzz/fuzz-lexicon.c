/* SPDX-License-Identifier: MIT */
/* lexicon_add_buffer() on arbitrary bytes, then tone_analyse() of a fixed
 * text and of the input itself with that lexicon: every bad line must end
 * in a diag line, every result must be sane, everything must be freed. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "lexicon.h"
#include "log.h"
#include "tone.h"

#define FUZZ_LEXICON_MAX (64U * 1024U)

static const char fixed_text[] =
	"Bonjour, je ne suis pas du tout satisfait : c'est la troisième relance !!! "
	"Toujours pas de nouvelles, c’est INADMISSIBLE. Merci d'avance, cordialement.\n\n"
	"Thanks, but this is the third time I ask. Not bad at all, thanks! "
	"This is URGENT, I need it by tomorrow... You are an idiot; very happy, a bit sad.";

static void check(const struct lexicon *lx, const char *text, size_t len)
{
	struct tone_result r;
	char *j, *h;

	if (tone_analyse(lx, text, len, &r) < 0)
		return;
	if (!(r.score >= -1 && r.score <= 1) || r.n_hits > TONE_MAX_HITS)
		__builtin_trap();
	for (size_t i = 0; i < r.n_hits; i++)
		if (!r.hits[i].phrase || !isfinite(r.hits[i].weight) || r.hits[i].category < 0 ||
		    r.hits[i].category >= _CATEGORY_MAX)
			__builtin_trap();
	j = tone_result_to_json(&r);
	h = tone_hits_to_json(&r);
	free(j);
	free(h);
	tone_result_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "fuzz.lex", "fr-fuzz.lex", "en.lex" };
	struct lexicon *lx;
	struct diag d = {};
	int r;

	if (size > FUZZ_LEXICON_MAX)
		return 0;
	log_set_max_level(-1);
	lx = lexicon_new();
	if (!lx)
		return 0;
	r = lexicon_add_buffer(lx, names[size % ELEMENTSOF(names)], (const char *) data, size, &d);
	if (r >= 0 && (unsigned) r != d.n_errors)
		__builtin_trap();
	(void) lexicon_size(lx);
	check(lx, fixed_text, sizeof(fixed_text) - 1);
	check(lx, (const char *) data, size);
	lexicon_free(lx);
	diag_done(&d);
	return 0;
}
