/* test-avgpool.c: global average pooling against a hand loop, and its gradient */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include "gradcheck.h"
#include "nn-layer.h"
#include "nn-network.h"
#include "nn-spec.h"

enum { B = 3, C = 4, H = 5, W = 3 };

typedef struct
{
  NnLayer l;
  float   in[B * C * H * W], out[B * C], r[B * C];
} Gap;

static double
gap_loss (gpointer data)
{
  Gap *g = data;
  NnLayerWork work = { 0 };

  nn_layer_class (NN_LAYER_AVGPOOL)->forward (&g->l, g->out, g->in, NULL, NULL, &work, B);
  return gradcheck_dot (g->out, g->r, B * C);
}

static void
setup (Gap *g)
{
  NnRng rng;

  *g = (Gap) { .l = { .spec = { .kind = NN_LAYER_AVGPOOL }, .in_c = C, .in_h = H, .in_w = W,
                      .out_c = C, .out_h = 1, .out_w = 1 } };
  nn_rng_init (&rng, 8);
  gradcheck_fill (g->in, B * C * H * W, &rng, 1);
  gradcheck_fill (g->r, B * C, &rng, 1);
}

static void
test_avgpool_forward (void)
{
  Gap g;

  setup (&g);
  gap_loss (&g);
  for (size_t i = 0; i < B * C; i++)
    {
      double s = 0;

      for (size_t k = 0; k < H * W; k++)
        s += g.in[i * H * W + k];
      g_assert_cmpfloat_with_epsilon (g.out[i], s / (H * W), 1e-6);
    }
}

static void
test_avgpool_gradcheck (void)
{
  Gap g;
  float din[B * C * H * W];
  NnLayerWork work = { 0 };

  setup (&g);
  nn_layer_class (NN_LAYER_AVGPOOL)->backward (&g.l, din, NULL, NULL, g.r, g.in, g.out, NULL,
                                               &work, B);
  g_assert_cmpfloat (gradcheck_max_error (g.in, din, B * C * H * W, 1e-2f, gap_loss, &g), <,
                     1e-3);
}

/* Shapes through the network's planner: (C, H, W) to (C, 1, 1), and never on a flat input. */
static void
test_avgpool_shapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("conv(6,3) globalavgpool flatten dense(3)", &error);
  g_autoptr(NnSpec) flat = nn_spec_parse ("flatten gap dense(3)", &error);
  g_autofree NnLayer *layers = NULL;
  size_t n_params;

  g_assert_no_error (error);
  layers = nn_network_plan (spec, 1, 9, 7, &n_params, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (layers[1].out_c, ==, 6);
  g_assert_cmpuint (layers[1].out_h, ==, 1);
  g_assert_cmpuint (layers[1].out_w, ==, 1);
  g_assert_null (nn_network_plan (flat, 1, 9, 7, &n_params, &error));
  g_assert_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_BAD_SHAPE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/avgpool/forward", test_avgpool_forward);
  g_test_add_func ("/engine/avgpool/gradcheck", test_avgpool_gradcheck);
  g_test_add_func ("/engine/avgpool/shapes", test_avgpool_shapes);
  return g_test_run ();
}
