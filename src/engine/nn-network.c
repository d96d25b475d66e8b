/* nn-network.c: shapes, parameter blocks, per-thread workspaces and the data-parallel step */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-network.h"

#include <math.h>
#include <string.h>

#include "nn-fusion.h"
#include "nn-loss.h"

G_DEFINE_QUARK (nn-network-error-quark, nn_network_error)

#define MAX_THREADS 64

/* Everything one thread needs to run forward and backward on its slice of a batch. */
typedef struct
{
  size_t    capacity;       /* samples */
  float   **acts;           /* n_layers + 1 pointers; acts[i] (capacity, layer i input) */
  float   **state;          /* per layer (capacity, state_size): max-pool winners, dropout masks */
  float    *grad_a;         /* (capacity, max activation) */
  float    *grad_b;         /* (capacity, max activation) */
  float    *col;            /* (max conv col size) */
  NnFusionWork fused;       /* the fused steps' buffers */
  float    *dcol;           /* (max conv col size) */
  float    *grads;          /* (n_params); worker 0 uses the network's block */
  float    *probs;          /* (capacity, n_classes) */
  gpointer  storage;        /* the single allocation behind the float buffers above */

  /* results of the last job */
  double    loss_sum;
  size_t    n_correct;
} Worker;

typedef enum
{
  JOB_TRAIN,
  JOB_PREDICT,
  JOB_REDUCE,
  JOB_FOR,
} JobKind;

typedef struct
{
  JobKind       kind;
  const float  *x;          /* (B, C, H, W) */
  const guint8 *labels;     /* (B) */
  float        *probs;      /* (B, n_classes) for predict */
  size_t        B;
  guint64       dropout_seed;
  NnParallelFunc func;      /* for JOB_FOR: over [0, n) in stripes of multiples of align */
  gpointer       func_data;
  size_t         n;
  size_t         align;
} Job;

struct _NnNetwork
{
  NnSpec   *spec;
  NnLayer  *layers;
  size_t    n_layers;
  size_t    fused[NN_NETWORK_MAX_LAYERS];   /* layers the fused step at i covers; 0: none */
  size_t    step_start[NN_NETWORK_MAX_LAYERS]; /* the first layer of layer i's step */
  size_t    in_c, in_h, in_w;
  size_t    n_classes;

  float    *params;         /* (n_params) */
  float    *grads;          /* (n_params) */
  size_t    n_params;

  size_t    max_act;        /* largest per-sample activation, floats */
  size_t    max_col;        /* largest conv im2col buffer for one image, floats */

  size_t    n_threads;
  Worker   *workers;        /* (n_threads) */
  size_t    capacity;       /* samples per worker */

  /* persistent worker threads 1..n_threads-1; the caller's thread is worker 0 */
  GThread **threads;
  GMutex    mutex;
  GCond     start_cond;
  GCond     done_cond;
  guint64   generation;
  size_t    n_pending;
  gboolean  quit;
  Job       job;
};

static void run_job (NnNetwork *net, size_t w);

static gpointer
pool_worker (gpointer data)
{
  NnNetwork *net = *(NnNetwork **) data;
  size_t index = GPOINTER_TO_SIZE (((gpointer *) data)[1]);
  guint64 seen = 0;

  g_free (data);
  for (;;)
    {
      g_mutex_lock (&net->mutex);
      while (!net->quit && net->generation == seen)
        g_cond_wait (&net->start_cond, &net->mutex);
      if (net->quit)
        {
          g_mutex_unlock (&net->mutex);
          return NULL;
        }
      seen = net->generation;
      g_mutex_unlock (&net->mutex);

      run_job (net, index);

      g_mutex_lock (&net->mutex);
      if (--net->n_pending == 0)
        g_cond_signal (&net->done_cond);
      g_mutex_unlock (&net->mutex);
    }
}

/* The pool starts with the first job, from the thread that runs the network: its threads
 * inherit that thread's scheduling priority (an app lowers its training thread's so that
 * drawing the window always comes first). */
static void
start_pool (NnNetwork *net)
{
  net->threads = g_new0 (GThread *, net->n_threads);
  for (size_t t = 1; t < net->n_threads; t++)
    {
      gpointer *data = g_new (gpointer, 2);

      data[0] = net;
      data[1] = GSIZE_TO_POINTER (t);
      net->threads[t] = g_thread_new ("nn-worker", pool_worker, data);
    }
}

/* Runs net->job on every worker, the calling thread taking worker 0, and waits for all. */
static void
run_parallel (NnNetwork *net)
{
  if (net->n_threads > 1 && net->threads == NULL)
    start_pool (net);
  if (net->n_threads > 1)
    {
      g_mutex_lock (&net->mutex);
      net->n_pending = net->n_threads - 1;
      net->generation++;
      g_cond_broadcast (&net->start_cond);
      g_mutex_unlock (&net->mutex);
    }

  run_job (net, 0);

  if (net->n_threads > 1)
    {
      g_mutex_lock (&net->mutex);
      while (net->n_pending > 0)
        g_cond_wait (&net->done_cond, &net->mutex);
      g_mutex_unlock (&net->mutex);
    }
}

/* The shapes of spec's layers on (C, H, W) inputs and the parameter layout, every size bounded
 * by the limits in nn-network.h; allocates nothing but the layers. */
static NnLayer *
plan_layers (const NnSpec  *spec,
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

  layers = plan_layers (spec, C, H, W, &n, NULL, NULL, NULL, error);
  if (layers != NULL && n_params != NULL)
    *n_params = n;
  return layers;
}

static gboolean plan_worker (const NnNetwork *net, size_t capacity, size_t t, size_t *offsets,
                             size_t *n_floats);

NnNetwork *
nn_network_new (const NnSpec  *spec,
                size_t         C,
                size_t         H,
                size_t         W,
                size_t         n_threads,
                GError       **error)
{
  g_autoptr(NnNetwork) net = NULL;
  size_t one_sample;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  net = g_new0 (NnNetwork, 1);
  g_mutex_init (&net->mutex);
  g_cond_init (&net->start_cond);
  g_cond_init (&net->done_cond);
  net->spec = nn_spec_copy (spec);
  net->n_layers = spec->n_layers;
  net->in_c = C;
  net->in_h = H;
  net->in_w = W;
  net->n_threads = CLAMP (n_threads, 1, MAX_THREADS);
  net->layers = plan_layers (spec, C, H, W, &net->n_params, &net->max_act, &net->max_col,
                             &net->n_classes, error);
  if (net->layers == NULL)
    {
      net->n_layers = 0;
      return NULL;
    }
  /* the fusion pass */
  for (size_t i = 0; i < net->n_layers;)
    {
      size_t n = nn_fusion_length (net->layers, net->n_layers, i);

      net->fused[i] = n;
      for (size_t j = i; j < i + MAX (n, 1); j++)
        net->step_start[j] = i;
      i += MAX (n, 1);
    }

  /* a network that cannot hold even one image within a reserve's bound is refused here */
  if (!plan_worker (net, 1, 0, NULL, &one_sample) ||
      (guint64) one_sample * sizeof (float) > NN_NETWORK_MAX_RESERVE_BYTES)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "The architecture needs more than %d GiB of working memory for one image",
                   (int) (NN_NETWORK_MAX_RESERVE_BYTES >> 30));
      return NULL;
    }

  net->params = g_try_malloc0 (sizeof (float) * MAX (net->n_params, 1));
  net->grads = g_try_malloc0 (sizeof (float) * MAX (net->n_params, 1));
  if (net->params == NULL || net->grads == NULL)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "Not enough memory for the network's %zu parameters (%zu MiB)",
                   net->n_params, 2 * sizeof (float) * net->n_params >> 20);
      return NULL;
    }
  return g_steal_pointer (&net);
}

static void
worker_clear (Worker *wk)
{
  g_free (wk->acts);
  g_free (wk->state);
  g_free (wk->storage);
  memset (wk, 0, sizeof *wk);
}

void
nn_network_free (NnNetwork *net)
{
  if (net == NULL)
    return;

  if (net->threads != NULL)
    {
      g_mutex_lock (&net->mutex);
      net->quit = TRUE;
      g_cond_broadcast (&net->start_cond);
      g_mutex_unlock (&net->mutex);
      for (size_t t = 1; t < net->n_threads; t++)
        g_thread_join (net->threads[t]);
      g_free (net->threads);
    }
  if (net->workers != NULL)
    for (size_t t = 0; t < net->n_threads; t++)
      worker_clear (&net->workers[t]);
  g_free (net->workers);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->layers);
  nn_spec_free (net->spec);
  g_mutex_clear (&net->mutex);
  g_cond_clear (&net->start_cond);
  g_cond_clear (&net->done_cond);
  g_free (net);
}

const NnSpec *
nn_network_get_spec (const NnNetwork *net)
{
  return net->spec;
}

size_t
nn_network_get_n_layers (const NnNetwork *net)
{
  return net->n_layers;
}

const NnLayer *
nn_network_get_layer (const NnNetwork *net,
                      size_t           i)
{
  g_return_val_if_fail (i < net->n_layers, NULL);
  return &net->layers[i];
}

size_t
nn_network_get_n_classes (const NnNetwork *net)
{
  return net->n_classes;
}

size_t
nn_network_get_input_size (const NnNetwork *net)
{
  return net->in_c * net->in_h * net->in_w;
}

size_t
nn_network_get_n_threads (const NnNetwork *net)
{
  return net->n_threads;
}

size_t
nn_network_get_n_params (const NnNetwork *net)
{
  return net->n_params;
}

float *
nn_network_get_params (NnNetwork *net)
{
  return net->params;
}

float *
nn_network_get_grads (NnNetwork *net)
{
  return net->grads;
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

static size_t
layer_out_size (const NnLayer *l)
{
  return l->out_c * l->out_h * l->out_w;
}

/* The floats of worker t's storage for capacity samples, and where each buffer starts (offsets
 * may be NULL): FALSE when the sizes overflow. */
static gboolean
plan_worker (const NnNetwork *net,
             size_t           capacity,
             size_t           t,
             size_t          *offsets,
             size_t          *n_floats)
{
  size_t total = 0, n_off = 0;
  gboolean overflow = FALSE;

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
  RESERVE (nn_layer_mul (capacity, nn_network_get_input_size (net), &overflow));
  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayer *l = &net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);

      if (!klass->is_view)
        RESERVE (nn_layer_mul (capacity, layer_out_size (l), &overflow));
      if (klass->state_size != NULL)
        RESERVE (nn_layer_mul (capacity, klass->state_size (l), &overflow));
    }
  RESERVE (nn_layer_mul (capacity, net->max_act, &overflow));
  RESERVE (nn_layer_mul (capacity, net->max_act, &overflow));
  RESERVE (net->max_col);
  RESERVE (net->max_col);
  RESERVE (t == 0 ? 0 : net->n_params);
  RESERVE (nn_layer_mul (capacity, net->n_classes, &overflow));
  {
    size_t fused_col = 0, fused_tmp = 0, fused_dcol = 0;

    for (size_t i = 0; i < net->n_layers; i++)
      if (net->fused[i] > 0)
        nn_fusion_workspace (net->layers, i, capacity, &fused_col, &fused_tmp, &fused_dcol,
                             &overflow);
    RESERVE (fused_col);
    RESERVE (fused_tmp);
    RESERVE (fused_dcol);
  }
#undef RESERVE
  g_assert (n_off <= 2 * NN_NETWORK_MAX_LAYERS + 10);
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

  capacity = max_batch / net->n_threads + (max_batch % net->n_threads != 0);
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

      if (!plan_worker (net, capacity, t, NULL, &n) || n > NN_NETWORK_MAX_RESERVE_BYTES / 4)
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
  storage = g_new0 (gpointer, net->n_threads);
  for (size_t t = 0; t < net->n_threads; t++)
    {
      size_t n;

      plan_worker (net, capacity, t, NULL, &n);
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
    net->workers = g_new0 (Worker, net->n_threads);
  for (size_t t = 0; t < net->n_threads; t++)
    {
      Worker *wk = &net->workers[t];
      size_t offsets[2 * NN_NETWORK_MAX_LAYERS + 10];
      size_t n_off = 0, total;
      float *base;

      worker_clear (wk);
      plan_worker (net, capacity, t, offsets, &total);
      wk->capacity = capacity;
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
    }
  net->capacity = capacity;
  return TRUE;
}

/* Layer i on B samples from in to out: training when rng is given, else inference. */
static void
forward_layer (NnNetwork   *net,
               Worker      *wk,
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
static void
forward (NnNetwork *net,
         Worker    *wk,
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

/* Inference on B samples read straight from x: training-only layers skipped, no state kept for
 * a backward pass. Returns the logits (B, n_classes), in the worker's buffers. */
static const float *
forward_inference (NnNetwork   *net,
                   Worker      *wk,
                   const float *x,
                   size_t       B)
{
  const float *in = x;

  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayerClass *klass = nn_layer_class (net->layers[i].spec.kind);
      size_t n = net->fused[i];
      float *out;

      if (n > 0)
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

/* Backward pass from dlogits in wk->grad_a; accumulates into wk->grads. */
static void
backward (NnNetwork *net,
          Worker    *wk,
          size_t     B)
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
          nn_fusion_backward (net->layers, h, h == 0 ? NULL : dout, spare, wk->grads, dout,
                              wk->acts[h], wk->acts[i + 1], (const guint32 *) wk->state[i],
                              net->params, &wk->fused, B);
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
          /* din aliases dout */
          if (i > 0)
            klass->backward (l, dout, NULL, NULL, dout, wk->acts[i], wk->acts[i + 1],
                             net->params + l->weight_offset, &work, B);
          continue;
        }
      klass->backward (l, i == 0 ? NULL : spare, wk->grads + l->weight_offset,
                       wk->grads + l->bias_offset, dout, wk->acts[i], wk->acts[i + 1],
                       net->params + l->weight_offset, &work, B);
      /* the input gradient is in the spare buffer */
      {
        float *tmp = dout;

        dout = spare;
        spare = tmp;
      }
    }
}

static size_t
count_correct (const float  *probs,
               const guint8 *labels,
               size_t        B,
               size_t        N)
{
  size_t n_correct = 0;

  for (size_t b = 0; b < B; b++)
    {
      const float *p = probs + b * N;
      size_t best = 0;

      for (size_t k = 1; k < N; k++)
        if (p[k] > p[best])
          best = k;
      n_correct += best == labels[b];
    }
  return n_correct;
}

/* The slice of the job's B samples that worker w handles. */
static void
job_slice (NnNetwork *net,
           size_t     w,
           size_t    *start,
           size_t    *count)
{
  size_t B = net->job.B;
  size_t per = (B + net->n_threads - 1) / net->n_threads;

  *start = MIN (B, w * per);
  *count = MIN (B, *start + per) - *start;
}

static void
run_job (NnNetwork *net,
         size_t     w)
{
  const Job *job = &net->job;
  size_t in_size = nn_network_get_input_size (net);
  size_t N = net->n_classes;
  size_t start, count;
  Worker *wk;

  if (job->kind == JOB_FOR)
    {
      size_t per = (job->n + net->n_threads - 1) / net->n_threads;
      size_t lo, hi;

      per = (per + job->align - 1) / job->align * job->align;
      lo = MIN (job->n, w * per);
      hi = MIN (job->n, lo + per);
      if (lo < hi)
        job->func (job->func_data, w, lo, hi);
      return;
    }
  if (job->kind == JOB_REDUCE)
    {
      /* each worker sums one stripe of the gradient block, whole cache lines apart, adding
       * the workers' gradients in a fixed order */
      size_t per = ((net->n_params + net->n_threads - 1) / net->n_threads + 15) & ~(size_t) 15;
      size_t lo = MIN (net->n_params, w * per);
      size_t hi = MIN (net->n_params, lo + per);

      for (size_t t = 1; t < net->n_threads; t++)
        {
          const float *src = net->workers[t].grads;

          for (size_t k = lo; k < hi; k++)
            net->grads[k] += src[k];
        }
      return;
    }

  wk = &net->workers[w];
  job_slice (net, w, &start, &count);
  wk->loss_sum = 0;
  wk->n_correct = 0;
  if (job->kind == JOB_TRAIN)
    memset (wk->grads, 0, sizeof (float) * net->n_params);
  if (count == 0)
    return;

  if (job->kind == JOB_TRAIN)
    {
      NnRng rng;

      memcpy (wk->acts[0], job->x + start * in_size, sizeof (float) * count * in_size);
      nn_rng_init (&rng, job->dropout_seed ^ (G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) * (w + 1)));
      forward (net, wk, count, &rng);
      wk->loss_sum = nn_softmax_xent_forward (wk->probs, wk->acts[net->n_layers],
                                              job->labels + start, count, N);
      wk->n_correct = count_correct (wk->probs, job->labels + start, count, N);
      nn_softmax_xent_backward (wk->grad_a, wk->probs, job->labels + start, count, N, job->B);
      backward (net, wk, count);
    }
  else
    {
      const float *logits = forward_inference (net, wk, job->x + start * in_size, count);

      nn_softmax (job->probs + start * N, logits, count, N);
    }
}

double
nn_network_train_step (NnNetwork    *net,
                       const float  *x,
                       const guint8 *labels,
                       size_t        B,
                       guint64       dropout_seed,
                       size_t       *n_correct)
{
  double loss = 0;
  size_t correct = 0;

  g_return_val_if_fail (net != NULL && x != NULL && labels != NULL, NAN);
  g_return_val_if_fail (net->workers != NULL && B > 0, NAN);
  g_return_val_if_fail (B <= net->capacity * net->n_threads, NAN);

  net->job = (Job) { .kind = JOB_TRAIN, .x = x, .labels = labels, .B = B,
                     .dropout_seed = dropout_seed };
  run_parallel (net);
  if (net->n_threads > 1)
    {
      net->job.kind = JOB_REDUCE;
      run_parallel (net);
    }
  for (size_t t = 0; t < net->n_threads; t++)
    {
      loss += net->workers[t].loss_sum;
      correct += net->workers[t].n_correct;
    }
  if (n_correct != NULL)
    *n_correct = correct;
  return loss;
}

void
nn_network_parallel_for (NnNetwork      *net,
                         size_t          n,
                         size_t          align,
                         NnParallelFunc  func,
                         gpointer        user_data)
{
  g_return_if_fail (net != NULL && func != NULL && align > 0);

  if (n == 0)
    return;
  if (net->n_threads == 1)
    {
      func (user_data, 0, 0, n);
      return;
    }
  net->job = (Job) { .kind = JOB_FOR, .func = func, .func_data = user_data, .n = n,
                     .align = align };
  run_parallel (net);
}

typedef struct
{
  NnNetwork   *net;
  NnOptimizer *opt;
} OptimizerStep;

static void
optimizer_range (gpointer user_data,
                 size_t   worker,
                 size_t   lo,
                 size_t   hi)
{
  OptimizerStep *step = user_data;

  nn_optimizer_update (step->opt, step->net->params, step->net->grads, lo, hi);
}

void
nn_network_optimizer_step (NnNetwork   *net,
                           NnOptimizer *opt)
{
  OptimizerStep step = { net, opt };

  g_return_if_fail (net != NULL && opt != NULL);

  nn_optimizer_begin_step (opt);
  /* stripes of whole cache lines */
  nn_network_parallel_for (net, net->n_params, 16, optimizer_range, &step);
}

void
nn_network_predict (NnNetwork   *net,
                    const float *x,
                    size_t       B,
                    float       *probs)
{
  size_t chunk;
  size_t in_size;

  g_return_if_fail (net != NULL && (x != NULL || B == 0) && (probs != NULL || B == 0));
  g_return_if_fail (net->workers != NULL);

  chunk = net->capacity * net->n_threads;
  in_size = nn_network_get_input_size (net);
  for (size_t b = 0; b < B; b += chunk)
    {
      net->job = (Job) { .kind = JOB_PREDICT, .x = x + b * in_size,
                         .probs = probs + b * net->n_classes, .B = MIN (chunk, B - b) };
      run_parallel (net);
    }
}
