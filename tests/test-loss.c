/* test-loss.c: softmax cross-entropy values, stability and its fused gradient */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "gradcheck.h"
#include "nn-loss.h"

static void
test_loss_uniform (void)
{
  float logits[2 * 4] = { 0.5f, 0.5f, 0.5f, 0.5f, -3, -3, -3, -3 }, probs[8];
  guint8 labels[2] = { 1, 3 };
  double loss = nn_softmax_xent_forward (probs, logits, labels, 2, 4);

  /* all equal: p = 1/N and the loss of each sample is log N */
  g_assert_cmpfloat_with_epsilon (loss, 2 * log (4.0), 1e-6);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat_with_epsilon (probs[i], 0.25, 1e-7);
}

static void
test_loss_known_value (void)
{
  float logits[3] = { 1, 2, 3 }, probs[3];
  guint8 label = 0;
  double z = exp (1) + exp (2) + exp (3);
  double loss = nn_softmax_xent_forward (probs, logits, &label, 1, 3);

  g_assert_cmpfloat_with_epsilon (loss, log (z) - 1, 1e-6);
  g_assert_cmpfloat_with_epsilon (probs[2], exp (3) / z, 1e-6);
}

static void
test_loss_stable (void)
{
  float logits[3] = { 1e4f, -1e4f, 0 }, probs[3];
  guint8 label = 1;
  double loss = nn_softmax_xent_forward (probs, logits, &label, 1, 3);

  g_assert_true (isfinite (loss));
  g_assert_cmpfloat_with_epsilon (loss, 2e4, 1);
  g_assert_cmpfloat (probs[0], ==, 1.0f);
  nn_softmax (probs, logits, 1, 3);
  g_assert_true (isfinite (probs[1]));
}

typedef struct
{
  float logits[4 * 5], probs[4 * 5];
  guint8 labels[4];
} Xent;

static double
xent_mean (gpointer data)
{
  Xent *x = data;

  return nn_softmax_xent_forward (x->probs, x->logits, x->labels, 4, 5) / 4;
}

static void
test_loss_gradcheck (void)
{
  Xent x = { .labels = { 0, 4, 2, 2 } };
  float dlogits[4 * 5];
  NnRng rng;

  nn_rng_init (&rng, 4);
  gradcheck_fill (x.logits, 20, &rng, 2);
  xent_mean (&x);
  nn_softmax_xent_backward (dlogits, x.probs, x.labels, 4, 5, 4);
  g_assert_cmpfloat (gradcheck_max_error (x.logits, dlogits, 20, 1e-2f, xent_mean, &x), <, 1e-3);
  /* (p − onehot) / B, exactly */
  g_assert_cmpfloat_with_epsilon (dlogits[0], (x.probs[0] - 1) / 4, 1e-7);
  g_assert_cmpfloat_with_epsilon (dlogits[1], x.probs[1] / 4, 1e-7);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/loss/uniform", test_loss_uniform);
  g_test_add_func ("/engine/loss/known-value", test_loss_known_value);
  g_test_add_func ("/engine/loss/stable", test_loss_stable);
  g_test_add_func ("/engine/loss/gradcheck", test_loss_gradcheck);
  return g_test_run ();
}
