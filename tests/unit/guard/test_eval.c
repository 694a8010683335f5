// SPDX-License-Identifier: MIT
/*
 * tests/unit/guard/test_eval.c: the PII evaluation on tiny labelled files (Presidio's
 * JSON and GermEval's TSV) whose precision and recall are counted by hand, and its
 * errors on bad files.
 */
#include "test_util.h"

#include "guard/eval.h"

static void test_counts_by_hand(void **state)
{
    (void)state;
    char dir[64], path[128], why[256];
    assert_true(tu_mkdtemp(dir, sizeof(dir), "/tmp/ag-test-pii-eval-XXXXXX"));
    snprintf(path, sizeof(path), "%s/set.json", dir);
    /* Text 1: an e-mail (found) after "Grüße " (offsets in code points: ü and ß count one
     * each); a phone number labelled but written in a shape the detector misses.
     * Text 2: a card the detector finds but nobody labelled (a false positive), and a
     * name, which is not scored here. */
    tu_write_file(path, "[{\"full_text\": \"Grüße jo@example.org, Nummer 467 3395\", \"spans\": ["
                        "{\"entity_type\": \"EMAIL_ADDRESS\", \"start_position\": 6,"
                        " \"end_position\": 20},"
                        "{\"entity_type\": \"PHONE_NUMBER\", \"start_position\": 29,"
                        " \"end_position\": 37}]},"
                        "{\"full_text\": \"Ann paid with 4111 1111 1111 1111\", \"spans\": ["
                        "{\"entity_type\": \"PERSON\", \"start_position\": 0,"
                        " \"end_position\": 3}]}]");
    struct pii_eval_result r;
    assert_int_equal(pii_eval_presidio(path, &r, why, sizeof(why)), AG_OK);
    assert_int_equal(r.texts, 2);
    assert_int_equal(r.type[PII_EMAIL].labelled, 1);
    assert_int_equal(r.type[PII_EMAIL].found, 1);
    assert_true(r.type[PII_EMAIL].precision == 1.0 && r.type[PII_EMAIL].recall == 1.0);
    assert_int_equal(r.type[PII_PHONE].labelled, 1);
    assert_int_equal(r.type[PII_PHONE].found, 0);
    assert_true(r.type[PII_PHONE].recall == 0.0);
    assert_int_equal(r.type[PII_CREDIT_CARD].detected, 1);
    assert_int_equal(r.type[PII_CREDIT_CARD].right, 0);
    assert_true(r.type[PII_CREDIT_CARD].precision == 0.0);
    tu_remove_tree(dir);
}

static void test_bad_files(void **state)
{
    (void)state;
    char dir[64], path[128], why[256];
    struct pii_eval_result r;
    assert_true(tu_mkdtemp(dir, sizeof(dir), "/tmp/ag-test-pii-eval-XXXXXX"));
    snprintf(path, sizeof(path), "%s/missing.json", dir);
    assert_int_equal(pii_eval_presidio(path, &r, why, sizeof(why)), AG_ENOTFOUND);
    assert_non_null(strstr(why, "missing.json"));
    snprintf(path, sizeof(path), "%s/bad.json", dir);
    tu_write_file(path, "[{\"full_text\": 3, \"spans\": []}]");
    assert_int_equal(pii_eval_presidio(path, &r, why, sizeof(why)), AG_EINVAL);
    assert_non_null(strstr(why, "item 0"));
    tu_write_file(path, "{\"not\": \"an array\"}");
    assert_int_equal(pii_eval_presidio(path, &r, why, sizeof(why)), AG_EINVAL);
    tu_write_file(path, "[{\"full_text\": \"x\", \"spans\": [{\"entity_type\": \"EMAIL_ADDRESS\","
                        " \"start_position\": 5, \"end_position\": 2}]}]");
    assert_int_equal(pii_eval_presidio(path, &r, why, sizeof(why)), AG_EINVAL);
    assert_non_null(strstr(why, "span 0"));
    tu_write_file(path, "[{\"full_text\": \"x\"");
    assert_int_equal(pii_eval_presidio(path, &r, why, sizeof(why)), AG_EINVAL);
    tu_remove_tree(dir);
}

/* Presidio's PERSON, STREET_ADDRESS and ZIP_CODE labels: a postcode labelled apart inside
 * a street address is found by the one ADDRESS span; places and dates are not scored. */
static void test_presidio_unstructured(void **state)
{
    (void)state;
    char dir[64], path[128], why[256];
    assert_true(tu_mkdtemp(dir, sizeof(dir), "/tmp/ag-test-pii-eval-XXXXXX"));
    snprintf(path, sizeof(path), "%s/set.json", dir);
    /* "Anna Schmidt lebt in Hauptstraße 12, 10115 Berlin." in code points: ß counts one. */
    tu_write_file(path,
                  "[{\"full_text\": \"Anna Schmidt lebt in Hauptstraße 12, 10115 Berlin.\","
                  " \"spans\": ["
                  "{\"entity_type\": \"PERSON\", \"start_position\": 0, \"end_position\": 12},"
                  "{\"entity_type\": \"STREET_ADDRESS\", \"start_position\": 21,"
                  " \"end_position\": 35},"
                  "{\"entity_type\": \"ZIP_CODE\", \"start_position\": 37, \"end_position\": 42},"
                  "{\"entity_type\": \"GPE\", \"start_position\": 43, \"end_position\": 49}]},"
                  "{\"full_text\": \"Die Lieferung kam am 12.03.2024 an.\", \"spans\": ["
                  "{\"entity_type\": \"DATE_TIME\", \"start_position\": 21,"
                  " \"end_position\": 31}]}]");
    struct pii_eval_result r;
    assert_int_equal(pii_eval_presidio(path, &r, why, sizeof(why)), AG_OK);
    assert_int_equal(r.texts, 2);
    assert_int_equal(r.type[PII_PERSON].labelled, 1);
    assert_int_equal(r.type[PII_PERSON].found, 1);
    assert_int_equal(r.type[PII_PERSON].right, 1);
    assert_int_equal(r.type[PII_ADDRESS].labelled, 1);
    assert_int_equal(r.type[PII_ADDRESS].found, 1);
    assert_int_equal(r.type[PII_ADDRESS].detected, 1);
    assert_int_equal(r.type[PII_ADDRESS].right, 1);
    assert_int_equal(r.type[PII_POSTCODE_CITY].labelled, 1);
    assert_int_equal(r.type[PII_POSTCODE_CITY].found, 1); /* inside the ADDRESS span */
    assert_int_equal(r.type[PII_DATE_OF_BIRTH].detected, 0);
    assert_true(r.bytes > 0);
    tu_remove_tree(dir);
}

/* GermEval: sentences rebuilt from tokens, B-PER/I-PER joined into one labelled span,
 * -deriv/-part labels and other classes left out, detected types without labels counted
 * as not right. */
static void test_germeval_counts(void **state)
{
    (void)state;
    char dir[64], path[128], why[256];
    assert_true(tu_mkdtemp(dir, sizeof(dir), "/tmp/ag-test-pii-eval-XXXXXX"));
    snprintf(path, sizeof(path), "%s/ner.tsv", dir);
    tu_write_file(path, "#\thttp://example.org\t[2010-01-01]\n"
                        "1\tAngela\tB-PER\tO\n"
                        "2\tMerkel\tI-PER\tO\n"
                        "3\tbesucht\tO\tO\n"
                        "4\tBerlin\tB-LOC\tO\n"
                        "5\t.\tO\tO\n"
                        "\n"
                        "#\thttp://example.org/2\t[2010-01-02]\n"
                        "1\tDie\tO\tO\n"
                        "2\tMerkel-Regierung\tB-PERpart\tO\n"
                        "3\tschreibt\tO\tO\n"
                        "4\tan\tO\tO\n"
                        "5\tmax@example.de\tO\tO\n"
                        "6\tund\tO\tO\n"
                        "7\tKohl\tB-PER\tO\n"
                        "8\tSchröder\tB-PER\tO\n"
                        "\n");
    struct pii_eval_result r;
    assert_int_equal(pii_eval_germeval(path, &r, why, sizeof(why)), AG_OK);
    assert_int_equal(r.texts, 2);
    assert_int_equal(r.bytes, strlen("Angela Merkel besucht Berlin .") +
                                  strlen("Die Merkel-Regierung schreibt an max@example.de und Kohl "
                                         "Schröder"));
    assert_int_equal(r.type[PII_PERSON].labelled, 3); /* "Angela Merkel", "Kohl", "Schröder" */
    assert_int_equal(r.type[PII_EMAIL].labelled, 0);
    assert_int_equal(r.type[PII_EMAIL].detected, 1);
    assert_int_equal(r.type[PII_EMAIL].right, 0);
    /* Without a trailing blank line, and with CRLF line ends, the last sentence counts. */
    tu_write_file(path, "#\tx\r\n1\tHerr\tO\tO\r\n2\tMüller\tB-PER\tO\r\n");
    assert_int_equal(pii_eval_germeval(path, &r, why, sizeof(why)), AG_OK);
    assert_int_equal(r.texts, 1);
    assert_int_equal(r.bytes, strlen("Herr Müller"));
    assert_int_equal(r.type[PII_PERSON].labelled, 1);
    tu_remove_tree(dir);
}

static void test_germeval_bad_files(void **state)
{
    (void)state;
    char dir[64], path[128], why[256];
    struct pii_eval_result r;
    assert_true(tu_mkdtemp(dir, sizeof(dir), "/tmp/ag-test-pii-eval-XXXXXX"));
    snprintf(path, sizeof(path), "%s/missing.tsv", dir);
    assert_int_equal(pii_eval_germeval(path, &r, why, sizeof(why)), AG_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/bad.tsv", dir);
    tu_write_file(path, "#\tx\n1\tok\tO\tO\n2 no tabs here\n");
    assert_int_equal(pii_eval_germeval(path, &r, why, sizeof(why)), AG_EINVAL);
    assert_non_null(strstr(why, "line 3"));
    tu_write_file(path, "1\t\tO\tO\n"); /* an empty token */
    assert_int_equal(pii_eval_germeval(path, &r, why, sizeof(why)), AG_EINVAL);
    tu_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_hand),        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_presidio_unstructured), cmocka_unit_test(test_germeval_counts),
        cmocka_unit_test(test_germeval_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
