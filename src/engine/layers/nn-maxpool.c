/* nn-maxpool.c: max pooling remembering the winner of each window for the backward pass */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-maxpool.h"

#include "nn-json.h"
#include "nn-layer.h"
#include "nn-spec.h"

#include <string.h>

void
nn_maxpool_forward (float       *out,
                    guint32     *argmax,
                    const float *in,
                    size_t       B,
                    size_t       C,
                    size_t       H,
                    size_t       W,
                    size_t       P)
{
  size_t OH = H / P, OW = W / P;

  if (P == 2)
    {
      /* the common case, branch-light: the four candidates of each window in order */
      for (size_t bc = 0; bc < B * C; bc++)
        {
          const float *plane = in + bc * H * W;
          float *o = out + bc * OH * OW;
          guint32 *a = argmax + bc * OH * OW;

          for (size_t oh = 0; oh < OH; oh++)
            {
              const float *r0 = plane + 2 * oh * W, *r1 = r0 + W;

              for (size_t ow = 0; ow < OW; ow++)
                {
                  float v00 = r0[2 * ow], v01 = r0[2 * ow + 1];
                  float v10 = r1[2 * ow], v11 = r1[2 * ow + 1];
                  guint32 i0 = (guint32) (2 * oh * W + 2 * ow);
                  float top = v01 > v00 ? v01 : v00;
                  guint32 itop = v01 > v00 ? i0 + 1 : i0;
                  float bottom = v11 > v10 ? v11 : v10;
                  guint32 ibottom = (guint32) (v11 > v10 ? i0 + W + 1 : i0 + W);

                  o[oh * OW + ow] = bottom > top ? bottom : top;
                  a[oh * OW + ow] = bottom > top ? ibottom : itop;
                }
            }
        }
      return;
    }

  for (size_t bc = 0; bc < B * C; bc++)
    {
      const float *plane = in + bc * H * W;
      float *o = out + bc * OH * OW;
      guint32 *a = argmax + bc * OH * OW;

      for (size_t oh = 0; oh < OH; oh++)
        for (size_t ow = 0; ow < OW; ow++)
          {
            size_t best = oh * P * W + ow * P;
            float v = plane[best];

            /* ties keep the first, as PyTorch does */
            for (size_t ph = 0; ph < P; ph++)
              for (size_t pw = 0; pw < P; pw++)
                {
                  size_t idx = (oh * P + ph) * W + ow * P + pw;

                  if (plane[idx] > v)
                    {
                      v = plane[idx];
                      best = idx;
                    }
                }
            o[oh * OW + ow] = v;
            a[oh * OW + ow] = (guint32) best;
          }
    }
}

void
nn_maxpool_backward (float         *din,
                     const float   *dout,
                     const guint32 *argmax,
                     size_t         B,
                     size_t         C,
                     size_t         H,
                     size_t         W,
                     size_t         P)
{
  size_t OH = H / P, OW = W / P;

  memset (din, 0, sizeof (float) * B * C * H * W);
  for (size_t bc = 0; bc < B * C; bc++)
    {
      float *plane = din + bc * H * W;
      const float *d = dout + bc * OH * OW;
      const guint32 *a = argmax + bc * OH * OW;

      for (size_t i = 0; i < OH * OW; i++)
        plane[a[i]] += d[i];
    }
}

/* ---- The layer kind: "maxpool(P)" --------------------------------------------------------- */

static const char *const maxpool_aliases[] = { "pool", NULL };

static gboolean
maxpool_parse (NnLayerSpec     *spec,
               const char      *name,
               const NnSpecArg *args,
               size_t           n_positional,
               size_t           n_args,
               GError         **error)
{
  if (!nn_layer_arg_expect (name, n_positional, 0, 1, error))
    return FALSE;
  spec->pool = 2;
  return n_args == 0 || nn_layer_arg_count (name, "window", args[0].value, 16, &spec->pool, error);
}

static void
maxpool_print (const NnLayerSpec *spec,
               GString           *out)
{
  g_string_append_printf (out, "maxpool(%zu)", spec->pool);
}

static gboolean
maxpool_infer (NnLayer     *l,
               NnLayerPlan *plan,
               GError     **error)
{
  size_t P = l->spec.pool;

  if (plan->flat)
    {
      nn_layer_set_shape_error (error, l, plan->index,
                                " needs an image input, but the input is already flat");
      return FALSE;
    }
  if (P == 0 || l->in_h < P || l->in_w < P)
    {
      nn_layer_set_shape_error (error, l, plan->index,
                                ": a %zu×%zu window does not fit a %zu×%zu input",
                                P, P, l->in_h, l->in_w);
      return FALSE;
    }
  l->out_c = l->in_c;
  l->out_h = l->in_h / P;
  l->out_w = l->in_w / P;
  return TRUE;
}

/* the winners, one guint32 in each float's place */
static size_t
maxpool_state_size (const NnLayer *l)
{
  return l->out_c * l->out_h * l->out_w;
}

static void
maxpool_forward (const NnLayer *l,
                 float         *out,
                 const float   *in,
                 const float   *weight,
                 const float   *bias,
                 NnLayerWork   *work,
                 size_t         B)
{
  nn_maxpool_forward (out, work->state, in, B, l->in_c, l->in_h, l->in_w, l->spec.pool);
}

static void
maxpool_backward (const NnLayer *l,
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
  if (din != NULL)
    nn_maxpool_backward (din, dout, work->state, B, l->in_c, l->in_h, l->in_w, l->spec.pool);
}

static void
maxpool_write_config (const NnLayer *l,
                      NnJsonWriter  *w)
{
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  nn_json_write_key (w, "type");
  nn_json_write_string (w, "maxpool2d");
  nn_json_write_key (w, "kernel_size");
  nn_json_write_uint (w, l->spec.pool);
  nn_json_write_end_object (w);
}

static void
maxpool_append_pytorch (const NnLayer *l,
                        GString       *out)
{
  g_string_append_printf (out, "nn.MaxPool2d(%zu)", l->spec.pool);
}

const NnLayerClass nn_maxpool_layer = {
  .name = "maxpool",
  .aliases = maxpool_aliases,
  .parse = maxpool_parse,
  .print = maxpool_print,
  .infer = maxpool_infer,
  .state_size = maxpool_state_size,
  .forward = maxpool_forward,
  .backward = maxpool_backward,
  .write_config = maxpool_write_config,
  .append_pytorch = maxpool_append_pytorch,
};
