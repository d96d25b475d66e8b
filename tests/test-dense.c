/* test-dense.c: the fully connected layer against a hand loop, and its gradients */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

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

/* Small batches take dot products, larger ones a GEMM: both against a double-precision loop,
 * for input sizes with and without a remainder after whole vectors. */
static void
test_dense_batch_sizes (void)
{
  static const size_t ins[] = { 1, 15, 77, 3136 };

  for (size_t s = 0; s < G_N_ELEMENTS (ins); s++)
    for (size_t nb = 1; nb <= 9; nb++)
      {
        size_t n_in = ins[s], n_out = 11;
        g_autofree float *x = g_new (float, nb * n_in);
        g_autofree float *w = g_new (float, n_out * n_in);
        g_autofree float *bias = g_new (float, n_out);
        g_autofree float *y = g_new (float, nb * n_out);
        NnRng rng;

        nn_rng_init (&rng, 30 + nb);
        gradcheck_fill (x, nb * n_in, &rng, 1);
        gradcheck_fill (w, n_out * n_in, &rng, 0.5f);
        gradcheck_fill (bias, n_out, &rng, 0.5f);
        nn_dense_forward (y, x, w, bias, nb, n_in, n_out);
        for (size_t b = 0; b < nb; b++)
          for (size_t o = 0; o < n_out; o++)
            {
              double sum = bias[o];

              for (size_t i = 0; i < n_in; i++)
                sum += (double) x[b * n_in + i] * w[o * n_in + i];
              g_assert_cmpfloat_with_epsilon (y[b * n_out + o], sum, 1e-5 * (1 + sqrt (n_in)));
            }
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dense/forward", test_dense_forward);
  g_test_add_func ("/engine/dense/batch-sizes", test_dense_batch_sizes);
  g_test_add_func ("/engine/dense/gradcheck", test_dense_gradcheck);
  return g_test_run ();
}
