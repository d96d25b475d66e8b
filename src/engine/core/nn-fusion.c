/* nn-fusion.c: the fusion pass — conv → ReLU → 2×2 max-pool as one step, by im2col or Winograd */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-fusion.h"

#include "nn-conv2d.h"

/* conv → ReLU → 2×2 max-pool where the conv's output splits into whole windows. */
size_t
nn_fusion_length (const NnLayer *layers,
                  size_t         n_layers,
                  size_t         i)
{
  const NnLayer *l = &layers[i];

  if (i + 2 < n_layers && l->spec.kind == NN_LAYER_CONV2D &&
      layers[i + 1].spec.kind == NN_LAYER_RELU && layers[i + 2].spec.kind == NN_LAYER_MAXPOOL &&
      layers[i + 2].spec.pool == 2 && l->out_h % 2 == 0 && l->out_w % 2 == 0)
    return 3;
  return 0;
}

/* A fused conv with enough input channels for Winograd's GEMMs (K = C) to run well, in a
 * network that runs enough images at a time to repay transforming the weights. */
static gboolean
winograd_at (const NnLayer *l,
             size_t         capacity)
{
  return l->in_c >= 8 && capacity >= 4 && l->out_h == l->in_h && l->out_w == l->in_w &&
         nn_conv2d_winograd_applies (l->in_h, l->in_w, l->spec.kernel, l->spec.pad);
}

/* Images per GEMM in a fused conv: about a thousand im2col columns, or a few hundred Winograd
 * tiles, so that micro-tiles are full and the weights are packed once for several images while
 * the workspace stays in the L2 cache. */
static size_t
fused_group (const NnLayer *l,
             size_t         capacity)
{
  size_t per_image = winograd_at (l, capacity) ? (l->out_h / 2) * (l->out_w / 2) * 4
                                               : l->out_h * l->out_w;

  return MAX ((size_t) 1, MIN (capacity, 1024 / per_image));
}

/* Images per GEMM in training's fused conv, which keeps im2col: about a thousand columns. */
static size_t
train_group (const NnLayer *l,
             size_t         capacity)
{
  return MAX ((size_t) 1, MIN (capacity, 1024 / (l->out_h * l->out_w)));
}

void
nn_fusion_workspace (const NnLayer *layers,
                     size_t         i,
                     size_t         capacity,
                     size_t        *fused_col,
                     size_t        *fused_tmp,
                     size_t        *fused_dcol,
                     gboolean      *overflow)
{
  const NnLayer *l = &layers[i];
  size_t g = fused_group (l, capacity);
  size_t tg = train_group (l, capacity);
  size_t col = nn_conv2d_col_size (l->in_c, l->in_h, l->in_w, l->spec.kernel, l->spec.pad);
  size_t out = l->out_c * l->out_h * l->out_w;

  *fused_col = MAX (*fused_col, nn_layer_mul (tg, col, overflow));
  *fused_dcol = MAX (*fused_dcol, nn_layer_mul (tg, col, overflow));
  *fused_tmp = MAX (*fused_tmp, nn_layer_mul (tg, out, overflow));
  if (winograd_at (l, capacity))
    {
      *fused_col = MAX (*fused_col, nn_conv2d_winograd_workspace (l->in_c, l->in_h, l->in_w,
                                                                  l->out_c, g));
      /* training's input gradient, in the backward's groups */
      *fused_dcol = MAX (*fused_dcol, nn_conv2d_winograd_workspace (l->in_c, l->in_h, l->in_w,
                                                                    l->out_c, tg));
    }
  else
    {
      *fused_col = MAX (*fused_col, nn_layer_mul (g, col, overflow));
      *fused_tmp = MAX (*fused_tmp, nn_layer_mul (g, out, overflow));
    }
}

/* By im2col the results are the three layers' bit for bit; convs with enough channels run
 * Winograd instead, the same up to rounding, forward and for their input gradient. */
void
nn_fusion_forward (const NnLayer      *layers,
                   size_t              i,
                   float              *out,
                   guint32            *argmax,
                   const float        *in,
                   const float        *params,
                   const NnFusionWork *work,
                   size_t              B)
{
  const NnLayer *l = &layers[i];
  const float *weight = params + l->weight_offset;
  const float *bias = params + l->bias_offset;
  NnConvShape shape = { B, l->in_c, l->in_h, l->in_w, l->out_c, l->spec.kernel, l->spec.pad };

  if (winograd_at (l, work->capacity))
    nn_conv2d_winograd_relu_maxpool2_forward (out, argmax, in, weight, bias, work->col,
                                              fused_group (l, work->capacity), &shape);
  else if (argmax != NULL)
    nn_conv2d_relu_maxpool2_train_forward (out, argmax, in, weight, bias, work->col, work->tmp,
                                           train_group (l, work->capacity), &shape);
  else
    nn_conv2d_relu_maxpool2_forward (out, in, weight, bias, work->col, work->tmp,
                                     fused_group (l, work->capacity), &shape);
}

void
nn_fusion_backward (const NnLayer      *layers,
                    size_t              i,
                    float              *din,
                    float              *dconv,
                    float              *grads,
                    const float        *dout,
                    const float        *in,
                    const float        *out,
                    const guint32      *argmax,
                    const float        *params,
                    const NnFusionWork *work,
                    size_t              B)
{
  const NnLayer *l = &layers[i];
  size_t group = train_group (l, work->capacity);
  /* the weight gradient by im2col; the input gradient by Winograd where it applies */
  gboolean winograd = din != NULL && winograd_at (l, work->capacity);
  NnConvShape shape = { B, l->in_c, l->in_h, l->in_w, l->out_c, l->spec.kernel, l->spec.pad };

  /* through the pooling and the ReLU into the conv's output gradient, in groups of images */
  nn_relu_maxpool2_backward (dconv, dout, out, argmax, group, B, l->out_c, l->out_h, l->out_w);
  nn_conv2d_backward_grouped (winograd ? NULL : din, grads + l->weight_offset,
                              grads + l->bias_offset, dconv, in, params + l->weight_offset,
                              work->col, work->dcol, group, &shape);
  if (winograd)
    nn_conv2d_winograd_backward_input (din, dconv, params + l->weight_offset, work->dcol, group,
                                       &shape);
}
