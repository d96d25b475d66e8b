/* test-json.c: the strict JSON reader accepts what RFC 8259 allows and nothing else */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "nn-json.h"

static NnJsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  NnJsonNode *node = nn_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

static void
test_json_values (void)
{
  g_autoptr(NnJsonNode) root = parse (" {\"a\": [1, -2.5e3, true, false, null], \"b\": "
                                      "{\"c\": \"x\\u00e9\\ud83d\\ude00\\n\"}, \"a2\": 0} ");
  const NnJsonNode *a = nn_json_object_get (root, "a");
  const NnJsonNode *b;
  const char *s;
  gint64 i;
  double d;

  g_assert_cmpint (nn_json_node_get_kind (root), ==, NN_JSON_OBJECT);
  g_assert_cmpuint (nn_json_object_get_size (root), ==, 3);
  g_assert_cmpstr (nn_json_object_get_key (root, 2), ==, "a2");
  g_assert_cmpuint (nn_json_array_get_length (a), ==, 5);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_array_get_element (a, 1)), ==, -2500);
  g_assert_true (nn_json_node_get_bool (nn_json_array_get_element (a, 2)));
  g_assert_false (nn_json_node_get_bool (nn_json_array_get_element (a, 3)));
  g_assert_cmpint (nn_json_node_get_kind (nn_json_array_get_element (a, 4)), ==, NN_JSON_NULL);
  b = nn_json_object_get (root, "b");
  g_assert_true (nn_json_object_get_string_member (b, "c", &s, NULL));
  g_assert_cmpstr (s, ==, "xé😀\n");
  g_assert_true (nn_json_object_get_int_member (root, "a2", &i, NULL));
  g_assert_cmpint (i, ==, 0);
  g_assert_null (nn_json_object_get (root, "missing"));
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (nn_json_object_get_double_member (root, "b", &d, &error));
    g_assert_error (error, NN_JSON_ERROR, NN_JSON_ERROR_WRONG_TYPE);
    g_clear_error (&error);
    g_assert_false (nn_json_object_get_int_member (root, "nope", &i, &error));
    g_assert_error (error, NN_JSON_ERROR, NN_JSON_ERROR_MISSING);
  }
}

static void
test_json_rejects (void)
{
  static const char *const bad[] = {
    "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "\"abc", "\"\\x\"",
    "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "tru", "nul", "[1] 2", "{\"a\" 1}",
    "{1: 2}", "\"a\tb\"", "NaN", "1e999", "\"\\u0000\"", "[\"\xff\"]",
  };

  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnJsonNode) node = nn_json_parse (bad[i], strlen (bad[i]), &error);

      if (node != NULL)
        g_error ("accepted invalid JSON: %s", bad[i]);
      g_assert_error (error, NN_JSON_ERROR, NN_JSON_ERROR_SYNTAX);
      g_assert_true (g_str_has_prefix (error->message, "JSON, line "));
    }
}

static void
test_json_depth (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnJsonNode) node = NULL;

  for (int i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 100; i++)
    g_string_append_c (deep, ']');
  node = nn_json_parse (deep->str, deep->len, &error);
  g_assert_null (node);
  g_assert_error (error, NN_JSON_ERROR, NN_JSON_ERROR_TOO_DEEP);
}

static void
test_json_escape_round_trip (void)
{
  const char *text = "quote \" backslash \\ tab \t newline \n bell \a é";
  g_autoptr(GString) s = g_string_new ("[");
  g_autoptr(NnJsonNode) root = NULL;

  nn_json_append_string (s, text);
  g_string_append_c (s, ',');
  nn_json_append_double (s, 0.1);
  g_string_append_c (s, ',');
  nn_json_append_double (s, NAN);
  g_string_append_c (s, ']');
  g_assert_nonnull (strstr (s->str, "\\u0007"));
  root = parse (s->str);
  g_assert_cmpstr (nn_json_node_get_string (nn_json_array_get_element (root, 0)), ==, text);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_array_get_element (root, 1)), ==, 0.1);
  g_assert_cmpint (nn_json_node_get_kind (nn_json_array_get_element (root, 2)), ==, NN_JSON_NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/json/values", test_json_values);
  g_test_add_func ("/engine/json/rejects", test_json_rejects);
  g_test_add_func ("/engine/json/depth", test_json_depth);
  g_test_add_func ("/engine/json/escape-round-trip", test_json_escape_round_trip);
  return g_test_run ();
}
