/* test-optimizer.c: Adam and SGD updates against values worked out by hand */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include "nn-optimizer.h"

static void
test_optimizer_adam_first_steps (void)
{
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;
  float params[3] = { 1.0f, -2.0f, 0.5f };
  const float grads[3] = { 0.3f, -4.0f, 0.0f };

  nn_optimizer_config_init (&c, NN_OPTIMIZER_ADAM);
  g_assert_cmpfloat (c.learning_rate, ==, 1e-3);
  opt = nn_optimizer_new (&c, 3, NULL);
  /* with bias correction the first step is lr * g / (|g| + eps'): lr times the sign */
  nn_optimizer_step (opt, params, grads);
  g_assert_cmpfloat_with_epsilon (params[0], 1.0f - 1e-3f, 1e-6);
  g_assert_cmpfloat_with_epsilon (params[1], -2.0f + 1e-3f, 1e-6);
  g_assert_cmpfloat (params[2], ==, 0.5f);

  /* second step with the same gradient: m̂ = g, v̂ = g², the same move again */
  nn_optimizer_step (opt, params, grads);
  g_assert_cmpfloat_with_epsilon (params[0], 1.0f - 2e-3f, 1e-6);
  g_assert_cmpfloat_with_epsilon (params[1], -2.0f + 2e-3f, 1e-6);
  g_assert_cmpuint (opt->step, ==, 2);
}

static void
test_optimizer_adam_varying_gradient (void)
{
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;
  float p = 0.0f;
  const float g1 = 1.0f, g2 = -0.5f;
  double m, v, expected;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_ADAM);
  opt = nn_optimizer_new (&c, 1, NULL);
  nn_optimizer_step (opt, &p, &g1);
  nn_optimizer_step (opt, &p, &g2);
  /* by hand: m2 = 0.9*0.1*1 + 0.1*(-0.5); v2 = 0.999*0.001*1 + 0.001*0.25 */
  m = 0.9 * 0.1 + 0.1 * -0.5;
  v = 0.999 * 0.001 + 0.001 * 0.25;
  expected = -1e-3 - 1e-3 * (m / (1 - 0.81)) / (sqrt (v / (1 - 0.999 * 0.999)) + 1e-8);
  g_assert_cmpfloat_with_epsilon (p, expected, 1e-7);
}

static void
test_optimizer_sgd_momentum (void)
{
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;
  float p = 1.0f;
  const float g = 2.0f;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_SGD);
  c.learning_rate = 0.1;
  c.momentum = 0.5;
  opt = nn_optimizer_new (&c, 1, NULL);
  nn_optimizer_step (opt, &p, &g);          /* buf = 2, p = 1 - 0.2 */
  g_assert_cmpfloat_with_epsilon (p, 0.8f, 1e-6);
  nn_optimizer_step (opt, &p, &g);          /* buf = 0.5*2 + 2 = 3, p = 0.8 - 0.3 */
  g_assert_cmpfloat_with_epsilon (p, 0.5f, 1e-6);
  g_assert_null (opt->v);
}

static void
test_optimizer_weight_decay (void)
{
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;
  float p = 2.0f;
  const float g = 0.0f;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_SGD);
  c.learning_rate = 0.1;
  c.momentum = 0;
  c.weight_decay = 0.5;
  opt = nn_optimizer_new (&c, 1, NULL);
  nn_optimizer_step (opt, &p, &g);          /* g' = 0.5 * 2 = 1; p = 2 - 0.1 */
  g_assert_cmpfloat_with_epsilon (p, 1.9f, 1e-6);
}

/* Updating in parts, in any order, is one whole step, bit for bit. */
static void
test_optimizer_parts (void)
{
  const NnOptimizerKind kinds[] = { NN_OPTIMIZER_ADAM, NN_OPTIMIZER_SGD };

  for (size_t k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      NnOptimizerConfig c;
      g_autoptr(NnOptimizer) whole = NULL;
      g_autoptr(NnOptimizer) parts = NULL;
      float p1[37], p2[37], g[37];

      nn_optimizer_config_init (&c, kinds[k]);
      c.weight_decay = 0.01;
      whole = nn_optimizer_new (&c, 37, NULL);
      parts = nn_optimizer_new (&c, 37, NULL);
      for (int i = 0; i < 37; i++)
        p1[i] = p2[i] = (float) (i - 18) / 7.0f;
      for (int step = 0; step < 5; step++)
        {
          for (int i = 0; i < 37; i++)
            g[i] = sinf ((float) (i * 3 + step));
          nn_optimizer_step (whole, p1, g);
          nn_optimizer_begin_step (parts);
          nn_optimizer_update (parts, p2, g, 20, 37);
          nn_optimizer_update (parts, p2, g, 0, 13);
          nn_optimizer_update (parts, p2, g, 13, 20);
        }
      g_assert_cmpmem (p1, sizeof p1, p2, sizeof p2);
    }
}

static void
test_optimizer_names (void)
{
  NnOptimizerKind kind;

  g_assert_true (nn_optimizer_kind_from_string ("Adam", &kind));
  g_assert_cmpint (kind, ==, NN_OPTIMIZER_ADAM);
  g_assert_true (nn_optimizer_kind_from_string ("sgd", &kind));
  g_assert_cmpint (kind, ==, NN_OPTIMIZER_SGD);
  g_assert_false (nn_optimizer_kind_from_string ("rmsprop", &kind));
  g_assert_cmpstr (nn_optimizer_kind_to_string (NN_OPTIMIZER_SGD), ==, "sgd");
}

/* A state that cannot be held is an error, not an abort */
static void
test_too_large (void)
{
  NnOptimizerConfig c;
  g_autoptr(GError) error = NULL;
  NnOptimizer *opt;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_ADAM);
  opt = nn_optimizer_new (&c, G_MAXSIZE / 2, &error);
  g_assert_null (opt);
  g_assert_error (error, NN_OPTIMIZER_ERROR, NN_OPTIMIZER_ERROR_NO_MEMORY);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/optimizer/adam-first-steps", test_optimizer_adam_first_steps);
  g_test_add_func ("/engine/optimizer/adam-varying-gradient", test_optimizer_adam_varying_gradient);
  g_test_add_func ("/engine/optimizer/sgd-momentum", test_optimizer_sgd_momentum);
  g_test_add_func ("/engine/optimizer/weight-decay", test_optimizer_weight_decay);
  g_test_add_func ("/engine/optimizer/parts", test_optimizer_parts);
  g_test_add_func ("/engine/optimizer/names", test_optimizer_names);
  g_test_add_func ("/engine/optimizer/too-large", test_too_large);
  return g_test_run ();
}
