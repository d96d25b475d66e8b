/* nn-relu.c: elementwise max(0, x) and its gradient, written so the compiler vectorises them */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-relu.h"

#include "nn-layer.h"

void
nn_relu_forward (float       *out,
                 const float *in,
                 size_t       n)
{
  /* written so that NaN passes through, as in PyTorch: a diverging run must show in the loss */
  for (size_t i = 0; i < n; i++)
    out[i] = in[i] < 0.0f ? 0.0f : in[i];
}

void
nn_relu_backward (float       *din,
                  const float *dout,
                  const float *out,
                  size_t       n)
{
  /* both loads unconditional, so the loop vectorises into compare and mask */
  for (size_t i = 0; i < n; i++)
    {
      float g = dout[i];

      din[i] = out[i] > 0.0f ? g : 0.0f;
    }
}

/* ---- The layer kind: "relu" --------------------------------------------------------------- */

static void
relu_forward (const NnLayer *l,
              float         *out,
              const float   *in,
              const float   *weight,
              const float   *bias,
              NnLayerWork   *work,
              size_t         B)
{
  nn_relu_forward (out, in, B * l->out_c * l->out_h * l->out_w);
}

static void
relu_backward (const NnLayer *l,
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
    nn_relu_backward (din, dout, out, B * l->out_c * l->out_h * l->out_w);
}

static void
relu_append_pytorch (const NnLayer *l,
                     GString       *out)
{
  g_string_append (out, "nn.ReLU()");
}

const NnLayerClass nn_relu_layer = {
  .name = "relu",
  .in_place = TRUE,
  .forward = relu_forward,
  .backward = relu_backward,
  .append_pytorch = relu_append_pytorch,
};
