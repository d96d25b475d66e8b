/* test-dropout.c: dropout keeps about 1 − p, scales to keep the mean, and is reproducible */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "gradcheck.h"
#include "nn-dropout.h"

#define N 100000

static void
test_dropout_statistics (void)
{
  g_autofree float *in = g_new (float, N);
  g_autofree float *out = g_new (float, N);
  g_autofree float *mask = g_new (float, N);
  NnRng rng;
  size_t kept = 0;
  double sum = 0;

  for (int i = 0; i < N; i++)
    in[i] = 1.0f;
  nn_rng_init (&rng, 1);
  nn_dropout_forward (out, mask, in, N, 0.3f, TRUE, &rng);
  for (int i = 0; i < N; i++)
    {
      g_assert_true (out[i] == 0.0f || fabsf (out[i] - 1.0f / 0.7f) < 1e-6);
      kept += out[i] != 0.0f;
      sum += out[i];
    }
  g_assert_cmpfloat_with_epsilon ((double) kept / N, 0.7, 0.01);
  g_assert_cmpfloat_with_epsilon (sum / N, 1.0, 0.02);
}

static void
test_dropout_identity (void)
{
  float in[8] = { 1, -2, 3, -4, 5, -6, 7, -8 }, out[8], mask[8];
  NnRng rng;

  nn_rng_init (&rng, 2);
  nn_dropout_forward (out, mask, in, 8, 0.5f, FALSE, &rng);
  g_assert_cmpmem (out, sizeof out, in, sizeof in);
  nn_dropout_forward (out, mask, in, 8, 0.0f, TRUE, &rng);
  g_assert_cmpmem (out, sizeof out, in, sizeof in);
}

static void
test_dropout_reproducible_and_backward (void)
{
  float in[256], a[256], b[256], ma[256], mb[256], dout[256], din[256];
  NnRng r1, r2;

  for (int i = 0; i < 256; i++)
    in[i] = dout[i] = (float) i;
  nn_rng_init (&r1, 3);
  nn_rng_init (&r2, 3);
  nn_dropout_forward (a, ma, in, 256, 0.5f, TRUE, &r1);
  nn_dropout_forward (b, mb, in, 256, 0.5f, TRUE, &r2);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  nn_dropout_backward (din, dout, ma, 256);
  /* the gradient goes exactly where the value went, with the same scale */
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat (din[i], ==, a[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dropout/statistics", test_dropout_statistics);
  g_test_add_func ("/engine/dropout/identity", test_dropout_identity);
  g_test_add_func ("/engine/dropout/reproducible-and-backward",
                   test_dropout_reproducible_and_backward);
  return g_test_run ();
}
