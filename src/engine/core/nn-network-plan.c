/* nn-network-plan.c: shapes over the layer table, parameter layout and each worker's memory */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-network-private.h"

#include <math.h>
#include <string.h>

/* The shapes of spec's layers on (C, H, W) inputs and the parameter layout, every size bounded
 * by the limits in nn-network.h; allocates nothing but the layers. */
NnLayer *
nn_network_plan_layers (const NnSpec  *spec,
                        size_t         C,
                        size_t         H,
                        size_t         W,
                        size_t        *n_params_out,
                        size_t        *max_act_out,
                        size_t        *max_col_out,
                        size_t        *n_classes_out,
                        GError       **error)
{
  g_autofree NnLayer *layers = NULL;
  size_t c = C, h = H, w = W;
  size_t n_params = 0, max_act, max_col = 0;
  NnLayerPlan plan = { 0 };

  if (C == 0 || H == 0 || W == 0 || C > NN_NETWORK_MAX_CHANNELS || H > NN_NETWORK_MAX_SIDE ||
      W > NN_NETWORK_MAX_SIDE || (guint64) C * H * W > NN_NETWORK_MAX_INPUT)
    {
      g_set_error (error, NN_NETWORK_ERROR,
                   C == 0 || H == 0 || W == 0 ? NN_NETWORK_ERROR_BAD_SHAPE
                                              : NN_NETWORK_ERROR_TOO_LARGE,
                   "Inputs of %zu×%zu×%zu (channels × height × width) are not supported: at most "
                   "%d channels, sides of %d and %d values in all", C, H, W,
                   NN_NETWORK_MAX_CHANNELS, NN_NETWORK_MAX_SIDE, NN_NETWORK_MAX_INPUT);
      return NULL;
    }
  if (spec->n_layers == 0 || spec->n_layers > NN_NETWORK_MAX_LAYERS)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_BAD_SHAPE,
                   "A network has 1 to %d layers, not %zu", NN_NETWORK_MAX_LAYERS,
                   spec->n_layers);
      return NULL;
    }

  layers = g_new0 (NnLayer, spec->n_layers);
  max_act = C * H * W;
  for (size_t i = 0; i < spec->n_layers; i++)
    {
      NnLayer *l = &layers[i];
      const NnLayerSpec *s = &spec->layers[i];
      const NnLayerClass *klass = nn_layer_class (s->kind);

      l->spec = *s;
      l->in_c = c;
      l->in_h = h;
      l->in_w = w;
      if (klass == NULL)
        {
          g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_BAD_SHAPE,
                       "Layer %zu is of no known kind", i + 1);
          return NULL;
        }
      plan.index = i;
      plan.col = 0;
      l->in_flat = plan.flat;
      if (klass->infer == NULL)
        {
          l->out_c = c;
          l->out_h = h;
          l->out_w = w;
        }
      else if (!klass->infer (l, &plan, error))
        return NULL;
      c = l->out_c;
      h = l->out_h;
      w = l->out_w;
      max_col = MAX (max_col, plan.col);
      if (l->n_weight > 0)
        {
          l->weight_offset = n_params;
          n_params += MIN (l->n_weight, NN_NETWORK_MAX_PARAMS + 1);
          l->bias_offset = n_params;
          n_params += l->n_bias;
        }
      max_act = MAX (max_act, nn_layer_mul (c, nn_layer_mul (h, w, &plan.overflow),
                                            &plan.overflow));
      /* sizes stay far from overflowing a size_t while each is checked as it grows */
      if (plan.overflow || n_params > NN_NETWORK_MAX_PARAMS)
        {
          g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                       "Layer %zu (%s) makes the network too large: more than %d parameters",
                       i + 1, nn_layer_kind_to_string (s->kind), NN_NETWORK_MAX_PARAMS);
          return NULL;
        }
      if (max_act > NN_NETWORK_MAX_ACTIVATION || max_col > NN_NETWORK_MAX_ACTIVATION)
        {
          g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                       "Layer %zu (%s) is too large: more than %d values for one image",
                       i + 1, nn_layer_kind_to_string (s->kind), NN_NETWORK_MAX_ACTIVATION);
          return NULL;
        }
    }

  if (!plan.flat || h != 1 || w != 1 || c < 2 || c > 256 ||
      !nn_layer_class (spec->layers[spec->n_layers - 1].kind)->gives_scores)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_BAD_SHAPE,
                   "The architecture must end with a dense layer giving one score per class "
                   "(2 to 256 classes)");
      return NULL;
    }
  /* the buffers after every trainable parameter, so that an optimiser's range [0, n_trainable)
   * never reaches them; a network without them keeps its layout */
  for (size_t i = 0; i < spec->n_layers; i++)
    {
      NnLayer *l = &layers[i];

      if (l->n_buffer == 0)
        continue;
      l->buffer_offset = n_params;
      n_params += MIN (l->n_buffer, NN_NETWORK_MAX_PARAMS + 1);
      if (n_params > NN_NETWORK_MAX_PARAMS)
        {
          g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                       "Layer %zu (%s) makes the network too large: more than %d parameters",
                       i + 1, nn_layer_kind_to_string (l->spec.kind), NN_NETWORK_MAX_PARAMS);
          return NULL;
        }
    }
  *n_params_out = n_params;
  if (max_act_out != NULL)
    *max_act_out = max_act;
  if (max_col_out != NULL)
    *max_col_out = max_col;
  if (n_classes_out != NULL)
    *n_classes_out = c;
  return g_steal_pointer (&layers);
}

NnLayer *
nn_network_plan (const NnSpec  *spec,
                 size_t         C,
                 size_t         H,
                 size_t         W,
                 size_t        *n_params,
                 GError       **error)
{
  size_t n;
  NnLayer *layers;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  layers = nn_network_plan_layers (spec, C, H, W, &n, NULL, NULL, NULL, error);
  if (layers != NULL && n_params != NULL)
    *n_params = n;
  return layers;
}

void
nn_network_worker_clear (NnNetworkWorker *wk)
{
  g_free (wk->acts);
  g_free (wk->state);
  g_free (wk->storage);
  memset (wk, 0, sizeof *wk);
}

double
nn_network_get_flops_per_sample (const NnNetwork *net)
{
  double flops = 0;

  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayer *l = &net->layers[i];

      /* two floating-point operations per multiply-add */
      if (l->n_weight > 0)
        flops += 2.0 * (double) l->n_weight * (double) (l->out_h * l->out_w);
    }
  return flops;
}

void
nn_network_init_params (NnNetwork *net,
                        NnRng     *rng)
{
  g_return_if_fail (net != NULL && rng != NULL);

  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayer *l = &net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);

      if (l->n_weight == 0)
        continue;
      if (klass->init != NULL)
        klass->init (l, net->params, rng);
      else
        nn_layer_init_uniform (l, net->params, rng);
    }
}

/* The floats of worker t's storage for capacity samples, and where each buffer starts (offsets
 * may be NULL): FALSE when the sizes overflow. */
gboolean
nn_network_plan_worker (const NnNetwork *net,
                        size_t           capacity,
                        size_t           t,
                        size_t          *offsets,
                        size_t          *n_floats)
{
  size_t total = 0, n_off = 0;
  gboolean overflow = FALSE;
  /* team_mode: worker 0 holds the whole batch's samples; the others, for work split by samples
   * (nn_network_parallel_for), a share of it each */
  size_t samples = !net->team_mode ? capacity
                   : t == 0        ? capacity * net->n_slices
                                   : (capacity * net->n_slices + net->n_threads - 1) / net->n_threads;

  /* every buffer starts on a 64-byte boundary */
#define RESERVE(n)                                                                 \
  G_STMT_START {                                                                   \
    size_t n_ = (n);                                                               \
    if (offsets != NULL)                                                           \
      offsets[n_off] = total;                                                      \
    n_off++;                                                                       \
    if (n_ > G_MAXSIZE - 16 || __builtin_add_overflow (total, (n_ + 15) & ~(size_t) 15, \
                                                       &total))                    \
      overflow = TRUE;                                                             \
  } G_STMT_END
  RESERVE (nn_layer_mul (samples, nn_network_get_input_size (net), &overflow));
  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayer *l = &net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);

      if (!klass->is_view)
        RESERVE (nn_layer_mul (samples, nn_network_layer_out_size (l), &overflow));
      if (klass->state_size != NULL)
        RESERVE (nn_layer_mul (samples, klass->state_size (l), &overflow));
    }
  RESERVE (nn_layer_mul (samples, net->max_act, &overflow));
  RESERVE (nn_layer_mul (samples, net->max_act, &overflow));
  RESERVE (net->max_col);
  RESERVE (net->max_col);
  RESERVE (t == 0 || t >= net->n_slices ? 0 : net->n_params);
  RESERVE (nn_layer_mul (samples, net->n_classes, &overflow));
  {
    size_t fused_col = 0, fused_tmp = 0, fused_dcol = 0, shared = 0;

    for (size_t i = 0; i < net->n_layers; i++)
      if (net->fused[i] > 0 || net->fused_infer[i] > 0)
        {
          nn_fusion_workspace (net->layers, i, capacity, &fused_col, &fused_tmp, &fused_dcol,
                               &overflow);
          shared = MAX (shared, nn_fusion_team_shared (net->layers, i));
        }
    RESERVE (fused_col);
    RESERVE (fused_tmp);
    RESERVE (fused_dcol);
    /* team_mode's worker 0: a workspace per sample (im2col of every image) and the shared one */
    RESERVE (net->team_mode && t == 0 ? nn_layer_mul (nn_network_team_col_samples (net, samples),
                                                      net->max_col, &overflow) : 0);
    RESERVE (net->team_mode && t == 0 ? shared : 0);
  }
#undef RESERVE
  g_assert (n_off <= 2 * NN_NETWORK_MAX_LAYERS + 12);
  *n_floats = total;
  return !overflow;
}

gboolean
nn_network_reserve (NnNetwork  *net,
                    size_t      max_batch,
                    GError    **error)
{
  g_autofree gpointer *storage = NULL;  /* (n_threads) new blocks, kept only if all succeed */
  size_t capacity;
  guint64 bytes = 0;

  g_return_val_if_fail (net != NULL, FALSE);
  g_return_val_if_fail (max_batch > 0, FALSE);

  capacity = max_batch / net->n_slices + (max_batch % net->n_slices != 0);
  if (net->workers != NULL && capacity <= net->capacity)
    return TRUE;
  if (capacity > 65536)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "A batch of %zu samples is too large", max_batch);
      return FALSE;
    }

  /* everything is sized and bounded before anything is allocated */
  for (size_t t = 0; t < net->n_threads; t++)
    {
      size_t n;

      if (!nn_network_plan_worker (net, capacity, t, NULL, &n) || n > NN_NETWORK_MAX_RESERVE_BYTES / 4)
        bytes = NN_NETWORK_MAX_RESERVE_BYTES + 1;
      else
        bytes += (guint64) n * sizeof (float) + 64;
    }
  if (bytes > NN_NETWORK_MAX_RESERVE_BYTES)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "A batch of %zu samples on %zu threads needs more than the %d GiB of "
                   "activations and workspace allowed: choose a smaller batch or network",
                   max_batch, net->n_threads, (int) (NN_NETWORK_MAX_RESERVE_BYTES >> 30));
      return FALSE;
    }
  /* the rows a batch's workers share: one per sample of a full batch */
  if (net->max_stats > 0)
    bytes += (guint64) capacity * net->n_threads * net->max_stats * sizeof (double);
  if (bytes > NN_NETWORK_MAX_RESERVE_BYTES)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "A batch of %zu samples on %zu threads needs more than the %d GiB of "
                   "activations and workspace allowed: choose a smaller batch or network",
                   max_batch, net->n_threads, (int) (NN_NETWORK_MAX_RESERVE_BYTES >> 30));
      return FALSE;
    }
  if (net->max_stats > 0)
    {
      double *stats = g_try_new0 (double, capacity * net->n_threads * net->max_stats);

      if (stats == NULL)
        {
          g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                       "Not enough memory for a batch of %zu samples (%" G_GUINT64_FORMAT
                       " MiB)", max_batch, bytes >> 20);
          return FALSE;
        }
      g_free (net->batch_stats);
      net->batch_stats = stats;
    }
  storage = g_new0 (gpointer, net->n_threads);
  for (size_t t = 0; t < net->n_threads; t++)
    {
      size_t n;

      nn_network_plan_worker (net, capacity, t, NULL, &n);
      storage[t] = g_try_malloc0 (sizeof (float) * n + 64);
      if (storage[t] == NULL)
        {
          for (size_t u = 0; u < t; u++)
            g_free (storage[u]);
          g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                       "Not enough memory for a batch of %zu samples (%" G_GUINT64_FORMAT
                       " MiB)", max_batch, bytes >> 20);
          return FALSE;
        }
    }

  if (net->workers == NULL)
    net->workers = g_new0 (NnNetworkWorker, net->n_threads);
  for (size_t t = 0; t < net->n_threads; t++)
    {
      NnNetworkWorker *wk = &net->workers[t];
      size_t offsets[2 * NN_NETWORK_MAX_LAYERS + 12];
      size_t n_off = 0, total;
      float *base;

      nn_network_worker_clear (wk);
      nn_network_plan_worker (net, capacity, t, offsets, &total);
      wk->capacity = !net->team_mode ? capacity
                     : t == 0        ? capacity * net->n_slices
                                     : (capacity * net->n_slices + net->n_threads - 1) / net->n_threads;
      wk->acts = g_new0 (float *, net->n_layers + 1);
      wk->state = g_new0 (float *, net->n_layers);
      wk->storage = storage[t];
      base = (float *) (((guintptr) wk->storage + 63) & ~(guintptr) 63);
      wk->acts[0] = base + offsets[n_off++];
      for (size_t i = 0; i < net->n_layers; i++)
        {
          const NnLayerClass *klass = nn_layer_class (net->layers[i].spec.kind);

          if (klass->is_view)
            wk->acts[i + 1] = wk->acts[i];
          else
            wk->acts[i + 1] = base + offsets[n_off++];
          if (klass->state_size != NULL)
            wk->state[i] = base + offsets[n_off++];
        }
      wk->grad_a = base + offsets[n_off++];
      wk->grad_b = base + offsets[n_off++];
      wk->col = base + offsets[n_off++];
      wk->dcol = base + offsets[n_off++];
      wk->grads = t == 0 ? net->grads : base + offsets[n_off];
      n_off++;
      wk->probs = base + offsets[n_off++];
      wk->fused.col = base + offsets[n_off++];
      wk->fused.tmp = base + offsets[n_off++];
      wk->fused.dcol = base + offsets[n_off++];
      wk->fused.capacity = capacity;
      wk->batch_col = base + offsets[n_off++];
      wk->shared = base + offsets[n_off++];
    }
  net->capacity = capacity;
  return TRUE;
}
