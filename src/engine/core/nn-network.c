/* nn-network.c: a network's life, its worker threads and the data-parallel step */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-network.h"

#include <math.h>
#include <string.h>

#include "nn-loss.h"
#include "nn-network-private.h"

G_DEFINE_QUARK (nn-network-error-quark, nn_network_error)

static void run_job (NnNetwork *net, size_t w);

/* The workers of a training batch meet here (NnBatchSync.wait): the last to arrive wakes the
 * others. Only workers with samples take part, n_active of them. */
static void
batch_barrier (NnBatchSync *sync)
{
  NnNetwork *net = sync->data;
  guint64 generation;

  if (net->n_active <= 1)
    return;
  g_mutex_lock (&net->barrier_mutex);
  generation = net->barrier_generation;
  if (++net->barrier_count == net->n_active)
    {
      net->barrier_count = 0;
      net->barrier_generation++;
      g_cond_broadcast (&net->barrier_cond);
    }
  else
    while (net->barrier_generation == generation)
      g_cond_wait (&net->barrier_cond, &net->barrier_mutex);
  g_mutex_unlock (&net->barrier_mutex);
}

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
  g_mutex_init (&net->barrier_mutex);
  g_cond_init (&net->barrier_cond);
  net->fold = TRUE;
  net->spec = nn_spec_copy (spec);
  net->n_layers = spec->n_layers;
  net->in_c = C;
  net->in_h = H;
  net->in_w = W;
  net->n_threads = CLAMP (n_threads, 1, MAX_THREADS);
  net->layers = nn_network_plan_layers (spec, C, H, W, &net->n_params, &net->max_act, &net->max_col,
                             &net->n_classes, error);
  if (net->layers == NULL)
    {
      net->n_layers = 0;
      return NULL;
    }
  /* the fusion pass, for training and for inference (where batch norms fold) */
  for (size_t i = 0; i < net->n_layers;)
    {
      size_t n = nn_fusion_length (net->layers, net->n_layers, i, FALSE);

      net->fused[i] = n;
      for (size_t j = i; j < i + MAX (n, 1); j++)
        net->step_start[j] = i;
      i += MAX (n, 1);
    }
  for (size_t i = 0; i < net->n_layers; i++)
    {
      net->fused_infer[i] = nn_fusion_length (net->layers, net->n_layers, i, TRUE);
      if (net->fused_infer[i] > 0)
        i += net->fused_infer[i] - 1;
    }
  net->n_trainable = net->n_params;
  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayer *l = &net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);

      net->n_trainable -= l->n_buffer;
      if (klass->batch_stats_size != NULL)
        {
          net->stats_offset[i] = net->max_stats;
          net->max_stats += klass->batch_stats_size (l);
        }
    }

  /* a network that cannot hold even one image within a reserve's bound is refused here */
  if (!nn_network_plan_worker (net, 1, 0, NULL, &one_sample) ||
      (guint64) one_sample * sizeof (float) > NN_NETWORK_MAX_RESERVE_BYTES)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "The architecture needs more than %d GiB of working memory for one image",
                   (int) (NN_NETWORK_MAX_RESERVE_BYTES >> 30));
      return NULL;
    }

  net->params = g_try_malloc0 (sizeof (float) * MAX (net->n_params, 1));
  net->grads = g_try_malloc0 (sizeof (float) * MAX (net->n_params, 1));
  if (nn_fusion_any_fold (net->layers, net->n_layers))
    net->folded = g_try_malloc0 (sizeof (float) * MAX (net->n_params, 1));
  if (net->params == NULL || net->grads == NULL ||
      (net->folded == NULL && nn_fusion_any_fold (net->layers, net->n_layers)))
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "Not enough memory for the network's %zu parameters (%zu MiB)",
                   net->n_params, 2 * sizeof (float) * net->n_params >> 20);
      return NULL;
    }
  return g_steal_pointer (&net);
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
      nn_network_worker_clear (&net->workers[t]);
  g_free (net->workers);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->folded);
  g_free (net->batch_stats);
  g_free (net->layers);
  nn_spec_free (net->spec);
  g_mutex_clear (&net->mutex);
  g_cond_clear (&net->start_cond);
  g_cond_clear (&net->done_cond);
  g_mutex_clear (&net->barrier_mutex);
  g_cond_clear (&net->barrier_cond);
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

size_t
nn_network_get_n_trainable (const NnNetwork *net)
{
  return net->n_trainable;
}

void
nn_network_set_fold (NnNetwork *net,
                     gboolean   fold)
{
  g_return_if_fail (net != NULL);

  net->fold = fold;
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
  const NnNetworkJob *job = &net->job;
  size_t in_size = nn_network_get_input_size (net);
  size_t N = net->n_classes;
  size_t start, count;
  NnNetworkWorker *wk;

  if (job->kind == NN_NETWORK_JOB_FOR)
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
  if (job->kind == NN_NETWORK_JOB_REDUCE)
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
  wk->sync = (NnBatchSync) { .stats = net->batch_stats, .ld = net->max_stats, .start = start,
                             .B = job->B, .lead = w == 0, .wait = batch_barrier, .data = net };
  wk->loss_sum = 0;
  wk->n_correct = 0;
  if (job->kind == NN_NETWORK_JOB_TRAIN)
    memset (wk->grads, 0, sizeof (float) * net->n_params);
  if (count == 0)
    return;

  if (job->kind == NN_NETWORK_JOB_TRAIN)
    {
      NnRng rng;

      memcpy (wk->acts[0], job->x + start * in_size, sizeof (float) * count * in_size);
      nn_rng_init (&rng, job->dropout_seed ^ (G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) * (w + 1)));
      nn_network_forward (net, wk, count, &rng);
      wk->loss_sum = nn_softmax_xent_smoothed_forward (wk->probs, wk->acts[net->n_layers],
                                                       job->labels + start, count, N,
                                                       net->label_smoothing);
      wk->n_correct = count_correct (wk->probs, job->labels + start, count, N);
      nn_softmax_xent_smoothed_backward (wk->grad_a, wk->probs, job->labels + start, count, N,
                                         job->B, net->label_smoothing);
      nn_network_backward (net, wk, count, NULL);
    }
  else
    {
      const float *logits = nn_network_forward_inference (net, wk, job->x + start * in_size, count);

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

  net->job = (NnNetworkJob) { .kind = NN_NETWORK_JOB_TRAIN, .x = x, .labels = labels, .B = B,
                     .dropout_seed = dropout_seed };
  {
    /* the workers job_slice gives samples: they alone meet in batch_barrier */
    size_t per = (B + net->n_threads - 1) / net->n_threads;

    net->n_active = (B + per - 1) / per;
  }
  run_parallel (net);
  if (net->n_threads > 1)
    {
      net->job.kind = NN_NETWORK_JOB_REDUCE;
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
nn_network_set_label_smoothing (NnNetwork *net,
                                float      epsilon)
{
  g_return_if_fail (net != NULL && epsilon >= 0.0f && epsilon < 1.0f);
  net->label_smoothing = epsilon;
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
  net->job = (NnNetworkJob) { .kind = NN_NETWORK_JOB_FOR, .func = func, .func_data = user_data, .n = n,
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
  nn_network_parallel_for (net, net->n_trainable, 16, optimizer_range, &step);
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
  /* the parameters inference reads, batch norms folded into the layers before them */
  if (net->folded != NULL && net->fold)
    nn_fusion_fold (net->layers, net->n_layers, net->params, net->folded, net->n_params);
  for (size_t b = 0; b < B; b += chunk)
    {
      net->job = (NnNetworkJob) { .kind = NN_NETWORK_JOB_PREDICT, .x = x + b * in_size,
                         .probs = probs + b * net->n_classes, .B = MIN (chunk, B - b) };
      run_parallel (net);
    }
}
