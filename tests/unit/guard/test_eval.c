// SPDX-License-Identifier: MIT
/*
 * tests/unit/guard/test_eval.c: the PII evaluation on a tiny labelled file whose
 * precision and recall are counted by hand, and its errors on bad files.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_hand),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
