/* nn-network-pass.c: forward and backward passes that walk the layer table and the fused steps */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-network-private.h"

#include <string.h>

/* Layer i on B samples from in to out: training when rng is given, else inference. */
static void
forward_layer (NnNetwork   *net,
               NnNetworkWorker      *wk,
               size_t       i,
               const float *in,
               float       *out,
               size_t       B,
               NnRng       *rng)
{
  const NnLayer *l = &net->layers[i];
  NnLayerWork work = { wk->col, wk->dcol, wk->state[i], rng };

  nn_layer_class (l->spec.kind)->forward (l, out, in, net->params + l->weight_offset,
                                          net->params + l->bias_offset, &work, B);
}

/* Training forward pass of the B samples already in wk->acts[0]; leaves logits in
 * acts[n_layers]. A fused step writes only its last layer's output and state. */
void
nn_network_forward (NnNetwork *net,
                    NnNetworkWorker    *wk,
                    size_t     B,
                    NnRng     *rng)
{
  for (size_t i = 0; i < net->n_layers; i++)
    {
      size_t n = net->fused[i];

      if (n > 0)
        {
          nn_fusion_forward (net->layers, i, wk->acts[i + n], (guint32 *) wk->state[i + n - 1],
                             wk->acts[i], net->params, &wk->fused, B);
          i += n - 1;
          continue;
        }
      if (!nn_layer_class (net->layers[i].spec.kind)->is_view)
        forward_layer (net, wk, i, wk->acts[i], wk->acts[i + 1], B, rng);
    }
}

/* Inference on B samples read straight from x, through layers [0, stop): training-only layers
 * skipped, no state kept for a backward pass. A fused step that would end beyond stop runs as its
 * separate layers. Returns layer stop − 1's output (x itself when stop is 0 or every layer was
 * skipped), in the worker's buffers. */
const float *
nn_network_forward_inference_until (NnNetwork   *net,
                                    NnNetworkWorker *wk,
                                    const float *x,
                                    size_t       B,
                                    size_t       stop)
{
  const float *in = x;

  g_assert (stop <= net->n_layers);
  for (size_t i = 0; i < stop; i++)
    {
      const NnLayerClass *klass = nn_layer_class (net->layers[i].spec.kind);
      size_t n = net->fused[i];
      float *out;

      if (n > 0 && i + n <= stop)
        {
          out = wk->acts[i + n];
          nn_fusion_forward (net->layers, i, out, NULL, in, net->params, &wk->fused, B);
          in = out;
          i += n - 1;
          continue;
        }
      /* nothing to copy for a view or a layer that is the identity here */
      if (klass->is_view || klass->train_only)
        continue;
      out = wk->acts[i + 1];
      forward_layer (net, wk, i, in, out, B, NULL);
      in = out;
    }
  return in;
}

/* Inference through every layer: the logits (B, n_classes). */
const float *
nn_network_forward_inference (NnNetwork   *net,
                              NnNetworkWorker      *wk,
                              const float *x,
                              size_t       B)
{
  return nn_network_forward_inference_until (net, wk, x, B, net->n_layers);
}

/* Backward pass from dlogits in wk->grad_a; accumulates into wk->grads. With dx (B, C, H, W) the
 * first layer also gives the input's gradient there; training passes NULL and skips that work. */
void
nn_network_backward (NnNetwork *net,
                     NnNetworkWorker    *wk,
                     size_t     B,
                     float     *dx)
{
  float *dout = wk->grad_a;
  float *spare = wk->grad_b;

  for (size_t i = net->n_layers; i-- > 0;)
    {
      size_t h = net->step_start[i];
      const NnLayer *l;
      const NnLayerClass *klass;
      NnLayerWork work;

      if (net->fused[h] > 0)
        {
          /* the step's input gradient ends where its output gradient came in */
          nn_fusion_backward (net->layers, h, h == 0 ? dx : dout, spare, wk->grads, dout,
                              wk->acts[h], wk->acts[i + 1], (const guint32 *) wk->state[i],
                              net->params, &wk->fused, B);
          if (h == 0)
            return;
          i = h;
          continue;
        }
      l = &net->layers[i];
      klass = nn_layer_class (l->spec.kind);
      if (klass->is_view)
        continue;
      work = (NnLayerWork) { wk->col, wk->dcol, wk->state[i], NULL };
      if (klass->in_place)
        {
          /* din aliases dout, but for the input's gradient */
          if (i > 0)
            klass->backward (l, dout, NULL, NULL, dout, wk->acts[i], wk->acts[i + 1],
                             net->params + l->weight_offset, &work, B);
          else if (dx != NULL)
            {
              klass->backward (l, dx, NULL, NULL, dout, wk->acts[i], wk->acts[i + 1],
                               net->params + l->weight_offset, &work, B);
              return;
            }
          continue;
        }
      klass->backward (l, i == 0 ? dx : spare, wk->grads + l->weight_offset,
                       wk->grads + l->bias_offset, dout, wk->acts[i], wk->acts[i + 1],
                       net->params + l->weight_offset, &work, B);
      if (i == 0)
        return;
      /* the input gradient is in the spare buffer */
      {
        float *tmp = dout;

        dout = spare;
        spare = tmp;
      }
    }
  /* only views and in-place layers before this point: the gradient passed through unchanged */
  if (dx != NULL)
    memcpy (dx, dout, sizeof (float) * B * nn_network_get_input_size (net));
}
