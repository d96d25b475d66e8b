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

typedef struct
{
  float  logits[4 * 5];
  float  probs[4 * 5];
  guint8 labels[4];
  float  epsilon;
} Smoothed;

static double
smoothed_mean (gpointer data)
{
  Smoothed *x = data;

  return nn_softmax_xent_smoothed_forward (x->probs, x->logits, x->labels, 4, 5, x->epsilon) / 4;
}

/* PyTorch's CrossEntropyLoss(label_smoothing=ε): −Σ_k q_k log p_k with q = (1 − ε) onehot + ε/N */
static void
test_loss_smoothed_value (void)
{
  const float z[3] = { 1.0f, 2.0f, 0.5f };
  const guint8 label = 1;
  float probs[3];
  double lse = log (exp (1.0) + exp (2.0) + exp (0.5));
  double by_hand = 0;

  /* ε = 0.3, N = 3: q = (0.1, 0.8, 0.1) */
  for (int k = 0; k < 3; k++)
    by_hand -= (k == label ? 0.8 : 0.1) * (z[k] - lse);
  g_assert_cmpfloat_with_epsilon (nn_softmax_xent_smoothed_forward (probs, z, &label, 1, 3, 0.3f),
                                  by_hand, 1e-6);
  g_assert_cmpfloat_with_epsilon (probs[1], exp (2.0 - lse), 1e-6);

  /* ε = 0 is the plain loss, bit for bit */
  g_assert_true (nn_softmax_xent_smoothed_forward (probs, z, &label, 1, 3, 0.0f) ==
                 nn_softmax_xent_forward (probs, z, &label, 1, 3));

  /* stable where a probability underflows: every −log p_k stays finite */
  {
    const float big[3] = { 1000.0f, -1000.0f, 0.0f };
    const guint8 l0 = 0;
    double loss = nn_softmax_xent_smoothed_forward (probs, big, &l0, 1, 3, 0.3f);

    /* 0.8 × 0 + 0.1 × 2000 + 0.1 × 1000 */
    g_assert_cmpfloat_with_epsilon (loss, 300.0, 1e-3);
  }
}

static void
test_loss_smoothed_gradcheck (void)
{
  Smoothed x = { .labels = { 0, 4, 2, 2 }, .epsilon = 0.2f };
  float dlogits[4 * 5], plain[4 * 5];
  NnRng rng;

  nn_rng_init (&rng, 9);
  gradcheck_fill (x.logits, 20, &rng, 2);
  smoothed_mean (&x);
  nn_softmax_xent_smoothed_backward (dlogits, x.probs, x.labels, 4, 5, 4, x.epsilon);
  g_assert_cmpfloat (gradcheck_max_error (x.logits, dlogits, 20, 1e-2f, smoothed_mean, &x), <,
                     1e-3);
  /* (p − q) / B with q = 0.8 + 0.04 on the label, 0.04 elsewhere */
  g_assert_cmpfloat_with_epsilon (dlogits[0], (x.probs[0] - 0.84f) / 4, 1e-7);
  g_assert_cmpfloat_with_epsilon (dlogits[1], (x.probs[1] - 0.04f) / 4, 1e-7);
  /* ε = 0 is the plain gradient, bit for bit */
  nn_softmax_xent_smoothed_backward (dlogits, x.probs, x.labels, 4, 5, 4, 0.0f);
  nn_softmax_xent_backward (plain, x.probs, x.labels, 4, 5, 4);
  g_assert_cmpmem (dlogits, sizeof dlogits, plain, sizeof plain);
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
  g_test_add_func ("/engine/loss/smoothed-value", test_loss_smoothed_value);
  g_test_add_func ("/engine/loss/smoothed-gradcheck", test_loss_smoothed_gradcheck);
  return g_test_run ();
}
