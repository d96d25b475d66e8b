/* test-tanh.c: tanh values, its gradient, and the kind as a table row — spec, network, files */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "gradcheck.h"
#include "nn-model.h"
#include "nn-network.h"
#include "nn-tanh.h"

typedef struct
{
  float in[64], out[64], r[64];
} Tanh;

static double
tanh_loss (gpointer data)
{
  Tanh *d = data;

  nn_tanh_forward (d->out, d->in, 64);
  return gradcheck_dot (d->out, d->r, 64);
}

static void
test_tanh_values (void)
{
  float v[4] = { 0, 1, -20, NAN };

  nn_tanh_forward (v, v, 4);    /* in place */
  g_assert_cmpfloat (v[0], ==, 0);
  g_assert_cmpfloat_with_epsilon (v[1], 0.7615942f, 1e-6);
  g_assert_cmpfloat (v[2], ==, -1);
  g_assert_true (isnan (v[3]));
}

static void
test_tanh_gradcheck (void)
{
  Tanh d;
  float din[64];
  NnRng rng;

  nn_rng_init (&rng, 8);
  gradcheck_fill (d.in, 64, &rng, 1.5f);
  gradcheck_fill (d.r, 64, &rng, 1);
  tanh_loss (&d);
  nn_tanh_backward (din, d.r, d.out, 64);
  g_assert_cmpfloat (gradcheck_max_error (d.in, din, 64, 1e-2f, tanh_loss, &d), <, 1e-3);
}

#define SPEC "conv(3,3) tanh flatten dense(8) tanh dense(3)"

/* The kind reaches everything that walks the table: spec text both ways, shapes, config.json,
 * the PyTorch module. */
static void
test_tanh_row (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (SPEC, &error);
  g_autofree char *text = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GString) module = g_string_new (NULL);
  g_autoptr(NnModel) model = NULL;
  const char *const names[] = { "a", "b", "c", NULL };
  NnNormalisation norm = { 0.5f, 0.25f };
  const NnLayer *l;

  g_assert_no_error (error);
  g_assert_cmpstr (nn_layer_kind_to_string (spec->layers[1].kind), ==, "tanh");
  text = nn_spec_to_string (spec);
  g_assert_cmpstr (text, ==, SPEC);

  nn_spec_parse ("flatten tanh(2) dense(3)", &error);
  g_assert_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT);
  g_clear_error (&error);

  model = nn_model_new (spec, 1, 6, 6, NULL, &norm, "toy", names, 1, &error);
  g_assert_no_error (error);
  l = nn_network_get_layer (model->net, 1);
  g_assert_cmpuint (l->out_c, ==, 3);
  g_assert_cmpuint (l->out_h, ==, 4);
  g_assert_cmpuint (l->n_weight, ==, 0);
  config = nn_model_config_to_json (model);
  g_assert_nonnull (strstr (config, "{\"type\": \"tanh\"}"));
  nn_layer_class (l->spec.kind)->append_pytorch (l, module);
  g_assert_cmpstr (module->str, ==, "nn.Tanh()");
}

/* Through a whole network, tanh being smooth, every parameter's gradient matches central
 * differences of the loss. */
static void
test_tanh_network_gradcheck (void)
{
  const size_t B = 4, in_size = 6 * 6;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (SPEC, &error);
  g_autoptr(NnNetwork) net = NULL;
  g_autofree float *analytic = NULL;
  float x[4 * 36];
  guint8 labels[4] = { 0, 1, 2, 1 };
  float *params;
  size_t n_params;
  NnRng rng;

  g_assert_no_error (error);
  net = nn_network_new (spec, 1, 6, 6, 1, &error);
  g_assert_no_error (error);
  g_assert_true (nn_network_reserve (net, B, &error));
  nn_rng_init (&rng, 4);
  nn_network_init_params (net, &rng);
  gradcheck_fill (x, B * in_size, &rng, 1);
  n_params = nn_network_get_n_params (net);
  params = nn_network_get_params (net);
  nn_network_train_step (net, x, labels, B, 0, NULL);
  analytic = g_memdup2 (nn_network_get_grads (net), sizeof (float) * n_params);
  for (size_t k = 0; k < n_params; k++)
    {
      const float eps = 1e-2f;
      float saved = params[k];
      double lp, lm, numeric;

      params[k] = saved + eps;
      lp = nn_network_train_step (net, x, labels, B, 0, NULL) / B;
      params[k] = saved - eps;
      lm = nn_network_train_step (net, x, labels, B, 0, NULL) / B;
      params[k] = saved;
      numeric = (lp - lm) / (2 * eps);
      g_assert_cmpfloat (fabs (numeric - analytic[k]) /
                         MAX (1e-2, fabs (numeric) + fabs (analytic[k])), <, 1e-2);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/tanh/values", test_tanh_values);
  g_test_add_func ("/engine/tanh/gradcheck", test_tanh_gradcheck);
  g_test_add_func ("/engine/tanh/row", test_tanh_row);
  g_test_add_func ("/engine/tanh/network-gradcheck", test_tanh_network_gradcheck);
  return g_test_run ();
}
