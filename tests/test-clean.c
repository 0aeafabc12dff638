/* SPDX-License-Identifier: MIT */
/* text-clean: only the client's own words survive. Each marker in English
 * and French, quotes, signatures, trailers, and texts that must come out
 * unchanged. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glib.h>

#include "text-clean.h"
#include "util.h"

static void check_len(const char *in, size_t len, const char *expected)
{
	_cleanup_free_ char *out = text_clean(in, len);

	assert_non_null(out);
	if (!streq(out, expected))
		print_error("input:\n%s\n--- got:\n%s\n--- expected:\n%s\n", in, out, expected);
	assert_string_equal(out, expected);
}

static void check(const char *in, const char *expected)
{
	check_len(in, strlen(in), expected);
}

static const char own[] =
    "Bonjour,\n\nJe suis très déçu : la facture n'est toujours pas réglée.\nMerci de faire vite.";

static void test_no_markers_unchanged(void **state)
{
	check(own, own);
	check("Just one line", "Just one line");
	check("Trailing blanks\n\n\n  \n", "Trailing blanks");
	check("Hello,\n\nthe server is down again.\n- item one\n- item two\n--- not a signature\n",
	      "Hello,\n\nthe server is down again.\n- item one\n- item two\n--- not a signature");
	check("", "");
	check("\n\n", "");
}

static void test_wrote_in_the_middle_kept(void **state)
{
	static const char t[] = "As Bob wrote: this is late.\n"
				"I wrote to you on Monday and you never answered.\n"
				"On Monday I wrote:\n"
				"the invoice is wrong.\n"
				"Le gérant a écrit : non.";
	check(t, t);
}

static void test_on_wrote(void **state)
{
	check("Thanks, that fixes it.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Bob <bob@example.com> "
	      "wrote:\n"
	      "This is unacceptable, I want a refund!\nBob\n",
	      "Thanks, that fixes it.");
	check("Thanks.\n\nOn 2024-01-01 10:00, Bob wrote:\n> You are useless\n> Really.\n",
	      "Thanks.");
	/* case-insensitive */
	check("Ok.\nON MON, 1 JAN 2024, BOB WROTE:\nold words\n", "Ok.");
}

static void test_on_wrote_wrapped(void **state)
{
	check("Fine by me.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Bob Smith via Support <\n"
	      "support@example.com> wrote:\n\nangry old text\n",
	      "Fine by me.");
	check(
	    "Fine.\nOn Tue, 2 Jan 2024 10:00:00 +0100\nBob Smith <bob@example.com> wrote:\n> old\n",
	    "Fine.");
	check("Merci.\nLe mar. 2 janv. 2024 à 10:00, Bob <bob@example.fr> a\nécrit :\nvieux\n",
	      "Merci.");
}

static void test_le_a_ecrit(void **state)
{
	check("Merci pour votre retour.\n\nLe lun. 1 janv. 2024 à 10:00, Bob <bob@example.fr> a "
	      "écrit :\n"
	      "C'est inadmissible !\n",
	      "Merci pour votre retour.");
	/* non-breaking space before ':' */
	check("Merci.\nLe 01/01/2024 à 10:00, Bob a écrit\xc2\xa0:\nvieux texte\n", "Merci.");
	/* narrow no-break space, no accent */
	check("Merci.\nLe 01/01/2024 a 10:00, Bob a ecrit\xe2\x80\xaf:\nvieux texte\n", "Merci.");
	check("Merci.\nLe 01/01/2024 à 10:00, Bob a écrit:\nvieux texte\n", "Merci.");
	check("D'accord.\nLE 1 JANV. 2024, BOB A ÉCRIT :\nvieux\n", "D'accord.");
	/* wrapped */
	check("Merci.\n\nLe lun. 1 janv. 2024 à 10:00, Service client <\nsupport@example.fr> a "
	      "écrit :\n> vieux\n",
	      "Merci.");
}

static void test_original_message(void **state)
{
	check("See below.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nangry\n",
	      "See below.");
	check("Voir ci-dessous.\n\n-----Message d'origine-----\nDe : Bob\nvieux\n",
	      "Voir ci-dessous.");
	check("Voir.\n----- Message d’origine -----\nvieux\n", "Voir.");
	check("See.\n-----ORIGINAL MESSAGE-----\nold\n", "See.");
	check("Thunderbird.\n-------- Original Message --------\nold\n", "Thunderbird.");
}

static void test_forwarded(void **state)
{
	check("FYI, see what they say.\n\nBegin forwarded message:\n\nFrom: x\nbad words\n",
	      "FYI, see what they say.");
	check("FYI.\n\n---------- Forwarded message ---------\nFrom: x <x@example.com>\nold\n",
	      "FYI.");
	check("Pour info.\n\n-------- Message transféré --------\nSujet : x\nvieux\n",
	      "Pour info.");
	check("Pour info.\n\n---------- Message transféré ---------\nvieux\n", "Pour info.");
	check("Pour info.\n\nDébut du message réexpédié :\n\nvieux\n", "Pour info.");
}

static void test_outlook_block(void **state)
{
	check("Please fix this today.\n\n________________________________\n"
	      "From: Support <support@example.com>\nSent: Monday, January 1, 2024 10:00 AM\n"
	      "To: Bob <bob@example.com>\nSubject: RE: ticket\n\nWe are sorry.\n",
	      "Please fix this today.");
	check("Merci de corriger.\n\nDe : Support <support@example.fr>\nEnvoyé : lundi 1 janvier "
	      "2024 10:00\n"
	      "À : Bob\nObjet : RE: ticket\n\nNous sommes désolés.\n",
	      "Merci de corriger.");
	/* bold markers left by HTML, non-breaking space */
	check("Merci.\n*De\xc2\xa0:* Support\n*Envoy\xc3\xa9\xc2\xa0:* lundi\nvieux\n", "Merci.");
	check("Thanks.\nFrom: Support\nDate: Mon, 1 Jan 2024\nSubject: x\nold\n", "Thanks.");
	/* "From:" without any header field after it is the client's text */
	check("From: my side, all is fine.\nNo problem here.\n\nRegards\n",
	      "From: my side, all is fine.\nNo problem here.\n\nRegards");
}

static void test_quoted_lines(void **state)
{
	check("> You never answer!\n> Never!\n\nI did answer yesterday.\n",
	      "I did answer yesterday.");
	check("First point:\n> quoted one\nmy answer one\n>> nested older\n> > also nested\n   > "
	      "indented quote\n"
	      "my answer two\n",
	      "First point:\nmy answer one\nmy answer two");
	/* bottom posting: the attribution is dropped, the answer kept */
	check("On Mon, 1 Jan 2024, Bob wrote:\n> This is unacceptable\n> and late\n\nIt was "
	      "shipped today.\n",
	      "It was shipped today.");
	check("Le 1 janv. 2024, Bob a écrit :\n\n> inadmissible\n\nC'est parti aujourd'hui.\n",
	      "C'est parti aujourd'hui.");
	/* an attribution without "On" is dropped with its quote... */
	check("Bob Smith <bob@example.com> wrote:\n> late again\n\nShipped today.\n",
	      "Shipped today.");
	check("Agreed.\n\nBob a écrit :\n> vieux\n", "Agreed.");
	/* ...but not when no quote follows */
	check("This is what the manager wrote:\nnothing useful.\n",
	      "This is what the manager wrote:\nnothing useful.");
	/* '>' not at the start is text */
	check("a > b and 3 > 2\n", "a > b and 3 > 2");
}

static void test_signature(void **state)
{
	check("Please call me.\n\n-- \nBob Smith\nACME\n", "Please call me.");
	check("Please call me.\n--\nBob Smith\n", "Please call me.");
	check("Merci.\r\n-- \r\nBob\r\n", "Merci.");
	/* not a separator */
	check("a -- b\n-- not one\n", "a -- b\n-- not one");
}

static void test_trailers(void **state)
{
	check("Where is my order?\n\nSent from my iPhone\n", "Where is my order?");
	check("Where is my order?\nSent from my Android device\n", "Where is my order?");
	check("Où est ma commande ?\n\nEnvoyé de mon iPhone\n", "Où est ma commande ?");
	check("Où est ma commande ?\n\nEnvoyé depuis Outlook\n", "Où est ma commande ?");
	check("Where?\n\nGet Outlook for iOS\n", "Where?");
	check("Where?\n\nGet Outlook for Android\n", "Where?");
	check("Where?\n\nSent from Mail for Windows\n", "Where?");
	check("Where?\nSENT FROM MY IPHONE\n", "Where?");
	check("Where?\n\nEnvoye de mon iPad\n", "Where?");
	/* a long sentence starting the same way is text */
	check("Sent from my office yesterday, the parcel should have reached you by now, please "
	      "check.\n",
	      "Sent from my office yesterday, the parcel should have reached you by now, please "
	      "check.");
	/* a trailer then the quote */
	check("No.\n\nSent from my iPhone\n\n> On 1 Jan 2024, at 10:00, Bob wrote:\n> old\n",
	      "No.");
}

static void test_blank_lines(void **state)
{
	check("a\n\n\n\nb\n\n\nc\n\nd", "a\n\nb\n\nc\n\nd");
	check("\n\n  \na\n", "a");
	check("a\n \t \nb", "a\n\nb");
}

static void test_list_footer(void **state)
{
	check("Hello list.\n\n_______________________________________________\nCocci mailing list\n"
	      "https://example.org/listinfo\n",
	      "Hello list.");
}

static void test_everything(void **state)
{
	check("C'est la troisième fois que je relance.\r\n"
	      "Sans réponse sous 48h, je résilie.\r\n"
	      "\r\n"
	      "-- \r\n"
	      "Jean Dupont\r\n"
	      "Le 2 janv. 2024 à 09:00, Support <s@example.fr> a écrit :\r\n"
	      "> Bonjour\r\n",
	      "C'est la troisième fois que je relance.\nSans réponse sous 48h, je résilie.");
}

static void test_bytes(void **state)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
	static const char bad[] = "caf\xe9 \xff\xfe ok\n> q\xc3\n\x00x\nend";

	a = text_clean(bad, sizeof(bad) - 1);
	assert_non_null(a);
	assert_true(g_utf8_validate(a, -1, NULL));
	assert_non_null(strstr(a, " ok"));
	assert_non_null(strstr(a, "end"));
	assert_null(strstr(a, "> q"));

	b = text_clean(NULL, 0);
	assert_non_null(b);
	assert_string_equal(b, "");

	/* Only the given length is read. */
	c = text_clean("abc\nOn 1 Jan 2024 X wrote:\nzzz", 3);
	assert_string_equal(c, "abc");

	/* Lone markers at the very end of the buffer. */
	check_len("On", 2, "On");
	check_len("Le 1", 4, "Le 1");
	check_len("From:", 5, "From:");
	check_len("--", 2, "");
	check_len("\xc3", 1, "\xef\xbf\xbd");
}

static void test_disclaimers(void **state)
{
	check("Where is the report? This is the third time I ask.\n\n"
	      "This email and any attachments are confidential and intended solely for the addressee. "
	      "If you received it in error, this is unacceptable to us, delete it.",
	      "Where is the report? This is the third time I ask.");
	check("Merci de rappeler demain.\n\nCe message et toutes les pièces jointes sont confidentiels "
	      "et établis à l'intention exclusive de ses destinataires.",
	      "Merci de rappeler demain.");
	check("Toujours rien reçu.\n____\n*** AVERTISSEMENT DE CONFIDENTIALITÉ ***\nInadmissible usage interdit.",
	      "Toujours rien reçu.");
	check("Thanks!\n\nPlease consider the environment before printing this email.", "Thanks!");
	check("Super.\n\nPensez à l’environnement avant d'imprimer ce message.", "Super.");
	/* Not a disclaimer: the client's own sentence, or a first paragraph. */
	check("This email is confidential: do not forward it to the supplier.",
	      "This email is confidential: do not forward it to the supplier.");
	check("Hello,\nthe information contained in this report is wrong.",
	      "Hello,\nthe information contained in this report is wrong.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_markers_unchanged),
	    cmocka_unit_test(test_wrote_in_the_middle_kept),
	    cmocka_unit_test(test_on_wrote),
	    cmocka_unit_test(test_on_wrote_wrapped),
	    cmocka_unit_test(test_le_a_ecrit),
	    cmocka_unit_test(test_original_message),
	    cmocka_unit_test(test_forwarded),
	    cmocka_unit_test(test_outlook_block),
	    cmocka_unit_test(test_quoted_lines),
	    cmocka_unit_test(test_signature),
	    cmocka_unit_test(test_trailers),
	    cmocka_unit_test(test_blank_lines),
	    cmocka_unit_test(test_list_footer),
	    cmocka_unit_test(test_disclaimers),
	    cmocka_unit_test(test_everything),
	    cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
