/* test-spec.c: architecture specs parse, print back, and reject mistakes with clear errors */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "nn-spec.h"

static void
test_spec_reference (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (NN_SPEC_REFERENCE, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (spec);
  g_assert_cmpuint (spec->n_layers, ==, 10);
  g_assert_cmpint (spec->layers[0].kind, ==, NN_LAYER_CONV2D);
  g_assert_cmpuint (spec->layers[0].channels, ==, 32);
  g_assert_cmpuint (spec->layers[0].kernel, ==, 3);
  g_assert_cmpuint (spec->layers[0].pad, ==, 1);
  g_assert_cmpint (spec->layers[2].kind, ==, NN_LAYER_MAXPOOL);
  g_assert_cmpuint (spec->layers[2].pool, ==, 2);
  g_assert_cmpint (spec->layers[6].kind, ==, NN_LAYER_FLATTEN);
  g_assert_cmpint (spec->layers[9].kind, ==, NN_LAYER_DENSE);
  g_assert_cmpuint (spec->layers[9].units, ==, 10);

  text = nn_spec_to_string (spec);
  g_assert_cmpstr (text, ==, NN_SPEC_REFERENCE);
}

static void
test_spec_flexible_syntax (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("  Conv2d( 8 , 5 ) ; ReLU -> pool -> flatten, "
                                          "dropout(0.25) linear(10)\n", &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (spec->n_layers, ==, 6);
  g_assert_cmpuint (spec->layers[0].pad, ==, 0);
  g_assert_cmpuint (spec->layers[2].pool, ==, 2);
  g_assert_cmpfloat_with_epsilon (spec->layers[4].p, 0.25, 1e-7);
  text = nn_spec_to_string (spec);
  g_assert_cmpstr (text, ==, "conv(8,5) relu maxpool(2) flatten dropout(0.25) dense(10)");
  {
    g_autoptr(NnSpec) padded = nn_spec_parse ("conv(8, 3, pad = 1) conv(4,3,1) flatten dense(2)",
                                              &error);
    g_autofree char *back = NULL;

    g_assert_no_error (error);
    back = nn_spec_to_string (padded);
    g_assert_cmpstr (back, ==, "conv(8,3,pad=1) conv(4,3,pad=1) flatten dense(2)");
  }
  {
    /* strides, 5×5 kernels, batch norm and global average pooling print back as written */
    g_autoptr(NnSpec) modern = nn_spec_parse ("conv(8,5,pad=2) bn relu conv(16,3,1,stride=2) "
                                              "batchnorm relu gap flatten dense(16) BN dense(3)",
                                              &error);
    g_autofree char *back = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (modern->layers[3].stride, ==, 2);
    g_assert_cmpuint (modern->layers[3].pad, ==, 1);
    g_assert_cmpint (modern->layers[1].kind, ==, NN_LAYER_BATCHNORM);
    g_assert_cmpint (modern->layers[6].kind, ==, NN_LAYER_AVGPOOL);
    back = nn_spec_to_string (modern);
    g_assert_cmpstr (back, ==, "conv(8,5,pad=2) batchnorm relu conv(16,3,pad=1,stride=2) "
                               "batchnorm relu globalavgpool flatten dense(16) batchnorm dense(3)");
  }
}

static void
test_spec_errors (void)
{
  static const struct { const char *text; int code; } cases[] = {
    { "", NN_SPEC_ERROR_SYNTAX },
    { "conv(32,3,pad=1", NN_SPEC_ERROR_SYNTAX },
    { "conv(32 3)", NN_SPEC_ERROR_SYNTAX },
    { "softmax", NN_SPEC_ERROR_UNKNOWN_LAYER },
    { "conv(0,3)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(3.5,3)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(32,3,pad=3)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(32,3,stride=0)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(32,3,stride=16)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(32,3,stride=1.5)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(32,3,dilation=2)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(8,3,1,stride=2,pad=1)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "batchnorm(8)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "gap(2)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "dense()", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "dense(10,2)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "dropout(1.0)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "relu(1)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "flatten $", NN_SPEC_ERROR_SYNTAX },
    /* a value after a keyword was once read as the next positional one */
    { "conv(pad=1,8,3)", NN_SPEC_ERROR_SYNTAX },
    { "conv(8,pad=1,3)", NN_SPEC_ERROR_SYNTAX },
    { "conv(8,3,pad=1,pad=1)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(8,3,1,pad=1)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "maxpool(size=2)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "dense(units=10)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(0x20,3)", NN_SPEC_ERROR_SYNTAX },
    { "conv(nan,3)", NN_SPEC_ERROR_SYNTAX },
    { "dropout(inf)", NN_SPEC_ERROR_SYNTAX },
    { "conv(32,3,pad=1x)", NN_SPEC_ERROR_SYNTAX },
    { "conv(32,,3)", NN_SPEC_ERROR_SYNTAX },
    { "conv(1e400,3)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(18446744073709551617,3)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(-8,3)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "conv(8,3,pad=-1)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "dense(65537)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "dropout(-0.1)", NN_SPEC_ERROR_BAD_ARGUMENT },
    { "dense(10))", NN_SPEC_ERROR_SYNTAX },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnSpec) spec = nn_spec_parse (cases[i].text, &error);

      g_assert_null (spec);
      g_assert_error (error, NN_SPEC_ERROR, cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, "Architecture: "));
    }
}

static void
test_spec_presets (void)
{
  const char *const *names = nn_spec_preset_names ();

  g_assert_cmpstr (nn_spec_preset_lookup ("reference"), ==, NN_SPEC_REFERENCE);
  g_assert_null (nn_spec_preset_lookup ("nonexistent"));
  for (size_t i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnSpec) spec = nn_spec_parse (nn_spec_preset_lookup (names[i]), &error);

      g_assert_no_error (error);
      g_assert_nonnull (spec);
    }
}

/* an error points at the item it is in */
static void
assert_error_at (const char *text,
                 const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = NULL;
  NnSpecSpan span = { 99, 99 };
  g_autofree char *pointed = NULL;

  spec = nn_spec_parse_located (text, &span, &error);
  g_assert_null (spec);
  g_assert_nonnull (error);
  g_assert_cmpuint (span.start, <=, span.end);
  g_assert_cmpuint (span.end, <=, strlen (text));
  pointed = g_strndup (text + span.start, span.end - span.start);
  g_assert_cmpstr (pointed, ==, token);
}

static void
test_spec_error_positions (void)
{
  NnSpecSpan span;
  g_autoptr(NnSpec) ok = NULL;

  assert_error_at ("conv(8,3) relu mxpool(2) flatten dense(10)", "mxpool(2)");
  assert_error_at ("conv(8,3) relu maxpool(2) flatten dense(x)", "dense(x)");
  assert_error_at ("conv(8,3,pad=1,stride=2,foo=3) dense(10)", "conv(8,3,pad=1,stride=2,foo=3)");
  assert_error_at ("flatten  dense(10, 3", "dense(10, 3");
  assert_error_at ("relu $ dense(10)", "$");
  assert_error_at ("relu \xc3\xa9 dense(10)", "\xc3\xa9");
  assert_error_at ("  ", "  ");
  assert_error_at ("conv(8,3,pad=) dense(10)", "conv(8,3,pad=)");

  ok = nn_spec_parse_located ("flatten dense(10)", &span, NULL);
  g_assert_nonnull (ok);

  /* the items as the parser counts them, for errors found after parsing */
  g_assert_true (nn_spec_item_span (" conv(8, 3) -> relu;dense(10)", 0, &span));
  g_assert_cmpuint (span.start, ==, 1);
  g_assert_cmpuint (span.end, ==, 11);
  g_assert_true (nn_spec_item_span (" conv(8, 3) -> relu;dense(10)", 1, &span));
  g_assert_cmpuint (span.start, ==, 15);
  g_assert_cmpuint (span.end, ==, 19);
  g_assert_true (nn_spec_item_span (" conv(8, 3) -> relu;dense(10)", 2, &span));
  g_assert_cmpuint (span.start, ==, 20);
  g_assert_cmpuint (span.end, ==, 29);
  g_assert_false (nn_spec_item_span (" conv(8, 3) -> relu;dense(10)", 3, &span));
  g_assert_false (nn_spec_item_span ("", 0, &span));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/spec/reference", test_spec_reference);
  g_test_add_func ("/engine/spec/flexible-syntax", test_spec_flexible_syntax);
  g_test_add_func ("/engine/spec/errors", test_spec_errors);
  g_test_add_func ("/engine/spec/presets", test_spec_presets);
  g_test_add_func ("/engine/spec/error-positions", test_spec_error_positions);
  return g_test_run ();
}
