/* test-maxpool.c: max pooling picks the first maximum, routes gradients, handles odd sizes */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "gradcheck.h"
#include "nn-maxpool.h"

static void
test_maxpool_forward_and_ties (void)
{
  /* one 4×5 plane; the last column is dropped (floor) */
  const float in[20] = {
    1, 3, 2, 2, 9,
    0, 3, 2, 1, 9,
    5, 4, -1, -2, 9,
    4, 5, -3, -1, 9,
  };
  float out[4];
  guint32 argmax[4];

  nn_maxpool_forward (out, argmax, in, 1, 1, 4, 5, 2);
  g_assert_cmpfloat (out[0], ==, 3);
  g_assert_cmpuint (argmax[0], ==, 1);      /* the first of the two 3s */
  g_assert_cmpfloat (out[1], ==, 2);
  g_assert_cmpuint (argmax[1], ==, 2);      /* ties keep the first */
  g_assert_cmpfloat (out[2], ==, 5);
  g_assert_cmpuint (argmax[2], ==, 10);     /* 5 at (2,0) comes before 5 at (3,1) */
  g_assert_cmpfloat (out[3], ==, -1);
  g_assert_cmpuint (argmax[3], ==, 12);
}

typedef struct
{
  float in[2 * 3 * 6 * 6], out[2 * 3 * 3 * 3], r[2 * 3 * 3 * 3];
  guint32 argmax[2 * 3 * 3 * 3];
} Pool;

static double
pool_loss (gpointer data)
{
  Pool *p = data;

  nn_maxpool_forward (p->out, p->argmax, p->in, 2, 3, 6, 6, 2);
  return gradcheck_dot (p->out, p->r, G_N_ELEMENTS (p->out));
}

static void
test_maxpool_gradcheck (void)
{
  Pool p;
  float din[G_N_ELEMENTS (p.in)];
  NnRng rng;

  nn_rng_init (&rng, 5);
  /* distinct values, far apart compared with eps, so no perturbation changes a winner */
  for (size_t i = 0; i < G_N_ELEMENTS (p.in); i++)
    p.in[i] = (float) ((i * 37) % G_N_ELEMENTS (p.in)) * 0.1f;
  gradcheck_fill (p.r, G_N_ELEMENTS (p.r), &rng, 1);
  pool_loss (&p);
  memset (din, 0xff, sizeof din);   /* backward must overwrite everything */
  nn_maxpool_backward (din, p.r, p.argmax, 2, 3, 6, 6, 2);
  g_assert_cmpfloat (gradcheck_max_error (p.in, din, G_N_ELEMENTS (p.in), 1e-2f, pool_loss, &p),
                     <, 1e-3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/maxpool/forward-and-ties", test_maxpool_forward_and_ties);
  g_test_add_func ("/engine/maxpool/gradcheck", test_maxpool_gradcheck);
  return g_test_run ();
}
