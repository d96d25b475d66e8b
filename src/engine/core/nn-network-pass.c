/* nn-network-pass.c: forward and backward passes that walk the layer table and the fused steps */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-network-private.h"

#include <string.h>

/* What layer i may use besides its input and output; sync only in training. */
static NnLayerWork
layer_work (NnNetwork       *net,
            NnNetworkWorker *wk,
            size_t           i,
            float           *params,
            NnRng           *rng,
            gboolean         training)
{
  const NnLayer *l = &net->layers[i];
  NnLayerWork work = { wk->col, wk->dcol, wk->state[i], rng, NULL, NULL };

  if (l->n_buffer > 0)
    work.buffers = params + l->buffer_offset;
  if (training && nn_layer_class (l->spec.kind)->batch_stats_size != NULL)
    {
      /* this layer's columns of the batch's shared rows */
      wk->sync.stats = net->batch_stats + net->stats_offset[i];
      work.sync = &wk->sync;
    }
  return work;
}

/* Layer i on B samples from in to out: training when rng is given, else inference, with the
 * parameters params (the network's, or inference's folded ones). */
static void
forward_layer (NnNetwork   *net,
               NnNetworkWorker      *wk,
               size_t       i,
               const float *in,
               float       *out,
               size_t       B,
               float       *params,
               NnRng       *rng)
{
  const NnLayer *l = &net->layers[i];
  NnLayerWork work = layer_work (net, wk, i, params, rng, rng != NULL);

  nn_layer_class (l->spec.kind)->forward (l, out, in, params + l->weight_offset,
                                          params + l->bias_offset, &work, B);
}

/* Training forward pass of the B samples already in wk->acts[0]; leaves logits in
 * acts[n_layers]. A fused step writes only its last layer's output and state. */
void
nn_network_forward (NnNetwork *net,
                    NnNetworkWorker    *wk,
                    size_t     B,
                    NnRng     *rng)
{
  wk->batch_forward = rng != NULL;
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
        forward_layer (net, wk, i, wk->acts[i], wk->acts[i + 1], B, net->params, rng);
    }
}

/* Inference on B samples read straight from x, through layers [0, stop): training-only layers
 * skipped, no state kept for a backward pass. A fused step that would end beyond stop runs as its
 * separate layers. Returns layer stop − 1's output (x itself when stop is 0 or every layer was
 * skipped), in the worker's buffers. */
static const float *
inference (NnNetwork       *net,
           NnNetworkWorker *wk,
           const float     *x,
           size_t           B,
           size_t           stop,
           gboolean         fold)
{
  const float *in = x;
  float *params = fold ? net->folded : net->params;

  g_assert (stop <= net->n_layers);
  for (size_t i = 0; i < stop; i++)
    {
      const NnLayerClass *klass = nn_layer_class (net->layers[i].spec.kind);
      size_t n = fold ? net->fused_infer[i] : net->fused[i];
      float *out;

      if (n > 0 && i + n <= stop)
        {
          out = wk->acts[i + n];
          nn_fusion_forward (net->layers, i, out, NULL, in, params, &wk->fused, B);
          in = out;
          i += n - 1;
          continue;
        }
      /* nothing to copy for a view, a layer that is the identity here, or one folded into the
       * layer before it */
      if (klass->is_view || klass->train_only ||
          (fold && nn_fusion_folds (net->layers, net->n_layers, i)))
        continue;
      out = wk->acts[i + 1];
      forward_layer (net, wk, i, in, out, B, params, NULL);
      in = out;
    }
  return in;
}

const float *
nn_network_forward_inference_until (NnNetwork   *net,
                                    NnNetworkWorker *wk,
                                    const float *x,
                                    size_t       B,
                                    size_t       stop)
{
  return inference (net, wk, x, B, stop, FALSE);
}

/* Inference through every layer: the logits (B, n_classes). */
const float *
nn_network_forward_inference (NnNetwork   *net,
                              NnNetworkWorker      *wk,
                              const float *x,
                              size_t       B)
{
  /* nn_network_predict, the only caller, has just folded the batch norms into net->folded */
  return inference (net, wk, x, B, net->n_layers, net->folded != NULL && net->fold);
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
      /* batch statistics where the forward had them; a forward without randomness (an
       * explanation's) ran every layer as inference does */
      work = layer_work (net, wk, i, net->params, NULL, wk->batch_forward);
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

/* ---- team_mode: the whole batch at once, each layer's work shared out -------------------- */

typedef struct
{
  NnNetwork     *net;
  size_t         i;           /* the layer */
  const size_t  *slice_start;
  size_t         B;
  NnRng         *rngs;        /* training's, one per slice; NULL at inference */
  gboolean       training;    /* batch statistics shared through sync */
  float         *params;      /* the network's, or inference's folded ones */
  const float   *in;
  float         *out;
  float         *din;
  const float   *dout;
  float         *state;
  size_t         in_size, out_size, state_size;
  NnBatchSync    sync[NN_NETWORK_MAX_SLICES];
} SliceCall;

/* What slice s of a kind without the team forms may use, as layer_work gives a worker. */
static NnLayerWork
slice_work (SliceCall *c,
            size_t     worker,
            size_t     s)
{
  NnNetwork *net = c->net;
  const NnLayer *l = &net->layers[c->i];
  NnNetworkWorker *wk = &net->workers[worker];
  size_t lo = c->slice_start[s];
  NnLayerWork work = { wk->col, wk->dcol, c->state != NULL ? c->state + lo * c->state_size : NULL,
                       c->rngs != NULL ? &c->rngs[s] : NULL, NULL, NULL };

  if (l->n_buffer > 0)
    work.buffers = c->params + l->buffer_offset;
  if (c->training && nn_layer_class (l->spec.kind)->batch_stats_size != NULL)
    {
      /* the slices meet as the workers of a batch do; both run at once, on two threads */
      c->sync[s] = (NnBatchSync) { .stats = net->batch_stats + net->stats_offset[c->i],
                                   .ld = net->max_stats, .start = lo, .B = c->B, .lead = s == 0,
                                   .wait = nn_network_batch_barrier, .data = net };
      work.sync = &c->sync[s];
    }
  return work;
}

/* A kind without forward_team: its forward on slice s, the slices side by side. */
static void
forward_slice_item (gpointer data,
                    size_t   worker,
                    size_t   s)
{
  SliceCall *c = data;
  const NnLayer *l = &c->net->layers[c->i];
  size_t lo = c->slice_start[s], n = c->slice_start[s + 1] - lo;
  NnLayerWork work;

  if (n == 0)
    return;
  work = slice_work (c, worker, s);
  nn_layer_class (l->spec.kind)->forward (l, c->out + lo * c->out_size, c->in + lo * c->in_size,
                                          c->params + l->weight_offset,
                                          c->params + l->bias_offset, &work, n);
}

/* Its backward on slice s into the slice's gradient block. */
static void
backward_slice_item (gpointer data,
                     size_t   worker,
                     size_t   s)
{
  SliceCall *c = data;
  NnNetwork *net = c->net;
  const NnLayer *l = &net->layers[c->i];
  size_t lo = c->slice_start[s], n = c->slice_start[s + 1] - lo;
  float *grads = net->workers[s].grads;
  NnLayerWork work;

  if (n == 0)
    return;
  work = slice_work (c, worker, s);
  nn_layer_class (l->spec.kind)->backward (l, c->din != NULL ? c->din + lo * c->in_size : NULL,
                                           grads + l->weight_offset, grads + l->bias_offset,
                                           c->dout + lo * c->out_size, c->in + lo * c->in_size,
                                           c->out + lo * c->out_size,
                                           net->params + l->weight_offset, &work, n);
}

static void
slice_call_init (SliceCall    *c,
                 NnNetwork    *net,
                 size_t        i,
                 const size_t *slice_start,
                 size_t        B,
                 NnRng        *rngs,
                 gboolean      training,
                 float        *params)
{
  const NnLayer *l = &net->layers[i];
  const NnLayerClass *klass = nn_layer_class (l->spec.kind);

  *c = (SliceCall) { net, i, slice_start, B, rngs, training, params };
  c->state = net->workers[0].state[i];
  c->in_size = l->in_c * l->in_h * l->in_w;
  c->out_size = nn_network_layer_out_size (l);
  c->state_size = klass->state_size != NULL ? klass->state_size (l) : 0;
}

/* The buffers a team layer or fused step gets; pointer arrays live in the caller's frame. */
typedef struct
{
  float        *grads[NN_NETWORK_MAX_SLICES];
  float        *col[MAX_THREADS];
  float        *dcol[MAX_THREADS];
  NnFusionWork  fused[MAX_THREADS];
  NnFusionTeamWork work;
} TeamBuffers;

static void
team_buffers_init (TeamBuffers  *tb,
                   NnNetwork    *net,
                   const size_t *slice_start)
{
  for (size_t s = 0; s < net->n_slices; s++)
    tb->grads[s] = net->workers[s].grads;
  for (size_t t = 0; t < net->n_threads; t++)
    {
      tb->col[t] = net->workers[t].col;
      tb->dcol[t] = net->workers[t].dcol;
      tb->fused[t] = net->workers[t].fused;
    }
  tb->work = (NnFusionTeamWork) {
    .base = { &net->team, net->n_slices, slice_start, tb->grads, tb->col, tb->dcol,
              net->workers[0].batch_col,
              nn_network_team_col_samples (net, net->workers[0].capacity), NULL },
    .works = tb->fused,
    .U = net->workers[0].shared,
  };
}

const float *
nn_network_forward_team (NnNetwork    *net,
                         const float  *x,
                         size_t        B,
                         const size_t *slice_start,
                         NnRng        *rngs)
{
  NnNetworkWorker *wk = &net->workers[0];
  gboolean training = rngs != NULL;
  /* inference reads the parameters nn_network_predict folded the batch norms into */
  gboolean fold = !training && net->folded != NULL && net->fold;
  float *params = fold ? net->folded : net->params;
  TeamBuffers tb;
  const float *in = training ? wk->acts[0] : x;

  team_buffers_init (&tb, net, slice_start);
  wk->batch_forward = training;
  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayer *l = &net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);
      size_t n = fold ? net->fused_infer[i] : net->fused[i];
      float *out;

      if (n > 0)
        {
          out = wk->acts[i + n];
          nn_fusion_forward_team (net->layers, i, out,
                                  training ? (guint32 *) wk->state[i + n - 1] : NULL, in, params,
                                  &tb.work, B);
          in = out;
          i += n - 1;
          continue;
        }
      if (klass->is_view || (!training && klass->train_only) ||
          (fold && nn_fusion_folds (net->layers, net->n_layers, i)))
        continue;
      out = wk->acts[i + 1];
      if (klass->forward_team != NULL)
        {
          NnLayerTeamWork work = tb.work.base;

          work.state = wk->state[i];
          klass->forward_team (l, out, in, params + l->weight_offset, params + l->bias_offset,
                               &work, B);
        }
      else
        {
          SliceCall c;

          slice_call_init (&c, net, i, slice_start, B, rngs, training, params);
          c.in = in;
          c.out = out;
          nn_team_run (&net->team, net->n_slices, forward_slice_item, &c);
        }
      in = out;
    }
  return in;
}

void
nn_network_backward_team (NnNetwork    *net,
                          size_t        B,
                          const size_t *slice_start)
{
  NnNetworkWorker *wk = &net->workers[0];
  float *dout = wk->grad_a;
  float *spare = wk->grad_b;
  TeamBuffers tb;

  team_buffers_init (&tb, net, slice_start);
  for (size_t i = net->n_layers; i-- > 0;)
    {
      size_t h = net->step_start[i];
      const NnLayer *l;
      const NnLayerClass *klass;
      float *din;

      if (net->fused[h] > 0)
        {
          nn_fusion_backward_team (net->layers, h, h == 0 ? NULL : dout, spare, dout,
                                   wk->acts[h], wk->acts[i + 1], (const guint32 *) wk->state[i],
                                   net->params, &tb.work, B);
          i = h;
          continue;
        }
      l = &net->layers[i];
      klass = nn_layer_class (l->spec.kind);
      if (klass->is_view || (klass->in_place && i == 0))
        continue;
      /* in-place kinds write the input gradient over dout; the others into the spare buffer */
      din = klass->in_place ? dout : i == 0 ? NULL : spare;
      if (klass->backward_team != NULL)
        {
          NnLayerTeamWork work = tb.work.base;

          work.state = wk->state[i];
          klass->backward_team (l, din, dout, wk->acts[i], wk->acts[i + 1],
                                net->params + l->weight_offset, &work, B);
        }
      else
        {
          SliceCall c;

          slice_call_init (&c, net, i, slice_start, B, NULL, TRUE, net->params);
          c.in = wk->acts[i];
          c.out = wk->acts[i + 1];
          c.din = din;
          c.dout = dout;
          nn_team_run (&net->team, net->n_slices, backward_slice_item, &c);
        }
      if (!klass->in_place)
        {
          float *tmp = dout;

          dout = spare;
          spare = tmp;
        }
    }
}
