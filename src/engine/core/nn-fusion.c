/* nn-fusion.c: the fusion pass — conv → ReLU → 2×2 max-pool as one step, by im2col or Winograd */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-fusion.h"

#include <string.h>

#include "nn-batchnorm.h"
#include "nn-conv2d.h"
#include "nn-gemm.h"

gboolean
nn_fusion_folds (const NnLayer *layers,
                 size_t         n_layers,
                 size_t         i)
{
  return i > 0 && i < n_layers && layers[i].spec.kind == NN_LAYER_BATCHNORM &&
         (layers[i - 1].spec.kind == NN_LAYER_CONV2D || layers[i - 1].spec.kind == NN_LAYER_DENSE);
}

gboolean
nn_fusion_any_fold (const NnLayer *layers,
                    size_t         n_layers)
{
  for (size_t i = 0; i < n_layers; i++)
    if (nn_fusion_folds (layers, n_layers, i))
      return TRUE;
  return FALSE;
}

void
nn_fusion_fold (const NnLayer *layers,
                size_t         n_layers,
                const float   *params,
                float         *folded,
                size_t         n_params)
{
  memcpy (folded, params, sizeof (float) * n_params);
  for (size_t i = 0; i < n_layers; i++)
    {
      const NnLayer *prev = &layers[i - (i > 0)];
      size_t per_out;

      if (!nn_fusion_folds (layers, n_layers, i))
        continue;
      /* a conv's (OC, C, K, K) and a dense layer's (OUT, IN) weights: one row per output */
      per_out = prev->n_weight / prev->n_bias;
      for (size_t c = 0; c < prev->n_bias; c++)
        {
          double scale, shift;
          float *w = folded + prev->weight_offset + c * per_out;

          nn_batchnorm_scale_shift (&layers[i], params, c, &scale, &shift);
          for (size_t k = 0; k < per_out; k++)
            w[k] = (float) (w[k] * scale);
          folded[prev->bias_offset + c] = (float) (params[prev->bias_offset + c] * scale + shift);
        }
    }
}

/* conv → ReLU → 2×2 max-pool where the conv (of stride 1) splits into whole windows; at
 * inference a batch norm folded into the conv may sit between the conv and the ReLU. */
size_t
nn_fusion_length (const NnLayer *layers,
                  size_t         n_layers,
                  size_t         i,
                  gboolean       inference)
{
  const NnLayer *l = &layers[i];
  size_t j = i + 1;

  if (l->spec.kind != NN_LAYER_CONV2D || l->spec.stride > 1)
    return 0;
  if (inference && nn_fusion_folds (layers, n_layers, j))
    j++;
  if (j + 1 < n_layers && layers[j].spec.kind == NN_LAYER_RELU &&
      layers[j + 1].spec.kind == NN_LAYER_MAXPOOL && layers[j + 1].spec.pool == 2 &&
      l->out_h % 2 == 0 && l->out_w % 2 == 0)
    return j + 2 - i;
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

/* ---- On a team of threads ---------------------------------------------------------------- */

size_t
nn_fusion_team_shared (const NnLayer *layers,
                       size_t         i)
{
  return 16 * layers[i].out_c * layers[i].in_c;
}

/* Images per item: the group that fills a GEMM, but no more than gives every thread one. How
 * images are grouped changes no value (each output is the same sum whatever the group). */
static size_t
team_group (size_t group,
            size_t B,
            size_t n_threads)
{
  return MAX ((size_t) 1, MIN (group, (B + n_threads - 1) / n_threads));
}

typedef struct
{
  const NnLayer          *l;
  const NnFusionTeamWork *work;
  NnConvShape             shape;   /* the whole batch */
  size_t                  group;
  gboolean                winograd;
  float                  *out;
  guint32                *argmax;
  const float            *in;
  const float            *weight;
  const float            *bias;
  /* backward */
  float                  *din;
  float                  *dconv;
  const float            *dout;
  const float            *pooled;
  const guint32          *winners;
  size_t                  mb, nb, n_oc, n_k, n_grad_items;
  size_t                  c0, c1;       /* the images whose im2col batch_col holds */
  gboolean                pool_im2col;  /* the pooling's items also write the im2col */
} FusionJob;

static void
forward_item (gpointer data,
              size_t   worker,
              size_t   item)
{
  FusionJob *job = data;
  const NnConvShape *sh = &job->shape;
  const NnFusionWork *wk = &job->work->works[worker];
  size_t b0 = item * job->group, PHW = (job->l->out_h / 2) * (job->l->out_w / 2);
  NnConvShape part = *sh;
  float *out = job->out + b0 * sh->OC * PHW;
  guint32 *argmax = job->argmax != NULL ? job->argmax + b0 * sh->OC * PHW : NULL;
  const float *in = job->in + b0 * sh->C * sh->H * sh->W;

  part.B = MIN (job->group, sh->B - b0);
  if (job->winograd)
    nn_conv2d_winograd_relu_maxpool2_forward_u (out, argmax, in, job->work->U, job->bias,
                                                wk->col, part.B, &part);
  else if (argmax != NULL)
    nn_conv2d_relu_maxpool2_train_forward (out, argmax, in, job->weight, job->bias, wk->col,
                                           wk->tmp, part.B, &part);
  else
    nn_conv2d_relu_maxpool2_forward (out, in, job->weight, job->bias, wk->col, wk->tmp, part.B,
                                     &part);
}

void
nn_fusion_forward_team (const NnLayer          *layers,
                        size_t                  i,
                        float                  *out,
                        guint32                *argmax,
                        const float            *in,
                        const float            *params,
                        const NnFusionTeamWork *work,
                        size_t                  B)
{
  const NnLayer *l = &layers[i];
  size_t capacity = work->works[0].capacity;
  FusionJob job = { .l = l, .work = work, .out = out, .argmax = argmax, .in = in,
                    .weight = params + l->weight_offset, .bias = params + l->bias_offset };
  size_t group;

  job.shape = (NnConvShape) { B, l->in_c, l->in_h, l->in_w, l->out_c, l->spec.kernel,
                              l->spec.pad };
  job.winograd = winograd_at (l, capacity);
  group = job.winograd || argmax == NULL ? fused_group (l, capacity) : train_group (l, capacity);
  job.group = team_group (group, B, nn_team_size (work->base.team));
  if (job.winograd)
    nn_conv2d_winograd_weights (work->U, job.weight, l->out_c, l->in_c, FALSE);
  nn_team_run (work->base.team, (B + job.group - 1) / job.group, forward_item, &job);
}

/* Through the pooling and the ReLU for one group of images, and, when the whole batch's fits,
 * their im2col for the weight gradient. */
static void
backward_pool_item (gpointer data,
                    size_t   worker,
                    size_t   item)
{
  FusionJob *job = data;
  const NnConvShape *sh = &job->shape;
  size_t b0 = item * job->group, nb = MIN (job->group, sh->B - b0);
  size_t OH = job->l->out_h, OW = job->l->out_w, PHW = (OH / 2) * (OW / 2);
  size_t CKK = sh->C * sh->K * sh->K;
  NnConvShape part = *sh;

  nn_relu_maxpool2_backward (job->dconv + b0 * sh->OC * OH * OW, job->dout + b0 * sh->OC * PHW,
                             job->pooled + b0 * sh->OC * PHW, job->winners + b0 * sh->OC * PHW,
                             nb, nb, sh->OC, OH, OW);
  if (!job->pool_im2col)
    return;
  part.B = nb;
  nn_conv2d_im2col_images (job->work->base.batch_col + b0 * CKK * OH * OW,
                           job->in + b0 * sh->C * sh->H * sh->W, &part);
}

/* The im2col of one group of the images [c0, c1). */
static void
backward_im2col_item (gpointer data,
                      size_t   worker,
                      size_t   item)
{
  FusionJob *job = data;
  const NnConvShape *sh = &job->shape;
  size_t b0 = job->c0 + item * job->group, CKK = sh->C * sh->K * sh->K;
  NnConvShape part = *sh;

  part.B = MIN (job->group, job->c1 - b0);
  nn_conv2d_im2col_images (job->work->base.batch_col + (b0 - job->c0) * CKK * job->l->out_h *
                           job->l->out_w, job->in + b0 * sh->C * sh->H * sh->W, &part);
}

/* One block of one slice's weight (and, for the first column block, bias) gradients over the
 * slice's images among [c0, c1); the item after the last transforms the weights for the
 * Winograd input gradient. */
static void
backward_grad_item (gpointer data,
                    size_t   worker,
                    size_t   item)
{
  FusionJob *job = data;
  const NnLayerTeamWork *base = &job->work->base;
  const NnLayer *l = job->l;
  size_t per_slice = job->n_oc * job->n_k, s, r, ob, kb, CKK, first, last;

  if (item == job->n_grad_items)
    {
      nn_conv2d_winograd_weights (job->work->U, job->weight, l->out_c, l->in_c, TRUE);
      return;
    }
  s = item / per_slice;
  r = item % per_slice;
  ob = r / job->n_k;
  kb = r % job->n_k;
  CKK = l->in_c * l->spec.kernel * l->spec.kernel;
  first = MAX (base->slice_start[s], job->c0);
  last = MIN (base->slice_start[s + 1], job->c1);
  if (first >= last)
    return;
  nn_conv2d_weight_grad_block (base->grads[s] + l->weight_offset,
                               kb == 0 ? base->grads[s] + l->bias_offset : NULL, job->dconv,
                               base->batch_col + (first - job->c0) * CKK * l->out_h * l->out_w,
                               job->group, &job->shape, ob * job->mb,
                               MIN (l->out_c, (ob + 1) * job->mb), kb * job->nb,
                               MIN (CKK, (kb + 1) * job->nb), first, last);
}

static void
backward_input_item (gpointer data,
                     size_t   worker,
                     size_t   item)
{
  FusionJob *job = data;
  const NnConvShape *sh = &job->shape;
  const NnFusionWork *wk = &job->work->works[worker];
  size_t b0 = item * job->group, HW = sh->H * sh->W;
  size_t OHW = job->l->out_h * job->l->out_w;
  NnConvShape part = *sh;

  part.B = MIN (job->group, sh->B - b0);
  if (job->winograd)
    nn_conv2d_winograd_backward_input_u (job->din + b0 * sh->C * HW,
                                         job->dconv + b0 * sh->OC * OHW, job->work->U, wk->dcol,
                                         part.B, &part);
  else
    nn_conv2d_backward_input_grouped (job->din + b0 * sh->C * HW, job->dconv + b0 * sh->OC * OHW,
                                      job->weight, wk->dcol, part.B, &part);
}

void
nn_fusion_backward_team (const NnLayer          *layers,
                         size_t                  i,
                         float                  *din,
                         float                  *dconv,
                         const float            *dout,
                         const float            *in,
                         const float            *out,
                         const guint32          *argmax,
                         const float            *params,
                         const NnFusionTeamWork *work,
                         size_t                  B)
{
  const NnLayer *l = &layers[i];
  size_t capacity = work->works[0].capacity, n_threads = nn_team_size (work->base.team);
  size_t n_slices = work->base.n_slices, n_groups, CKK = l->in_c * l->spec.kernel * l->spec.kernel;
  FusionJob job = { .l = l, .work = work, .din = din, .dconv = dconv, .dout = dout, .in = in,
                    .pooled = out, .winners = argmax, .weight = params + l->weight_offset };

  job.shape = (NnConvShape) { B, l->in_c, l->in_h, l->in_w, l->out_c, l->spec.kernel,
                              l->spec.pad };
  /* dconv's layout in groups changes no value either: nn_conv2d_backward_grouped's results
   * hold for any group */
  job.group = team_group (train_group (l, capacity), B, n_threads);
  job.winograd = din != NULL && winograd_at (l, capacity);
  n_groups = (B + job.group - 1) / job.group;
  /* the im2col of as many images as batch_col holds at a time, in the images' order: each
   * gradient still adds them image after image */
  job.pool_im2col = B <= work->base.batch_col_samples;
  nn_team_run (work->base.team, n_groups, backward_pool_item, &job);

  /* blocks of each slice's (OC, C·K·K) gradient, about two per thread in all */
  nn_sgemm_blocks (l->out_c, CKK, MAX ((size_t) 1, 2 * n_threads / n_slices), &job.mb, &job.nb);
  job.n_oc = (l->out_c + job.mb - 1) / job.mb;
  job.n_k = (CKK + job.nb - 1) / job.nb;
  job.n_grad_items = n_slices * job.n_oc * job.n_k;
  for (job.c0 = 0; job.c0 < B; job.c0 = job.c1)
    {
      job.c1 = MIN (B, job.c0 + work->base.batch_col_samples);
      if (!job.pool_im2col)
        nn_team_run (work->base.team, (job.c1 - job.c0 + job.group - 1) / job.group,
                     backward_im2col_item, &job);
      /* the flipped weights with the first chunk's gradients */
      nn_team_run (work->base.team, job.n_grad_items + (job.winograd && job.c0 == 0),
                   backward_grad_item, &job);
    }

  if (din != NULL)
    nn_team_run (work->base.team, n_groups, backward_input_item, &job);
}
