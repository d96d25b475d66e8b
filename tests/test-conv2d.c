/* test-conv2d.c: the im2col + GEMM convolution against direct loops, and its gradients */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "gradcheck.h"
#include "nn-conv2d.h"
#include "nn-maxpool.h"
#include "nn-relu.h"
#include "nn-rng.h"

typedef struct
{
  size_t B, C, H, W, OC, K, pad, OH, OW, S;
  float *in, *weight, *bias, *out, *r, *col;
} Conv;

/* the dimensions of c, and of c with a 3×3 kernel and padding 1 (Winograd's) */
#define SHAPE(c) (&(NnConvShape) { (c)->B, (c)->C, (c)->H, (c)->W, (c)->OC, (c)->K, (c)->pad, \
                                   (c)->S })
#define SHAPE3(c) (&(NnConvShape) { (c)->B, (c)->C, (c)->H, (c)->W, (c)->OC, 3, 1 })

/* windows S apart */
static Conv *
conv_new_strided (size_t B, size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad,
                  size_t S, guint64 seed)
{
  Conv *c = g_new0 (Conv, 1);
  NnRng rng;

  *c = (Conv) { B, C, H, W, OC, K, pad, (H + 2 * pad - K) / S + 1, (W + 2 * pad - K) / S + 1, S };
  nn_rng_init (&rng, seed);
  c->in = g_new (float, B * C * H * W);
  c->weight = g_new (float, OC * C * K * K);
  c->bias = g_new (float, OC);
  c->out = g_new (float, B * OC * c->OH * c->OW);
  c->r = g_new (float, B * OC * c->OH * c->OW);
  c->col = g_new (float, nn_conv2d_col_size (C, H, W, K, pad));
  gradcheck_fill (c->in, B * C * H * W, &rng, 1.0f);
  gradcheck_fill (c->weight, OC * C * K * K, &rng, 0.5f);
  gradcheck_fill (c->bias, OC, &rng, 0.5f);
  gradcheck_fill (c->r, B * OC * c->OH * c->OW, &rng, 1.0f);
  return c;
}

static Conv *
conv_new (size_t B, size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad, guint64 seed)
{
  return conv_new_strided (B, C, H, W, OC, K, pad, 1, seed);
}

static void
conv_free (Conv *c)
{
  g_free (c->in);
  g_free (c->weight);
  g_free (c->bias);
  g_free (c->out);
  g_free (c->r);
  g_free (c->col);
  g_free (c);
}

static size_t
n_out (const Conv *c)
{
  return c->B * c->OC * c->OH * c->OW;
}

static double
conv_loss (gpointer data)
{
  Conv *c = data;

  nn_conv2d_forward (c->out, c->in, c->weight, c->bias, c->col, SHAPE (c));
  return gradcheck_dot (c->out, c->r, n_out (c));
}

static const size_t shapes[][7] = {
  /* B, C, H, W, OC, K, pad */
  { 2, 1, 28, 28, 32, 3, 1 },
  { 2, 32, 14, 14, 64, 3, 1 },
  { 3, 2, 7, 5, 3, 3, 0 },
  { 1, 3, 6, 9, 4, 5, 2 },
  { 2, 4, 5, 5, 6, 1, 0 },
  { 1, 1, 4, 4, 2, 3, 2 },
  /* kernels wider than the input plus one side's padding: some columns see only padding */
  { 1, 1, 1, 1, 2, 5, 2 },
  { 2, 2, 2, 3, 3, 5, 2 },
  { 1, 1, 1, 2, 1, 7, 3 },
};

/* the same with strides: 5×5 and 3×3 kernels, strides that do and do not divide the input */
static const size_t strided_shapes[][8] = {
  /* B, C, H, W, OC, K, pad, S */
  { 2, 1, 28, 28, 8, 5, 2, 2 },
  { 2, 3, 14, 14, 6, 3, 1, 2 },
  { 3, 2, 9, 7, 4, 3, 0, 2 },
  { 1, 2, 11, 10, 3, 5, 1, 3 },
  { 2, 4, 6, 6, 5, 1, 0, 2 },
  { 1, 1, 3, 3, 2, 5, 2, 4 },
};

static void
check_matches_reference (size_t B, size_t C, size_t H, size_t W, size_t OC, size_t K,
                         size_t pad, size_t S, guint64 seed)
{
    {
      Conv *c = conv_new_strided (B, C, H, W, OC, K, pad, S, seed);
      size_t n_in = c->B * c->C * c->H * c->W, n_w = c->OC * c->C * c->K * c->K;
      g_autofree float *ref = g_new (float, n_out (c));
      g_autofree float *dcol = g_new (float, nn_conv2d_col_size (c->C, c->H, c->W, c->K, c->pad));
      g_autofree float *din = g_new (float, n_in);
      g_autofree float *din_ref = g_new (float, n_in);
      g_autofree float *dw = g_new0 (float, n_w);
      g_autofree float *dw_ref = g_new0 (float, n_w);
      g_autofree float *db = g_new0 (float, c->OC);
      g_autofree float *db_ref = g_new0 (float, c->OC);

      conv_loss (c);
      nn_conv2d_forward_ref (ref, c->in, c->weight, c->bias, SHAPE (c));
      for (size_t i = 0; i < n_out (c); i++)
        g_assert_cmpfloat_with_epsilon (c->out[i], ref[i], 1e-4 * (1 + fabsf (ref[i])));

      nn_conv2d_backward (din, dw, db, c->r, c->in, c->weight, c->col, dcol, SHAPE (c));
      nn_conv2d_backward_ref (din_ref, dw_ref, db_ref, c->r, c->in, c->weight, SHAPE (c));
      for (size_t i = 0; i < n_in; i++)
        g_assert_cmpfloat_with_epsilon (din[i], din_ref[i], 1e-3 * (1 + fabsf (din_ref[i])));
      for (size_t i = 0; i < n_w; i++)
        g_assert_cmpfloat_with_epsilon (dw[i], dw_ref[i], 1e-3 * (1 + fabsf (dw_ref[i])));
      for (size_t i = 0; i < c->OC; i++)
        g_assert_cmpfloat_with_epsilon (db[i], db_ref[i], 1e-3 * (1 + fabsf (db_ref[i])));
      conv_free (c);
    }
}

static void
test_conv2d_matches_reference (void)
{
  for (size_t s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      const size_t *d = shapes[s];

      check_matches_reference (d[0], d[1], d[2], d[3], d[4], d[5], d[6], 1, 10 + s);
    }
}

static void
test_conv2d_strided_matches_reference (void)
{
  for (size_t s = 0; s < G_N_ELEMENTS (strided_shapes); s++)
    {
      const size_t *d = strided_shapes[s];

      check_matches_reference (d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], 30 + s);
    }
}

/* Strides above 1 by groups of images: against the direct loops on odd sizes, strides 2 and 3,
 * pads 0 to 2, kernels 3 and 5, batches of 1, 7 and 64, groups that do and do not divide the
 * batch; the forward values and the input gradient the same bits whatever the group (only the
 * weight gradient's sum follows it); and an image too large for the phase-split im2col. */
static void
check_groups (size_t B, size_t C, size_t H, size_t W, size_t OC, size_t K, size_t pad, size_t S,
              guint64 seed)
{
  Conv *c = conv_new_strided (B, C, H, W, OC, K, pad, S, seed);
  NnConvShape *shape = SHAPE (c);
  size_t n_in = B * C * H * W, n_w = OC * C * K * K;
  size_t groups[] = { 1, 3, nn_conv2d_group_size (shape), B };
  g_autofree float *ref = g_new (float, n_out (c));
  g_autofree float *din_ref = g_new (float, n_in);
  g_autofree float *dw_ref = g_new0 (float, n_w);
  g_autofree float *db_ref = g_new0 (float, OC);
  g_autofree float *out1 = g_new (float, n_out (c));
  g_autofree float *din1 = g_new (float, n_in);

  nn_conv2d_forward_ref (ref, c->in, c->weight, c->bias, shape);
  nn_conv2d_backward_ref (din_ref, dw_ref, db_ref, c->r, c->in, c->weight, shape);
  for (size_t g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      size_t group = groups[g];
      size_t ws = nn_conv2d_group_workspace (shape, group);
      g_autofree float *col = g_new (float, ws);
      g_autofree float *dcol = g_new (float, group * C * K * K * c->OH * c->OW);
      g_autofree float *out = g_new (float, n_out (c));
      g_autofree float *din = g_new (float, n_in);
      g_autofree float *dw = g_new0 (float, n_w);
      g_autofree float *db = g_new0 (float, OC);

      g_assert_cmpuint (ws, >=, C * K * K * c->OH * c->OW);
      /* the garbage a previous call may leave in the output gradient's place */
      memset (din, 0xff, sizeof (float) * n_in);
      nn_conv2d_forward_group (out, c->in, c->weight, c->bias, col, group, shape);
      nn_conv2d_backward_group (din, dw, db, c->r, c->in, c->weight, col, dcol, group, shape);
      for (size_t i = 0; i < n_out (c); i++)
        g_assert_cmpfloat_with_epsilon (out[i], ref[i], 1e-4 * (1 + fabsf (ref[i])));
      for (size_t i = 0; i < n_in; i++)
        g_assert_cmpfloat_with_epsilon (din[i], din_ref[i], 1e-3 * (1 + fabsf (din_ref[i])));
      for (size_t i = 0; i < n_w; i++)
        g_assert_cmpfloat_with_epsilon (dw[i], dw_ref[i], 1e-3 * (1 + fabsf (dw_ref[i])));
      for (size_t i = 0; i < OC; i++)
        g_assert_cmpfloat_with_epsilon (db[i], db_ref[i], 1e-3 * (1 + fabsf (db_ref[i])));
      if (g == 0)
        {
          memcpy (out1, out, sizeof (float) * n_out (c));
          memcpy (din1, din, sizeof (float) * n_in);
          /* groups of one are what nn_conv2d_forward and nn_conv2d_backward run */
          conv_loss (c);
          g_assert_cmpmem (c->out, sizeof (float) * n_out (c), out, sizeof (float) * n_out (c));
        }
      g_assert_cmpmem (out, sizeof (float) * n_out (c), out1, sizeof (float) * n_out (c));
      g_assert_cmpmem (din, sizeof (float) * n_in, din1, sizeof (float) * n_in);

      /* without the input gradient (a first layer) the weight gradient is the same */
      {
        g_autofree float *dw2 = g_new0 (float, n_w);
        g_autofree float *db2 = g_new0 (float, OC);

        nn_conv2d_backward_group (NULL, dw2, db2, c->r, c->in, c->weight, col, dcol, group,
                                  shape);
        g_assert_cmpmem (dw2, sizeof (float) * n_w, dw, sizeof (float) * n_w);
        g_assert_cmpmem (db2, sizeof (float) * OC, db, sizeof (float) * OC);
      }
    }
  conv_free (c);
}

static void
test_conv2d_strided_groups (void)
{
  const size_t batches[] = { 1, 7, 64 };
  guint64 seed = 70;

  for (size_t S = 2; S <= 3; S++)
    for (size_t K = 3; K <= 5; K += 2)
      for (size_t pad = 0; pad <= 2; pad++)
        for (size_t b = 0; b < G_N_ELEMENTS (batches); b++)
          check_groups (batches[b], 3, 13, 11, 5, K, pad, S, seed++);
  /* planes of 71 × 71 once padded: more than the per-channel scratch holds */
  check_groups (2, 2, 67, 67, 3, 5, 2, 2, seed++);
  check_groups (3, 1, 70, 69, 2, 3, 1, 3, seed++);
}

/* The inference-only fused conv → ReLU → 2×2 max-pool, by im2col and where it applies by
 * Winograd, against the three steps done plainly, for groups that divide the batch and groups
 * that leave a remainder. Planes wider than 14 take the plain Winograd input transform. */
static void
test_conv2d_fused_pool (void)
{
  static const size_t fused_shapes[][7] = {
    /* B, C, H, W, OC, K, pad */
    { 7, 1, 28, 28, 32, 3, 1 },
    { 7, 32, 14, 14, 64, 3, 1 },
    { 3, 2, 7, 5, 3, 3, 1 },
    { 4, 3, 6, 10, 5, 3, 0 },
    { 5, 4, 2, 2, 3, 3, 1 },
    { 2, 3, 20, 16, 7, 3, 1 },
  };

  for (size_t s = 0; s < G_N_ELEMENTS (fused_shapes); s++)
    for (size_t group = 1; group <= 5; group += 2)
      {
        const size_t *d = fused_shapes[s];
        Conv *c = conv_new (d[0], d[1], d[2], d[3], d[4], d[5], d[6], 40 + s);
        size_t PH = c->OH / 2, PW = c->OW / 2;
        size_t col_size = nn_conv2d_col_size (c->C, c->H, c->W, c->K, c->pad);
        g_autofree float *ref = g_new (float, n_out (c));
        g_autofree float *fused = g_new (float, c->B * c->OC * PH * PW);
        g_autofree float *col = g_new (float, group * col_size);
        g_autofree float *tmp = g_new (float, group * c->OC * c->OH * c->OW);
        g_autofree float *wino = g_new (float, c->B * c->OC * PH * PW);
        gboolean winograd = nn_conv2d_winograd_applies (c->H, c->W, c->K, c->pad);
        g_autofree float *work = NULL;

        nn_conv2d_forward_ref (ref, c->in, c->weight, c->bias, SHAPE (c));
        nn_conv2d_relu_maxpool2_forward (fused, c->in, c->weight, c->bias, col, tmp, group,
                                         SHAPE (c));
        if (winograd)
          {
            work = g_new (float, nn_conv2d_winograd_workspace (c->C, c->H, c->W, c->OC, group));
            nn_conv2d_winograd_relu_maxpool2_forward (wino, NULL, c->in, c->weight, c->bias, work,
                                                      group, SHAPE3 (c));
          }
        for (size_t bc = 0; bc < c->B * c->OC; bc++)
          for (size_t ph = 0; ph < PH; ph++)
            for (size_t pw = 0; pw < PW; pw++)
              {
                const float *plane = ref + bc * c->OH * c->OW;
                float m = 0.0f;   /* ReLU: the max of the window and zero */

                for (size_t dy = 0; dy < 2; dy++)
                  for (size_t dx = 0; dx < 2; dx++)
                    m = MAX (m, plane[(2 * ph + dy) * c->OW + 2 * pw + dx]);
                g_assert_cmpfloat_with_epsilon (fused[(bc * PH + ph) * PW + pw], m,
                                                1e-4 * (1 + fabsf (m)));
                if (winograd)
                  g_assert_cmpfloat_with_epsilon (wino[(bc * PH + ph) * PW + pw], m,
                                                  1e-4 * (1 + fabsf (m)));
              }
        conv_free (c);
      }
}

/* Training's Winograd forward: the pooled outputs are im2col's up to rounding and exactly the
 * inference Winograd's, and each winner is im2col's unless two outputs of its window are equal
 * to rounding. Some channels are clamped whole (ties at zero), and one shape is wider than 14. */
static void
test_conv2d_winograd_train (void)
{
  static const size_t wino_shapes[][5] = {
    /* B, C, H, W, OC; K = 3, pad = 1 */
    { 6, 32, 14, 14, 64 },
    { 3, 2, 6, 10, 5 },
    { 2, 3, 20, 36, 7 },
    { 5, 4, 2, 2, 3 },
  };

  for (size_t s = 0; s < G_N_ELEMENTS (wino_shapes); s++)
    for (size_t group = 1; group <= 4; group++)
      {
        const size_t *d = wino_shapes[s];
        Conv *c = conv_new (d[0], d[1], d[2], d[3], d[4], 3, 1, 80 + s);
        size_t PH = c->OH / 2, PW = c->OW / 2, n_pool = c->B * c->OC * PH * PW;
        size_t OHW = c->OH * c->OW;
        size_t col_size = nn_conv2d_col_size (c->C, c->H, c->W, 3, 1);
        g_autofree float *conv = g_new (float, n_out (c));
        g_autofree float *pool = g_new (float, n_pool);
        g_autofree guint32 *winner = g_new (guint32, n_pool);
        g_autofree float *wino = g_new (float, n_pool);
        g_autofree guint32 *wino_winner = g_new (guint32, n_pool);
        g_autofree float *infer = g_new (float, n_pool);
        g_autofree float *col = g_new (float, group * col_size);
        g_autofree float *tmp = g_new (float, group * c->OC * OHW);
        g_autofree float *work = g_new (float, nn_conv2d_winograd_workspace (c->C, c->H, c->W,
                                                                             c->OC, group));
        size_t differ = 0;

        for (size_t oc = 0; oc < c->OC; oc += 3)
          c->bias[oc] = -100.0f;
        nn_conv2d_forward (conv, c->in, c->weight, c->bias, col, SHAPE3 (c));
        nn_conv2d_relu_maxpool2_train_forward (pool, winner, c->in, c->weight, c->bias, col, tmp,
                                               group, SHAPE3 (c));
        nn_conv2d_winograd_relu_maxpool2_forward (wino, wino_winner, c->in, c->weight, c->bias,
                                                  work, group, SHAPE3 (c));
        nn_conv2d_winograd_relu_maxpool2_forward (infer, NULL, c->in, c->weight, c->bias, work,
                                                  group, SHAPE3 (c));
        for (size_t i = 0; i < n_pool; i++)
          {
            const float *plane = conv + i / (PH * PW) * OHW;
            size_t ph = i % (PH * PW) / PW, pw = i % PW;
            guint32 first = (guint32) (2 * ph * c->OW + 2 * pw);
            guint32 w = wino_winner[i];

            g_assert_true (wino[i] == infer[i]);
            g_assert_cmpfloat_with_epsilon (wino[i], pool[i], 1e-4 * (1 + fabsf (pool[i])));
            /* the winner lies in its own window */
            g_assert_true (w == first || w == first + 1 || w == first + c->OW ||
                           w == first + c->OW + 1);
            if (w != winner[i])
              {
                float a = MAX (0.0f, plane[w]), b = MAX (0.0f, plane[winner[i]]);

                g_assert_cmpfloat_with_epsilon (a, b, 1e-4 * (1 + fabsf (b)));
                differ++;
              }
          }
        /* near-ties are rare: a few windows at most, never a whole clamped channel */
        g_assert_cmpuint (differ, <=, n_pool / 100 + 2);
        conv_free (c);
      }
}

/* The input gradient by Winograd, from output gradients laid out in groups of images, against
 * the plain reference, for groups that divide the batch and groups that leave a remainder. */
static void
test_conv2d_winograd_backward_input (void)
{
  static const size_t back_shapes[][5] = {
    /* B, C, H, W, OC; K = 3, pad = 1 */
    { 6, 32, 14, 14, 64 },
    { 3, 2, 6, 10, 5 },
    { 2, 3, 20, 36, 7 },
    { 5, 4, 2, 2, 3 },
  };

  for (size_t s = 0; s < G_N_ELEMENTS (back_shapes); s++)
    for (size_t group = 1; group <= 4; group++)
      {
        const size_t *d = back_shapes[s];
        Conv *c = conv_new (d[0], d[1], d[2], d[3], d[4], 3, 1, 90 + s);
        size_t HW = c->H * c->W, n_in = c->B * c->C * HW;
        size_t n_w = c->OC * c->C * 9;
        g_autofree float *grouped = g_new (float, n_out (c));
        g_autofree float *din = g_new (float, n_in);
        g_autofree float *din_ref = g_new (float, n_in);
        g_autofree float *dw_ref = g_new0 (float, n_w);
        g_autofree float *db_ref = g_new0 (float, c->OC);
        g_autofree float *work = g_new (float, nn_conv2d_winograd_workspace (c->C, c->H, c->W,
                                                                             c->OC, group));

        /* no gradient at all for the first image's first output channel */
        memset (c->r, 0, sizeof (float) * HW);
        for (size_t b = 0; b < c->B; b++)
          for (size_t oc = 0; oc < c->OC; oc++)
            {
              size_t b0 = b - b % group, nb = MIN (group, c->B - b0);

              memcpy (grouped + b0 * c->OC * HW + oc * nb * HW + (b - b0) * HW,
                      c->r + (b * c->OC + oc) * HW, sizeof (float) * HW);
            }
        nn_conv2d_backward_ref (din_ref, dw_ref, db_ref, c->r, c->in, c->weight, SHAPE3 (c));
        memset (din, 0xff, sizeof (float) * n_in);    /* NaN: every element must be written */
        nn_conv2d_winograd_backward_input (din, grouped, c->weight, work, group, SHAPE3 (c));
        for (size_t i = 0; i < n_in; i++)
          g_assert_cmpfloat_with_epsilon (din[i], din_ref[i], 1e-4 * (1 + fabsf (din_ref[i])));
        conv_free (c);
      }
}

/* Training's fused conv → ReLU → 2×2 max-pool and its backward, grouped, give exactly what the
 * three layers give one after the other: the same outputs, winners and gradients, bit for bit,
 * with any number of images per GEMM. Some channels get a bias so negative that whole windows are
 * clamped to zero (ties), and some upstream gradients are −0. */
static void
test_conv2d_fused_pool_train (void)
{
  static const size_t train_shapes[][7] = {
    /* B, C, H, W, OC, K, pad */
    { 5, 1, 28, 28, 32, 3, 1 },
    { 6, 32, 14, 14, 64, 3, 1 },
    { 3, 2, 6, 10, 5, 3, 0 },
    { 2, 2, 6, 36, 3, 3, 1 },   /* rows of more than 16 windows */
  };

  for (size_t s = 0; s < G_N_ELEMENTS (train_shapes); s++)
    for (size_t group = 1; group <= 4; group++)
      {
        const size_t *d = train_shapes[s];
        Conv *c = conv_new (d[0], d[1], d[2], d[3], d[4], d[5], d[6], 60 + s);
        size_t PH = c->OH / 2, PW = c->OW / 2, n_pool = c->B * c->OC * PH * PW;
        size_t col_size = nn_conv2d_col_size (c->C, c->H, c->W, c->K, c->pad);
        g_autofree float *conv = g_new (float, n_out (c));
        g_autofree float *relu = g_new (float, n_out (c));
        g_autofree float *pool = g_new (float, n_pool);
        g_autofree guint32 *winner = g_new (guint32, n_pool);
        g_autofree float *fused = g_new (float, n_pool);
        g_autofree guint32 *fused_winner = g_new (guint32, n_pool);
        g_autofree float *col = g_new (float, MAX (group, 1) * col_size);
        g_autofree float *tmp = g_new (float, group * c->OC * c->OH * c->OW);
        g_autofree float *dpool = g_new (float, n_pool);
        g_autofree float *dconv = g_new (float, n_out (c));
        g_autofree float *dconv_fused = g_new (float, n_out (c));
        NnRng rng;

        for (size_t oc = 0; oc < c->OC; oc += 3)
          c->bias[oc] = -100.0f;
        nn_conv2d_forward (conv, c->in, c->weight, c->bias, col, SHAPE (c));
        nn_relu_forward (relu, conv, n_out (c));
        nn_maxpool_forward (pool, winner, relu, c->B, c->OC, c->OH, c->OW, 2);
        nn_conv2d_relu_maxpool2_train_forward (fused, fused_winner, c->in, c->weight, c->bias, col,
                                               tmp, group, SHAPE (c));
        g_assert_cmpmem (fused, sizeof (float) * n_pool, pool, sizeof (float) * n_pool);
        g_assert_cmpmem (fused_winner, sizeof (guint32) * n_pool, winner,
                         sizeof (guint32) * n_pool);

        nn_rng_init (&rng, 70 + s);
        for (size_t i = 0; i < n_pool; i++)
          dpool[i] = i % 7 == 0 ? -0.0f : nn_rng_normal (&rng);
        nn_maxpool_backward (dconv, dpool, winner, c->B, c->OC, c->OH, c->OW, 2);
        nn_relu_backward (dconv, dconv, relu, n_out (c));
        nn_relu_maxpool2_backward (dconv_fused, dpool, fused, fused_winner, group, c->B, c->OC,
                                   c->OH, c->OW);
        /* the same numbers, each group of images laid out as one (OC, nb·OH·OW) block */
        for (size_t b = 0; b < c->B; b++)
          for (size_t oc = 0; oc < c->OC; oc++)
            {
              size_t OHW = c->OH * c->OW, b0 = b - b % group, nb = MIN (group, c->B - b0);
              const float *plane = dconv_fused + b0 * c->OC * OHW + oc * nb * OHW + (b - b0) * OHW;

              g_assert_cmpmem (plane, sizeof (float) * OHW, dconv + (b * c->OC + oc) * OHW,
                               sizeof (float) * OHW);
            }

        /* and the conv's gradients from that layout, against nn_conv2d_backward's */
        {
          size_t n_in = c->B * c->C * c->H * c->W, n_w = c->OC * c->C * c->K * c->K;
          g_autofree float *din = g_new (float, n_in);
          g_autofree float *din_g = g_new (float, n_in);
          g_autofree float *dw = g_new0 (float, n_w);
          g_autofree float *dw_g = g_new0 (float, n_w);
          g_autofree float *db = g_new0 (float, c->OC);
          g_autofree float *db_g = g_new0 (float, c->OC);
          g_autofree float *dcol = g_new (float, group * col_size);

          nn_conv2d_backward (din, dw, db, dconv, c->in, c->weight, col, dcol, SHAPE (c));
          nn_conv2d_backward_grouped (din_g, dw_g, db_g, dconv_fused, c->in, c->weight, col, dcol,
                                      group, SHAPE (c));
          g_assert_cmpmem (din_g, sizeof (float) * n_in, din, sizeof (float) * n_in);
          g_assert_cmpmem (dw_g, sizeof (float) * n_w, dw, sizeof (float) * n_w);
          g_assert_cmpmem (db_g, sizeof (float) * c->OC, db, sizeof (float) * c->OC);
        }
        conv_free (c);
      }
}

static void
test_conv2d_gradcheck (void)
{
  Conv *c = conv_new (2, 2, 6, 5, 3, 3, 1, 3);
  size_t n_in = c->B * c->C * c->H * c->W, n_w = c->OC * c->C * c->K * c->K;
  g_autofree float *dcol = g_new (float, nn_conv2d_col_size (c->C, c->H, c->W, c->K, c->pad));
  g_autofree float *din = g_new (float, n_in);
  g_autofree float *dw = g_new0 (float, n_w);
  g_autofree float *db = g_new0 (float, c->OC);

  nn_conv2d_backward (din, dw, db, c->r, c->in, c->weight, c->col, dcol, SHAPE (c));
  g_assert_cmpfloat (gradcheck_max_error (c->in, din, n_in, 1e-2f, conv_loss, c), <, 1e-2);
  g_assert_cmpfloat (gradcheck_max_error (c->weight, dw, n_w, 1e-2f, conv_loss, c), <, 1e-2);
  g_assert_cmpfloat (gradcheck_max_error (c->bias, db, c->OC, 1e-2f, conv_loss, c), <, 1e-2);
  conv_free (c);
}

/* 5×5 kernels, and strides 2 and 3, against central differences. */
static void
test_conv2d_gradcheck_strided (void)
{
  static const size_t cases[][8] = {
    { 2, 2, 7, 6, 3, 5, 2, 1 },
    { 2, 2, 7, 6, 3, 3, 1, 2 },
    { 1, 2, 9, 8, 2, 5, 2, 3 },
  };

  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const size_t *d = cases[k];
      Conv *c = conv_new_strided (d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], 50 + k);
      size_t n_in = c->B * c->C * c->H * c->W, n_w = c->OC * c->C * c->K * c->K;
      g_autofree float *dcol = g_new (float, nn_conv2d_col_size (c->C, c->H, c->W, c->K, c->pad));
      g_autofree float *din = g_new (float, n_in);
      g_autofree float *dw = g_new0 (float, n_w);
      g_autofree float *db = g_new0 (float, c->OC);

      nn_conv2d_backward (din, dw, db, c->r, c->in, c->weight, c->col, dcol, SHAPE (c));
      g_assert_cmpfloat (gradcheck_max_error (c->in, din, n_in, 1e-2f, conv_loss, c), <, 1e-2);
      g_assert_cmpfloat (gradcheck_max_error (c->weight, dw, n_w, 1e-2f, conv_loss, c), <, 1e-2);
      g_assert_cmpfloat (gradcheck_max_error (c->bias, db, c->OC, 1e-2f, conv_loss, c), <, 1e-2);
      conv_free (c);
    }
}

/* Backward adds to the parameter gradients; the input gradient is skipped when NULL. */
static void
test_conv2d_accumulates (void)
{
  Conv *c = conv_new (1, 2, 5, 5, 2, 3, 1, 4);
  size_t n_w = c->OC * c->C * c->K * c->K;
  g_autofree float *dcol = g_new (float, nn_conv2d_col_size (c->C, c->H, c->W, c->K, c->pad));
  g_autofree float *once = g_new0 (float, n_w);
  g_autofree float *twice = g_new0 (float, n_w);
  float db[2] = { 0 };

  nn_conv2d_backward (NULL, once, db, c->r, c->in, c->weight, c->col, dcol, SHAPE (c));
  nn_conv2d_backward (NULL, twice, db, c->r, c->in, c->weight, c->col, dcol, SHAPE (c));
  nn_conv2d_backward (NULL, twice, db, c->r, c->in, c->weight, c->col, dcol, SHAPE (c));
  for (size_t i = 0; i < n_w; i++)
    g_assert_cmpfloat_with_epsilon (twice[i], 2 * once[i], 1e-5 * (1 + fabsf (once[i])));
  conv_free (c);
}

/* The pieces threads share out give nn_conv2d_backward_grouped's gradients bit for bit: the
 * weight gradient in disjoint blocks (of prime sizes too) over a range of images each, and the
 * input gradient group by group; Winograd with the weights transformed once gives what it gives
 * transforming them itself. Odd shapes, prime channel counts, one image and three. */
static void
test_conv2d_shared_out (void)
{
  static const size_t split_shapes[][7] = {
    /* B, C, H, W, OC, K, pad */
    { 1, 1, 6, 6, 7, 3, 1 },
    { 3, 5, 7, 5, 13, 3, 0 },
    { 3, 11, 6, 6, 13, 3, 1 },
    { 5, 3, 6, 9, 11, 5, 2 },
  };

  for (size_t s = 0; s < G_N_ELEMENTS (split_shapes); s++)
    for (size_t group = 1; group <= 2; group++)
      {
        const size_t *d = split_shapes[s];
        Conv *c = conv_new (d[0], d[1], d[2], d[3], d[4], d[5], d[6], 110 + s);
        size_t B = c->B, OC = c->OC, CKK = c->C * c->K * c->K, OHW = c->OH * c->OW;
        size_t n_in = B * c->C * c->H * c->W, n_w = OC * CKK;
        g_autofree float *cols = g_new (float, B * CKK * OHW);
        g_autofree float *col = g_new (float, group * CKK * OHW);
        g_autofree float *dcol = g_new (float, group * CKK * OHW);
        g_autofree float *din = g_new (float, n_in);
        g_autofree float *din_parts = g_new (float, n_in);
        g_autofree float *dw = g_new (float, n_w);
        g_autofree float *dw_parts = g_new (float, n_w);
        g_autofree float *db = g_new (float, OC);
        g_autofree float *db_parts = g_new (float, OC);
        g_autofree float *dw0 = g_new (float, n_w);
        g_autofree float *db0 = g_new (float, OC);
        static const size_t blocks[][2] = { { 1, 1 }, { 2, 3 }, { 5, 7 }, { 13, 64 } };

        /* gradients already holding something, as a slice's block does after other layers */
        for (size_t i = 0; i < n_w; i++)
          dw0[i] = dw[i] = 0.25f * (float) (i % 7);
        for (size_t i = 0; i < OC; i++)
          db0[i] = db[i] = -0.5f * (float) (i % 3);
        /* c->r read as the grouped layout: any values serve */
        nn_conv2d_backward_grouped (din, dw, db, c->r, c->in, c->weight, col, dcol, group,
                                    SHAPE (c));
        nn_conv2d_im2col_images (cols, c->in, SHAPE (c));
        for (size_t k = 0; k < G_N_ELEMENTS (blocks); k++)
          {
            size_t mb = blocks[k][0], nb = blocks[k][1];

            memcpy (dw_parts, dw0, sizeof (float) * n_w);
            memcpy (db_parts, db0, sizeof (float) * OC);
            /* each block takes the images in two ranges, one after the other */
            for (size_t o0 = 0; o0 < OC; o0 += mb)
              for (size_t k0 = 0; k0 < CKK; k0 += nb)
                for (size_t half = 0; half < 2; half++)
                  nn_conv2d_weight_grad_block (dw_parts, k0 == 0 ? db_parts : NULL, c->r,
                                               cols + (half == 0 ? 0 : B / 2) * CKK * OHW,
                                               group, SHAPE (c), o0, MIN (OC, o0 + mb), k0,
                                               MIN (CKK, k0 + nb), half == 0 ? 0 : B / 2,
                                               half == 0 ? B / 2 : B);
            g_assert_cmpmem (dw_parts, sizeof (float) * n_w, dw, sizeof (float) * n_w);
            g_assert_cmpmem (db_parts, sizeof (float) * OC, db, sizeof (float) * OC);
          }
        memset (din_parts, 0xff, sizeof (float) * n_in);
        for (size_t b0 = 0; b0 < B; b0 += group)
          {
            NnConvShape part = *SHAPE (c);

            part.B = MIN (group, B - b0);
            nn_conv2d_backward_input_grouped (din_parts + b0 * c->C * c->H * c->W,
                                              c->r + b0 * OC * OHW, c->weight, dcol, part.B,
                                              &part);
          }
        g_assert_cmpmem (din_parts, sizeof (float) * n_in, din, sizeof (float) * n_in);

        if (c->K == 3 && c->pad == 1 && nn_conv2d_winograd_applies (c->H, c->W, 3, 1))
          {
            size_t PHW = (c->H / 2) * (c->W / 2);
            g_autofree float *work = g_new (float, nn_conv2d_winograd_workspace (c->C, c->H, c->W,
                                                                                 OC, group));
            g_autofree float *U = g_new (float, 16 * OC * c->C);
            g_autofree float *pooled = g_new (float, B * OC * PHW);
            g_autofree float *pooled_u = g_new (float, B * OC * PHW);
            g_autofree guint32 *winners = g_new (guint32, B * OC * PHW);
            g_autofree guint32 *winners_u = g_new (guint32, B * OC * PHW);

            nn_conv2d_winograd_relu_maxpool2_forward (pooled, winners, c->in, c->weight, c->bias,
                                                      work, group, SHAPE3 (c));
            nn_conv2d_winograd_weights (U, c->weight, OC, c->C, FALSE);
            nn_conv2d_winograd_relu_maxpool2_forward_u (pooled_u, winners_u, c->in, U, c->bias,
                                                        work, group, SHAPE3 (c));
            g_assert_cmpmem (pooled_u, sizeof (float) * B * OC * PHW, pooled,
                             sizeof (float) * B * OC * PHW);
            g_assert_cmpmem (winners_u, sizeof (guint32) * B * OC * PHW, winners,
                             sizeof (guint32) * B * OC * PHW);
            nn_conv2d_winograd_backward_input (din, c->r, c->weight, work, group, SHAPE3 (c));
            nn_conv2d_winograd_weights (U, c->weight, OC, c->C, TRUE);
            nn_conv2d_winograd_backward_input_u (din_parts, c->r, U, work, group, SHAPE3 (c));
            g_assert_cmpmem (din_parts, sizeof (float) * n_in, din, sizeof (float) * n_in);
          }
        conv_free (c);
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/conv2d/matches-reference", test_conv2d_matches_reference);
  g_test_add_func ("/engine/conv2d/fused-pool", test_conv2d_fused_pool);
  g_test_add_func ("/engine/conv2d/winograd-train", test_conv2d_winograd_train);
  g_test_add_func ("/engine/conv2d/winograd-backward-input", test_conv2d_winograd_backward_input);
  g_test_add_func ("/engine/conv2d/fused-pool-train", test_conv2d_fused_pool_train);
  g_test_add_func ("/engine/conv2d/gradcheck", test_conv2d_gradcheck);
  g_test_add_func ("/engine/conv2d/strided-matches-reference",
                   test_conv2d_strided_matches_reference);
  g_test_add_func ("/engine/conv2d/gradcheck-strided", test_conv2d_gradcheck_strided);
  g_test_add_func ("/engine/conv2d/strided-groups", test_conv2d_strided_groups);
  g_test_add_func ("/engine/conv2d/accumulates", test_conv2d_accumulates);
  g_test_add_func ("/engine/conv2d/shared-out", test_conv2d_shared_out);
  return g_test_run ();
}
