/* test-dense.c: the fully connected layer against a hand loop, and its gradients */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "gradcheck.h"
#include "nn-dense.h"

enum { B = 3, IN = 7, OUT = 5 };

typedef struct
{
  float in[B * IN], weight[OUT * IN], bias[OUT], out[B * OUT], r[B * OUT];
} Dense;

static double
dense_loss (gpointer data)
{
  Dense *d = data;

  nn_dense_forward (d->out, d->in, d->weight, d->bias, B, IN, OUT);
  return gradcheck_dot (d->out, d->r, B * OUT);
}

static void
setup (Dense *d)
{
  NnRng rng;

  nn_rng_init (&rng, 21);
  gradcheck_fill (d->in, B * IN, &rng, 1);
  gradcheck_fill (d->weight, OUT * IN, &rng, 0.5f);
  gradcheck_fill (d->bias, OUT, &rng, 0.5f);
  gradcheck_fill (d->r, B * OUT, &rng, 1);
}

static void
test_dense_forward (void)
{
  Dense d;

  setup (&d);
  dense_loss (&d);
  for (int b = 0; b < B; b++)
    for (int o = 0; o < OUT; o++)
      {
        double s = d.bias[o];

        for (int i = 0; i < IN; i++)
          s += (double) d.in[b * IN + i] * d.weight[o * IN + i];
        g_assert_cmpfloat_with_epsilon (d.out[b * OUT + o], s, 1e-5);
      }
}

static void
test_dense_gradcheck (void)
{
  Dense d;
  float din[B * IN], dw[OUT * IN] = { 0 }, db[OUT] = { 0 };

  setup (&d);
  nn_dense_backward (din, dw, db, d.r, d.in, d.weight, B, IN, OUT);
  g_assert_cmpfloat (gradcheck_max_error (d.in, din, B * IN, 1e-2f, dense_loss, &d), <, 1e-3);
  g_assert_cmpfloat (gradcheck_max_error (d.weight, dw, OUT * IN, 1e-2f, dense_loss, &d), <, 1e-3);
  g_assert_cmpfloat (gradcheck_max_error (d.bias, db, OUT, 1e-2f, dense_loss, &d), <, 1e-3);

  /* a second backward adds the same again */
  nn_dense_backward (NULL, dw, db, d.r, d.in, d.weight, B, IN, OUT);
  {
    float dw1[OUT * IN] = { 0 }, db1[OUT] = { 0 };

    nn_dense_backward (NULL, dw1, db1, d.r, d.in, d.weight, B, IN, OUT);
    for (int i = 0; i < OUT * IN; i++)
      g_assert_cmpfloat_with_epsilon (dw[i], 2 * dw1[i], 1e-5 * (1 + fabsf (dw1[i])));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dense/forward", test_dense_forward);
  g_test_add_func ("/engine/dense/gradcheck", test_dense_gradcheck);
  return g_test_run ();
}
