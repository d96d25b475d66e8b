/* nn-flatten.c: the flatten layer — (C, H, W) seen as (C·H·W, 1, 1), a view that moves nothing */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-layer.h"

static gboolean
flatten_infer (NnLayer     *l,
               NnLayerPlan *plan,
               GError     **error)
{
  l->out_c = nn_layer_mul (l->in_c, nn_layer_mul (l->in_h, l->in_w, &plan->overflow),
                           &plan->overflow);
  l->out_h = l->out_w = 1;
  plan->flat = TRUE;
  return TRUE;
}

static void
flatten_append_pytorch (const NnLayer *l,
                        GString       *out)
{
  g_string_append (out, "nn.Flatten()");
}

const NnLayerClass nn_flatten_layer = {
  .name = "flatten",
  .infer = flatten_infer,
  .is_view = TRUE,
  .append_pytorch = flatten_append_pytorch,
};
