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

/* Duplicate member names are refused, whether the object is small (compared in pairs) or large
 * (a hash table), spelled the same or through escapes, at any depth. */
static void
test_json_duplicates (void)
{
  static const char *const dup[] = {
    "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":1,\"\\u0061\":2}",
    "[{\"x\":{\"k\":[],\"k\":{}}}]", "{\"\":1,\"\":1}",
  };
  g_autoptr(GString) big = g_string_new ("{");
  g_autoptr(NnJsonNode) ok = NULL;
  g_autoptr(GError) error = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS (dup); i++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(NnJsonNode) node = nn_json_parse (dup[i], strlen (dup[i]), &e);

      if (node != NULL)
        g_error ("accepted a duplicate key: %s", dup[i]);
      g_assert_error (e, NN_JSON_ERROR, NN_JSON_ERROR_SYNTAX);
      g_assert_nonnull (strstr (e->message, "appears twice"));
    }

  for (int i = 0; i < 5000; i++)
    g_string_append_printf (big, "%s\"key%d\":%d", i > 0 ? "," : "", i, i);
  g_string_append (big, "}");
  ok = nn_json_parse (big->str, big->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_json_object_get_size (ok), ==, 5000);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (ok, "key4321")), ==, 4321);
  g_assert_cmpstr (nn_json_object_get_key (ok, 4999), ==, "key4999");

  /* the same many members with the last one repeating the first */
  g_string_truncate (big, big->len - 1);
  g_string_append (big, ",\"key0\":1}");
  g_clear_pointer (&ok, nn_json_node_free);
  ok = nn_json_parse (big->str, big->len, &error);
  g_assert_null (ok);
  g_assert_error (error, NN_JSON_ERROR, NN_JSON_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "“key0” appears twice"));
}

/* Numbers are read from the text where they stand: one at the very end of a text that is not
 * NUL-terminated, and text that follows the given length, must not change them. */
static void
test_json_number_at_end (void)
{
  const char text[] = "[1,2.5,-3e2]1234";
  const char bare[] = "42e1x";
  g_autoptr(GError) error = NULL;
  g_autoptr(NnJsonNode) a = nn_json_parse (text, 12, &error);
  g_autoptr(NnJsonNode) n = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (nn_json_array_get_length (a), ==, 3);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_array_get_element (a, 2)), ==, -300);
  n = nn_json_parse (bare, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (nn_json_node_get_number (n), ==, 420);
}

/* The writer places separators and line breaks itself, in each of its layouts. */
static void
test_json_writer (void)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(NnJsonNode) root = NULL;
  NnJsonWriter w;

  nn_json_writer_init (&w, s, FALSE);
  nn_json_write_begin_object (&w, NN_JSON_LINES);
  nn_json_write_key (&w, "a");
  nn_json_write_begin_array (&w, NN_JSON_INLINE);
  nn_json_write_uint (&w, 1);
  nn_json_write_int (&w, -2);
  nn_json_write_end_array (&w);
  nn_json_write_key (&w, "b");
  nn_json_write_begin_array (&w, NN_JSON_LINES);
  nn_json_write_begin_object (&w, NN_JSON_INLINE);
  nn_json_write_key (&w, "x\"y");
  nn_json_write_number_fmt (&w, "%.3g", 0.5);
  nn_json_write_key (&w, "n");
  nn_json_write_double (&w, NAN);
  nn_json_write_end_object (&w);
  nn_json_write_begin_array (&w, NN_JSON_LINES);
  nn_json_write_end_array (&w);
  nn_json_write_end_array (&w);
  nn_json_write_key (&w, "c");
  nn_json_write_bool (&w, TRUE);
  nn_json_write_end_object (&w);
  g_assert_cmpuint (w.depth, ==, 0);
  g_assert_cmpstr (s->str, ==,
                   "{\n  \"a\": [1, -2],\n  \"b\": [\n    {\"x\\\"y\": 0.5, \"n\": null},\n    []\n  ],"
                   "\n  \"c\": true\n}");
  root = nn_json_parse (s->str, s->len, NULL);
  g_assert_nonnull (root);

  g_string_truncate (s, 0);
  nn_json_writer_init (&w, s, TRUE);
  nn_json_write_begin_object (&w, NN_JSON_INLINE);
  nn_json_write_key (&w, "k");
  nn_json_write_begin_array (&w, NN_JSON_INLINE);
  nn_json_write_string (&w, "v");
  nn_json_write_null (&w);
  nn_json_write_end_array (&w);
  nn_json_write_key (&w, "e");
  nn_json_write_begin_object (&w, NN_JSON_INLINE);
  nn_json_write_end_object (&w);
  nn_json_write_end_object (&w);
  g_assert_cmpstr (s->str, ==, "{\"k\":[\"v\",null],\"e\":{}}");
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
  g_test_add_func ("/engine/json/duplicates", test_json_duplicates);
  g_test_add_func ("/engine/json/number-at-end", test_json_number_at_end);
  g_test_add_func ("/engine/json/writer", test_json_writer);
  return g_test_run ();
}
