/* fuzz-json.c: the JSON reader on any bytes, every node visited and every getter called */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "nn-json.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static void
visit (const NnJsonNode *node,
       GString          *out,
       guint             depth)
{
  g_assert_cmpuint (depth, <=, 64);
  switch (nn_json_node_get_kind (node))
    {
    case NN_JSON_NULL:
      break;
    case NN_JSON_BOOL:
      (void) nn_json_node_get_bool (node);
      break;
    case NN_JSON_NUMBER:
      nn_json_append_double (out, nn_json_node_get_number (node));
      break;
    case NN_JSON_STRING:
      g_assert_true (g_utf8_validate (nn_json_node_get_string (node), -1, NULL));
      nn_json_append_string (out, nn_json_node_get_string (node));
      break;
    case NN_JSON_ARRAY:
      for (size_t i = 0; i < nn_json_array_get_length (node); i++)
        visit (nn_json_array_get_element (node, i), out, depth + 1);
      break;
    case NN_JSON_OBJECT:
      for (size_t i = 0; i < nn_json_object_get_size (node); i++)
        {
          const char *key = nn_json_object_get_key (node, i);
          const char *s;
          gint64 n;
          double d;

          g_assert_nonnull (nn_json_object_get (node, key));
          (void) nn_json_object_get_int_member (node, key, &n, NULL);
          (void) nn_json_object_get_double_member (node, key, &d, NULL);
          (void) nn_json_object_get_string_member (node, key, &s, NULL);
          nn_json_append_string (out, key);
          visit (nn_json_object_get_value (node, i), out, depth + 1);
        }
      (void) nn_json_object_get (node, "missing");
      break;
    default:
      g_assert_not_reached ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  /* libFuzzer's buffer, exactly size bytes and not NUL-terminated: a read past length is an
   * ASan report */
  g_autoptr(NnJsonNode) root = nn_json_parse ((const char *) data, size, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  if (root == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  visit (root, out, 0);

  /* Every string the reader returned, escaped by the writer, must read back. */
  if (nn_json_node_get_kind (root) == NN_JSON_STRING)
    {
      g_autoptr(GString) quoted = g_string_new (NULL);
      g_autoptr(NnJsonNode) again = NULL;

      nn_json_append_string (quoted, nn_json_node_get_string (root));
      again = nn_json_parse (quoted->str, quoted->len, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (nn_json_node_get_string (again), ==, nn_json_node_get_string (root));
    }
  return 0;
}
