/* nn-avgpool.c: global average pooling — each channel's mean over the image, (C, H, W) → (C, 1, 1) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-json.h"
#include "nn-layer.h"

/* PyTorch's nn.AdaptiveAvgPool2d(1); config.json: {"type": "adaptiveavgpool2d",
 * "output_size": 1}. Its output is (C, 1, 1), not yet flat, as in PyTorch: a dense layer reads
 * it directly, and "flatten" before one says so as PyTorch needs it. */

static const char *const gap_aliases[] = { "gap", NULL };

static gboolean
gap_infer (NnLayer     *l,
           NnLayerPlan *plan,
           GError     **error)
{
  if (plan->flat)
    {
      nn_layer_set_shape_error (error, l, plan->index,
                                " needs an image input, but the input is already flat");
      return FALSE;
    }
  l->out_c = l->in_c;
  l->out_h = 1;
  l->out_w = 1;
  return TRUE;
}

static void
gap_forward (const NnLayer *l,
             float         *out,      /* (B, C) */
             const float   *in,       /* (B, C, H, W) */
             const float   *weight,
             const float   *bias,
             NnLayerWork   *work,
             size_t         B)
{
  size_t HW = l->in_h * l->in_w;
  float inv = 1.0f / (float) HW;

  for (size_t i = 0; i < B * l->in_c; i++)
    {
      const float *x = in + i * HW;
      float s = 0.0f;

      for (size_t k = 0; k < HW; k++)
        s += x[k];
      out[i] = s * inv;
    }
}

static void
gap_backward (const NnLayer *l,
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
  size_t HW = l->in_h * l->in_w;
  float inv = 1.0f / (float) HW;

  if (din == NULL)
    return;
  for (size_t i = 0; i < B * l->in_c; i++)
    {
      float g = dout[i] * inv;

      for (size_t k = 0; k < HW; k++)
        din[i * HW + k] = g;
    }
}

static void
gap_write_config (const NnLayer *l,
                  NnJsonWriter  *w)
{
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  nn_json_write_key (w, "type");
  nn_json_write_string (w, "adaptiveavgpool2d");
  nn_json_write_key (w, "output_size");
  nn_json_write_uint (w, 1);
  nn_json_write_end_object (w);
}

static void
gap_append_pytorch (const NnLayer *l,
                    GString       *out)
{
  g_string_append (out, "nn.AdaptiveAvgPool2d(1)");
}

const NnLayerClass nn_avgpool_layer = {
  .name = "globalavgpool",
  .aliases = gap_aliases,
  .infer = gap_infer,
  .forward = gap_forward,
  .backward = gap_backward,
  .write_config = gap_write_config,
  .append_pytorch = gap_append_pytorch,
};
