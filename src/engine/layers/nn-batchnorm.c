/* nn-batchnorm.c: batch normalisation over channels, for images (2-D) and vectors (1-D) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-batchnorm.h"

#include <math.h>

#include "nn-cpu.h"
#include "nn-json.h"
#include "nn-network.h"
#include "nn-spec.h"

/* One kind serves PyTorch's BatchNorm2d (after convolutions: statistics over the batch and the
 * image's H × W) and BatchNorm1d (after dense layers or flatten: over the batch), by the shape of
 * its input.
 *
 * Parameters and buffers, in model files as PyTorch names them inside nn.Sequential (layer index
 * i from 0): "i.weight" (γ, C), "i.bias" (β, C), "i.running_mean" (C) and "i.running_var" (C).
 * PyTorch's "num_batches_tracked" is not written: it counts batches only for momentum=None, and
 * PyTorch's BatchNorm sets it to 0 itself when a state dict lacks it. In the parameter block γ
 * and β are trained like any weight and bias; the running statistics sit among the buffers after
 * every trainable parameter, which no optimiser updates.
 *
 * config.json: {"type": "batchnorm2d" or "batchnorm1d", "num_features": C, "eps": 1e-05,
 * "momentum": 0.1}; the model card's module is nn.BatchNorm2d(C) or nn.BatchNorm1d(C).
 *
 * Threads: each thread runs its share of a batch; the per-sample sums (Σx, Σx² in forward, Σdy,
 * Σdy·x in backward; float lanes within a sample, double beyond) go to the batch's shared rows, and after the threads meet every
 * thread adds all rows in order of sample. The statistics, outputs and gradients are thus the
 * same bits whatever the number of threads. */

/* Σa and Σa·b over n values: eight float lanes in a fixed order (so that the compiler can use
 * vectors, and a sample's sums never depend on which thread takes it), added up in double. */
static inline void
sums (const float *a,
      const float *b,
      size_t       n,
      double      *sa,
      double      *sab)
{
  float la[8] = { 0 }, lab[8] = { 0 };
  double ta = 0, tab = 0;
  size_t k = 0;

  /* a batch norm after a dense layer: the same sums without the empty lanes */
  if (n == 1)
    {
      *sa = a[0];
      *sab = (double) a[0] * b[0];
      return;
    }

  for (; k + 8 <= n; k += 8)
    for (size_t j = 0; j < 8; j++)
      {
        la[j] += a[k + j];
        lab[j] += a[k + j] * b[k + j];
      }
  for (size_t j = 0; j < 8; j++)
    {
      ta += la[j];
      tab += lab[j];
    }
  for (; k < n; k++)
    {
      ta += a[k];
      tab += (double) a[k] * b[k];
    }
  *sa = ta;
  *sab = tab;
}

/* The whole batch's mean and biased variance of channel c. */
static void
batch_moments (const NnBatchSync *sync,
               size_t             C,
               size_t             HW,
               size_t             c,
               double            *mean,
               double            *var)
{
  double s = 0, q = 0, n = (double) sync->B * (double) HW;

  for (size_t b = 0; b < sync->B; b++)
    {
      const double *row = sync->stats + b * sync->ld;

      s += row[c];
      q += row[C + c];
    }
  *mean = s / n;
  *var = MAX (q / n - *mean * *mean, 0.0);
}

NN_VECTOR_CLONES
void
nn_batchnorm_forward_train (float         *out,      /* (B, C, HW) */
                            const float   *in,       /* (B, C, HW) */
                            const float   *gamma,    /* (C) */
                            const float   *beta,     /* (C) */
                            float         *running,  /* (2, C) */
                            NnBatchSync   *sync,
                            size_t         B,
                            size_t         C,
                            size_t         HW)
{
  double n = (double) sync->B * (double) HW;

  for (size_t b = 0; b < B; b++)
    {
      double *row = sync->stats + (sync->start + b) * sync->ld;

      for (size_t c = 0; c < C; c++)
        {
          const float *x = in + (b * C + c) * HW;

          sums (x, x, HW, &row[c], &row[C + c]);
        }
    }
  sync->wait (sync);

  for (size_t c = 0; c < C; c++)
    {
      double mean, var, invstd;
      float scale, shift;

      batch_moments (sync, C, HW, c, &mean, &var);
      invstd = 1.0 / sqrt (var + NN_BATCHNORM_EPS);
      scale = (float) (gamma[c] * invstd);
      shift = (float) (beta[c] - mean * gamma[c] * invstd);
      for (size_t b = 0; b < B; b++)
        {
          const float *x = in + (b * C + c) * HW;
          float *y = out + (b * C + c) * HW;

          for (size_t k = 0; k < HW; k++)
            y[k] = x[k] * scale + shift;
        }
      /* one value per channel tells nothing of its spread: PyTorch refuses to train on that;
       * here the running statistics simply do not move */
      if (sync->lead && n > 1)
        {
          running[c] = (float) ((1.0 - NN_BATCHNORM_MOMENTUM) * running[c] +
                                NN_BATCHNORM_MOMENTUM * mean);
          running[C + c] = (float) ((1.0 - NN_BATCHNORM_MOMENTUM) * running[C + c] +
                                    NN_BATCHNORM_MOMENTUM * var * n / (n - 1.0));
        }
    }
}

NN_VECTOR_CLONES
void
nn_batchnorm_backward_train (float         *din,      /* (B, C, HW) or NULL */
                             float         *dgamma,   /* (C) accumulated into */
                             float         *dbeta,    /* (C) accumulated into */
                             const float   *dout,     /* (B, C, HW) */
                             const float   *in,       /* (B, C, HW) */
                             const float   *gamma,    /* (C) */
                             NnBatchSync   *sync,
                             size_t         B,
                             size_t         C,
                             size_t         HW)
{
  double n = (double) sync->B * (double) HW;

  /* Σdy and Σdy·x per sample: Σdy·x̂ = (Σdy·x − mean·Σdy) / σ needs no statistics yet */
  for (size_t b = 0; b < B; b++)
    {
      double *row = sync->stats + (sync->start + b) * sync->ld;

      for (size_t c = 0; c < C; c++)
        sums (dout + (b * C + c) * HW, in + (b * C + c) * HW, HW, &row[2 * C + c],
              &row[3 * C + c]);
    }
  sync->wait (sync);

  for (size_t c = 0; c < C; c++)
    {
      double mean, var, invstd, sdy = 0, sdyx = 0, sdyxhat, a;
      float ka, kx, k0;

      batch_moments (sync, C, HW, c, &mean, &var);
      invstd = 1.0 / sqrt (var + NN_BATCHNORM_EPS);
      for (size_t b = 0; b < sync->B; b++)
        {
          const double *row = sync->stats + b * sync->ld;

          sdy += row[2 * C + c];
          sdyx += row[3 * C + c];
        }
      sdyxhat = (sdyx - mean * sdy) * invstd;
      if (sync->lead)
        {
          dgamma[c] += (float) sdyxhat;
          dbeta[c] += (float) sdy;
        }
      if (din == NULL)
        continue;
      /* dx = γσ⁻¹ (dy − Σdy / n − x̂ Σdy·x̂ / n), with x̂ = (x − mean) σ⁻¹: ka·dy + kx·x + k0 */
      a = gamma[c] * invstd;
      ka = (float) a;
      kx = (float) (-a * invstd * sdyxhat / n);
      k0 = (float) (-a * sdy / n + a * invstd * sdyxhat * mean / n);
      for (size_t b = 0; b < B; b++)
        {
          const float *x = in + (b * C + c) * HW;
          const float *dy = dout + (b * C + c) * HW;
          float *dx = din + (b * C + c) * HW;

          for (size_t k = 0; k < HW; k++)
            dx[k] = ka * dy[k] + kx * x[k] + k0;
        }
    }
}

void
nn_batchnorm_scale_shift (const NnLayer *l,
                          const float   *params,
                          size_t         c,
                          double        *scale,
                          double        *shift)
{
  const float *gamma = params + l->weight_offset;
  const float *beta = params + l->bias_offset;
  const float *running = params + l->buffer_offset;
  size_t C = l->in_c;

  *scale = gamma[c] / sqrt ((double) running[C + c] + NN_BATCHNORM_EPS);
  *shift = beta[c] - running[c] * *scale;
}

/* ---- The layer kind: "batchnorm" (or "bn") ------------------------------------------------ */

static const char *const bn_aliases[] = { "bn", NULL };
static const char *const bn_buffers[] = { "running_mean", "running_var", NULL };

static gboolean
bn_infer (NnLayer     *l,
          NnLayerPlan *plan,
          GError     **error)
{
  l->out_c = l->in_c;
  l->out_h = l->in_h;
  l->out_w = l->in_w;
  l->n_weight = l->in_c;
  l->n_bias = l->in_c;
  l->n_buffer = nn_layer_mul (2, l->in_c, &plan->overflow);
  return TRUE;
}

/* γ = 1, β = 0, running mean 0 and variance 1, as PyTorch starts them; no randomness is drawn */
static void
bn_init (const NnLayer *l,
         float         *params,
         NnRng         *rng)
{
  for (size_t c = 0; c < l->in_c; c++)
    {
      params[l->weight_offset + c] = 1.0f;
      params[l->bias_offset + c] = 0.0f;
      params[l->buffer_offset + c] = 0.0f;
      params[l->buffer_offset + l->in_c + c] = 1.0f;
    }
}

/* Σx, Σx² in forward; Σdy, Σdy·x in backward */
static size_t
bn_batch_stats_size (const NnLayer *l)
{
  return 4 * l->in_c;
}

/* The running statistics (2, C): the network passes them; a caller that does not (an
 * explanation running layers one by one) passes weight and bias inside a whole parameter block,
 * where they lie at the layer's offsets. */
static const float *
running_of (const NnLayer     *l,
            const float       *bias,
            const NnLayerWork *work)
{
  return work->buffers != NULL ? work->buffers : bias - l->bias_offset + l->buffer_offset;
}

static void
bn_forward (const NnLayer *l,
            float         *out,
            const float   *in,
            const float   *weight,
            const float   *bias,
            NnLayerWork   *work,
            size_t         B)
{
  size_t C = l->in_c, HW = l->in_h * l->in_w;

  if (work->sync != NULL)
    {
      nn_batchnorm_forward_train (out, in, weight, bias, work->buffers, work->sync, B, C, HW);
      return;
    }
  for (size_t c = 0; c < C; c++)
    {
      const float *running = running_of (l, bias, work);
      double invstd = 1.0 / sqrt ((double) running[C + c] + NN_BATCHNORM_EPS);
      float scale = (float) (weight[c] * invstd);
      float shift = (float) (bias[c] - running[c] * (weight[c] * invstd));

      for (size_t b = 0; b < B; b++)
        {
          const float *x = in + (b * C + c) * HW;
          float *y = out + (b * C + c) * HW;

          for (size_t k = 0; k < HW; k++)
            y[k] = x[k] * scale + shift;
        }
    }
}

static void
bn_backward (const NnLayer *l,
             float         *din,
             float         *dweight,
             float         *dbias,
             const float   *dout,
             const float   *in,
             const float   *out,
             const float   *weight,
             NnLayerWork   *work,
             size_t         B)
{
  size_t C = l->in_c, HW = l->in_h * l->in_w;

  if (work->sync == NULL)
    {
      /* after a forward with the running statistics (an input's saliency): y = x·s + t with
       * s = γ σ⁻¹, t = β − mean·s */
      const float *running = running_of (l, weight - l->weight_offset + l->bias_offset, work);

      for (size_t c = 0; c < C; c++)
        {
          double invstd = 1.0 / sqrt ((double) running[C + c] + NN_BATCHNORM_EPS);
          float scale = (float) (weight[c] * invstd);
          double sdy = 0, sdyxhat = 0;

          for (size_t b = 0; b < B; b++)
            {
              const float *x = in + (b * C + c) * HW;
              const float *dy = dout + (b * C + c) * HW;

              for (size_t k = 0; k < HW; k++)
                {
                  sdy += dy[k];
                  sdyxhat += dy[k] * ((x[k] - running[c]) * invstd);
                  if (din != NULL)
                    din[(b * C + c) * HW + k] = dy[k] * scale;
                }
            }
          dweight[c] += (float) sdyxhat;
          dbias[c] += (float) sdy;
        }
      return;
    }
  nn_batchnorm_backward_train (din, dweight, dbias, dout, in, weight, work->sync, B, l->in_c,
                               l->in_h * l->in_w);
}

static gboolean
bn_check_values (const NnLayer *l,
                 const float   *weight,
                 const float   *bias,
                 const float   *buffers,
                 size_t         index,
                 GError       **error)
{
  for (size_t c = 0; c < l->in_c; c++)
    if (!(buffers[l->in_c + c] >= 0.0f))
      {
        nn_layer_set_shape_error (error, l, index, ": channel %zu has a running variance of %g, "
                                  "below zero", c + 1, (double) buffers[l->in_c + c]);
        return FALSE;
      }
  return TRUE;
}

static void
bn_write_config (const NnLayer *l,
                 NnJsonWriter  *w)
{
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  nn_json_write_key (w, "type");
  nn_json_write_string (w, l->in_flat ? "batchnorm1d" : "batchnorm2d");
  nn_json_write_key (w, "num_features");
  nn_json_write_uint (w, l->in_c);
  nn_json_write_key (w, "eps");
  nn_json_write_number_fmt (w, "%g", NN_BATCHNORM_EPS);
  nn_json_write_key (w, "momentum");
  nn_json_write_number_fmt (w, "%g", NN_BATCHNORM_MOMENTUM);
  nn_json_write_end_object (w);
}

static size_t
bn_weight_shape (const NnLayer *l,
                 size_t         shape[4])
{
  shape[0] = l->in_c;
  return 1;
}

static void
bn_append_pytorch (const NnLayer *l,
                   GString       *out)
{
  g_string_append_printf (out, "nn.BatchNorm%dd(%zu)", l->in_flat ? 1 : 2, l->in_c);
}

const NnLayerClass nn_batchnorm_layer = {
  .name = "batchnorm",
  .aliases = bn_aliases,
  .infer = bn_infer,
  .init = bn_init,
  .batch_stats_size = bn_batch_stats_size,
  .buffer_names = bn_buffers,
  .check_values = bn_check_values,
  .forward = bn_forward,
  .backward = bn_backward,
  .write_config = bn_write_config,
  .weight_shape = bn_weight_shape,
  .append_pytorch = bn_append_pytorch,
};
