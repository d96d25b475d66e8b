/* test-optimizer.c: Adam, AdamW and SGD updates and learning-rate schedules against values
 * worked out by hand */
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

/* PyTorch's AdamW: p ← p (1 − lr λ), then the Adam step without decay in the gradient */
static void
test_optimizer_adamw (void)
{
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;
  g_autoptr(NnOptimizer) adam = NULL;
  float p[2] = { 2.0f, -1.0f }, q[2] = { 2.0f, -1.0f };
  const float g[2] = { 0.5f, 0.0f };
  const float g2[2] = { -0.25f, 1.0f };
  double m, v, expected, pe;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_ADAMW);
  g_assert_cmpfloat (c.learning_rate, ==, 1e-3);
  g_assert_cmpfloat (c.weight_decay, ==, 1e-2);
  c.learning_rate = 0.1;
  c.weight_decay = 0.2;
  opt = nn_optimizer_new (&c, 2, NULL);
  g_assert_nonnull (opt->v);

  /* step 1: the decay first (2 × (1 − 0.02) = 1.96), then lr times the gradient's sign */
  nn_optimizer_step (opt, p, g);
  g_assert_cmpfloat_with_epsilon (p[0], 2.0 * (1 - 0.1 * 0.2) - 0.1, 1e-6);
  /* a zero gradient leaves only the decay: Adam's move is 0 / (0 + eps) */
  g_assert_cmpfloat_with_epsilon (p[1], -1.0 * (1 - 0.1 * 0.2), 1e-6);

  /* step 2 by hand, for p[0]: m2 = 0.9 × 0.05 + 0.1 × −0.25, v2 = 0.999 × 0.00025 + 0.001 ×
   * 0.0625, both bias-corrected; the decay uses the parameter before the step */
  nn_optimizer_step (opt, p, g2);
  m = 0.9 * (0.1 * 0.5) + 0.1 * -0.25;
  v = 0.999 * (0.001 * 0.25) + 0.001 * 0.0625;
  pe = 2.0 * (1 - 0.02) - 0.1;
  expected = pe * (1 - 0.02) - 0.1 * (m / (1 - 0.81)) / (sqrt (v / (1 - 0.999 * 0.999)) + 1e-8);
  g_assert_cmpfloat_with_epsilon (p[0], expected, 1e-6);

  /* Adam with the same weight decay puts it into the gradient instead: a different result */
  c.kind = NN_OPTIMIZER_ADAM;
  adam = nn_optimizer_new (&c, 2, NULL);
  nn_optimizer_step (adam, q, g);
  g_assert_cmpfloat_with_epsilon (q[1], -1.0 + 0.1, 1e-6);
}

/* the learning rate a schedule gives is the one the next update uses */
static void
test_optimizer_lr_is_used (void)
{
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;
  float p = 1.0f;
  const float g = 3.0f;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_SGD);
  c.momentum = 0;
  opt = nn_optimizer_new (&c, 1, NULL);
  g_assert_cmpfloat (opt->lr, ==, c.learning_rate);
  opt->lr = 0.5;
  nn_optimizer_step (opt, &p, &g);
  g_assert_cmpfloat_with_epsilon (p, 1.0 - 1.5, 1e-6);
}

#define LR_CLOSE(value, expected) g_assert_cmpfloat_with_epsilon ((value), (expected), 1e-12)

static void
test_schedule_constant_and_step (void)
{
  NnLrSchedule s;

  nn_lr_schedule_init (&s);
  g_assert_cmpint (s.kind, ==, NN_LR_SCHEDULE_CONSTANT);
  /* constant: the rate itself, bit for bit, at any step */
  g_assert_true (nn_lr_schedule_at (&s, 1e-3, 0, 860, 8600) == 1e-3);
  g_assert_true (nn_lr_schedule_at (&s, 1e-3, 8599, 860, 8600) == 1e-3);

  /* step: 100 batches to an epoch, × 0.5 every 2 epochs (PyTorch's StepLR per epoch) */
  s.kind = NN_LR_SCHEDULE_STEP;
  s.step_epochs = 2;
  s.gamma = 0.5;
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 0, 100, 1000), 0.1);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 199, 100, 1000), 0.1);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 200, 100, 1000), 0.05);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 399, 100, 1000), 0.05);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 400, 100, 1000), 0.025);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 999, 100, 1000), 0.00625);
}

static void
test_schedule_cosine (void)
{
  NnLrSchedule s;

  nn_lr_schedule_init (&s);
  s.kind = NN_LR_SCHEDULE_COSINE;
  s.min_lr = 0.001;
  /* η = 0.001 + (0.1 − 0.001)(1 + cos (π t / 1000)) / 2 */
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 0, 100, 1000), 0.1);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 250, 100, 1000), 0.001 + 0.099 * (1 + M_SQRT1_2) / 2);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 500, 100, 1000), 0.0505);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 750, 100, 1000), 0.001 + 0.099 * (1 - M_SQRT1_2) / 2);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 1000, 100, 1000), 0.001);
}

/* torch.optim.lr_scheduler.OneCycleLR (max_lr=0.1, total_steps=100, pct_start=0.25,
 * div_factor=10, final_div_factor=100, anneal_strategy='cos'): phase one ends at step
 * 0.25 × 100 − 1 = 24, rising from 0.01 to 0.1; phase two falls to 0.0001 at step 99. */
static void
test_schedule_one_cycle (void)
{
  NnLrSchedule s;
  double pct;

  nn_lr_schedule_init (&s);
  g_assert_cmpfloat (s.pct_start, ==, 0.3);
  g_assert_cmpfloat (s.div_factor, ==, 25);
  g_assert_cmpfloat (s.final_div_factor, ==, 1e4);
  s.kind = NN_LR_SCHEDULE_ONE_CYCLE;
  s.pct_start = 0.25;
  s.div_factor = 10;
  s.final_div_factor = 100;

  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 0, 10, 100), 0.01);
  /* half-way up: the mean of the two ends */
  pct = 12.0 / 24.0;
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 12, 10, 100), 0.1 + (0.01 - 0.1) / 2 * (cos (G_PI * pct) + 1));
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 12, 10, 100), 0.055);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 24, 10, 100), 0.1);
  /* step 60 of phase two: pct = (60 − 24) / (99 − 24) */
  pct = 36.0 / 75.0;
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 60, 10, 100), 0.0001 + (0.1 - 0.0001) / 2 * (cos (G_PI * pct) + 1));
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 99, 10, 100), 0.0001);
  /* step 1: 0.1 − 0.045 (1 + cos (π / 24)) = 0.0103850…; past the end it stays at the end */
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 1, 10, 100), 0.1 - 0.045 * (1 + cos (G_PI / 24)));
  g_assert_cmpfloat (nn_lr_schedule_at (&s, 0.1, 1, 10, 100), >, 0.01038);
  g_assert_cmpfloat (nn_lr_schedule_at (&s, 0.1, 1, 10, 100), <, 0.01039);
  LR_CLOSE (nn_lr_schedule_at (&s, 0.1, 150, 10, 100), 0.0001);
}

static void
test_schedule_names_and_bounds (void)
{
  NnLrSchedule s;
  NnLrScheduleKind kind;

  g_assert_true (nn_lr_schedule_kind_from_string ("one-cycle", &kind));
  g_assert_cmpint (kind, ==, NN_LR_SCHEDULE_ONE_CYCLE);
  g_assert_true (nn_lr_schedule_kind_from_string ("Cosine", &kind));
  g_assert_cmpint (kind, ==, NN_LR_SCHEDULE_COSINE);
  g_assert_false (nn_lr_schedule_kind_from_string ("linear", &kind));
  g_assert_cmpstr (nn_lr_schedule_kind_to_string (NN_LR_SCHEDULE_STEP), ==, "step");

  nn_lr_schedule_init (&s);
  g_assert_null (nn_lr_schedule_check (&s, 1e-3));
  s.min_lr = 2e-3;
  g_assert_nonnull (nn_lr_schedule_check (&s, 1e-3));
  s.min_lr = NAN;
  g_assert_nonnull (nn_lr_schedule_check (&s, 1e-3));
  nn_lr_schedule_init (&s);
  s.pct_start = 1;
  g_assert_nonnull (nn_lr_schedule_check (&s, 1e-3));
  nn_lr_schedule_init (&s);
  s.gamma = 0;
  g_assert_nonnull (nn_lr_schedule_check (&s, 1e-3));
  nn_lr_schedule_init (&s);
  s.step_epochs = 0;
  g_assert_nonnull (nn_lr_schedule_check (&s, 1e-3));
  nn_lr_schedule_init (&s);
  s.div_factor = 0.5;
  g_assert_nonnull (nn_lr_schedule_check (&s, 1e-3));
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
  g_test_add_func ("/engine/optimizer/adamw", test_optimizer_adamw);
  g_test_add_func ("/engine/optimizer/lr-is-used", test_optimizer_lr_is_used);
  g_test_add_func ("/engine/optimizer/schedule-constant-step", test_schedule_constant_and_step);
  g_test_add_func ("/engine/optimizer/schedule-cosine", test_schedule_cosine);
  g_test_add_func ("/engine/optimizer/schedule-one-cycle", test_schedule_one_cycle);
  g_test_add_func ("/engine/optimizer/schedule-names-bounds", test_schedule_names_and_bounds);
  return g_test_run ();
}
