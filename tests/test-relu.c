/* test-relu.c: ReLU values, NaN passing through, and its gradient */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "gradcheck.h"
#include "nn-relu.h"

typedef struct
{
  float in[64], out[64], r[64];
} Relu;

static double
relu_loss (gpointer data)
{
  Relu *d = data;

  nn_relu_forward (d->out, d->in, 64);
  return gradcheck_dot (d->out, d->r, 64);
}

static void
test_relu_values (void)
{
  float v[5] = { -2, -0.0f, 0, 3, NAN };

  nn_relu_forward (v, v, 5);    /* in place */
  g_assert_cmpfloat (v[0], ==, 0);
  g_assert_cmpfloat (v[1], ==, 0);
  g_assert_cmpfloat (v[3], ==, 3);
  g_assert_true (isnan (v[4]));
}

static void
test_relu_gradcheck (void)
{
  Relu d;
  float din[64];
  NnRng rng;

  nn_rng_init (&rng, 8);
  /* keep inputs away from the kink at 0 */
  for (int i = 0; i < 64; i++)
    d.in[i] = (i % 2 ? 1 : -1) * (0.1f + nn_rng_uniform (&rng));
  gradcheck_fill (d.r, 64, &rng, 1);
  relu_loss (&d);
  nn_relu_backward (din, d.r, d.out, 64);
  g_assert_cmpfloat (gradcheck_max_error (d.in, din, 64, 1e-2f, relu_loss, &d), <, 1e-3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/relu/values", test_relu_values);
  g_test_add_func ("/engine/relu/gradcheck", test_relu_gradcheck);
  return g_test_run ();
}
