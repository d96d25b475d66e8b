/* nn-tanh.c: the tanh layer — elementwise tanh(x), its gradient 1 − tanh², and its table row */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-tanh.h"

#include <math.h>

#include "nn-layer.h"

void
nn_tanh_forward (float       *out,
                 const float *in,
                 size_t       n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = tanhf (in[i]);
}

void
nn_tanh_backward (float       *din,
                  const float *dout,
                  const float *out,
                  size_t       n)
{
  for (size_t i = 0; i < n; i++)
    din[i] = dout[i] * (1.0f - out[i] * out[i]);
}

/* ---- The layer kind: "tanh" --------------------------------------------------------------- */

static void
tanh_forward (const NnLayer *l,
              float         *out,
              const float   *in,
              const float   *weight,
              const float   *bias,
              NnLayerWork   *work,
              size_t         B)
{
  nn_tanh_forward (out, in, B * l->out_c * l->out_h * l->out_w);
}

static void
tanh_backward (const NnLayer *l,
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
    nn_tanh_backward (din, dout, out, B * l->out_c * l->out_h * l->out_w);
}

static void
tanh_append_pytorch (const NnLayer *l,
                     GString       *out)
{
  g_string_append (out, "nn.Tanh()");
}

const NnLayerClass nn_tanh_layer = {
  .name = "tanh",
  .in_place = TRUE,
  .forward = tanh_forward,
  .backward = tanh_backward,
  .append_pytorch = tanh_append_pytorch,
};
