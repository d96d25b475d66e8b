/* fuzz-spec.c: the architecture spec parser on any text; what it accepts must print and parse
 * back to the same spec */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "nn-spec.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(NnSpec) spec = nn_spec_parse (text, &error);
  g_autoptr(NnSpec) copy = NULL;
  g_autoptr(NnSpec) again = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *printed_again = NULL;

  (void) nn_spec_preset_lookup (text);
  if (spec == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  for (size_t i = 0; i < spec->n_layers; i++)
    g_assert_nonnull (nn_layer_kind_to_string (spec->layers[i].kind));
  copy = nn_spec_copy (spec);
  printed = nn_spec_to_string (copy);
  again = nn_spec_parse (printed, &error);
  g_assert_no_error (error);
  printed_again = nn_spec_to_string (again);
  g_assert_cmpstr (printed, ==, printed_again);
  g_assert_cmpuint (again->n_layers, ==, spec->n_layers);
  return 0;
}
