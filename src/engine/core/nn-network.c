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
 * others. Only workers with samples take part, n_active of them. A batch norm's share of a batch
 * takes microseconds, so a waiting worker first spins a little before it sleeps. */
void
nn_network_batch_barrier (NnBatchSync *sync)
{
  NnNetwork *net = sync->data;
  gint generation;

  if (net->n_active <= 1)
    return;
  g_mutex_lock (&net->barrier_mutex);
  generation = g_atomic_int_get (&net->barrier_generation);
  if (++net->barrier_count == net->n_active)
    {
      net->barrier_count = 0;
      g_atomic_int_inc (&net->barrier_generation);
      g_cond_broadcast (&net->barrier_cond);
      g_mutex_unlock (&net->barrier_mutex);
      return;
    }
  g_mutex_unlock (&net->barrier_mutex);
  for (int spin = 0; spin < 2000; spin++)
    {
      if (g_atomic_int_get (&net->barrier_generation) != generation)
        return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause ();
#endif
    }
  g_mutex_lock (&net->barrier_mutex);
  while (g_atomic_int_get (&net->barrier_generation) == generation)
    g_cond_wait (&net->barrier_cond, &net->barrier_mutex);
  g_mutex_unlock (&net->barrier_mutex);
}

/* Waiting for the next job or for the last worker: a moment of spinning first, when every thread
 * has a core of its own, since a layer's jobs follow each other microseconds apart and waking a
 * sleeping thread costs more than that; then sleeping on the condition. */
#define SPIN_MICROSECONDS 50

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

static inline guint64
load_word (NnNetwork *net)
{
  return __atomic_load_n (&net->word, __ATOMIC_SEQ_CST);
}

/* Spins while cond holds, up to SPIN_MICROSECONDS; returns whether it still holds. */
#define SPIN_WHILE(net, cond)                                                     \
  G_STMT_START {                                                                  \
    if ((net)->spin)                                                              \
      {                                                                           \
        gint64 spin_end_ = 0;                                                     \
        for (guint spin_i_ = 1; (cond); spin_i_++)                                \
          {                                                                       \
            cpu_relax ();                                                         \
            if (spin_i_ % 64 == 0)                                                \
              {                                                                   \
                gint64 now_ = g_get_monotonic_time ();                            \
                if (spin_end_ == 0)                                               \
                  spin_end_ = now_ + SPIN_MICROSECONDS;                           \
                else if (now_ > spin_end_)                                        \
                  break;                                                          \
              }                                                                   \
          }                                                                       \
      }                                                                           \
  } G_STMT_END

static gpointer
pool_worker (gpointer data)
{
  NnNetwork *net = *(NnNetwork **) data;
  size_t index = GPOINTER_TO_SIZE (((gpointer *) data)[1]);
  guint64 seen = 0;

  g_free (data);
  for (;;)
    {
      guint64 word;

      SPIN_WHILE (net, (load_word (net) >> 8) == (seen >> 8) && !g_atomic_int_get (&net->quit));
      if ((load_word (net) >> 8) == (seen >> 8) && !g_atomic_int_get (&net->quit))
        {
          g_mutex_lock (&net->mutex);
          g_atomic_int_inc (&net->n_sleeping);
          while ((load_word (net) >> 8) == (seen >> 8) && !g_atomic_int_get (&net->quit))
            g_cond_wait (&net->start_cond, &net->mutex);
          g_atomic_int_dec_and_test (&net->n_sleeping);
          g_mutex_unlock (&net->mutex);
        }
      if (g_atomic_int_get (&net->quit))
        return NULL;
      word = load_word (net);
      seen = word;
      /* a job for fewer threads: this one sits it out, and nobody waits for it */
      if (index >= (word & 0xff))
        continue;

      run_job (net, index);

      if (g_atomic_int_dec_and_test (&net->n_busy) && g_atomic_int_get (&net->main_sleeping))
        {
          g_mutex_lock (&net->mutex);
          g_cond_signal (&net->done_cond);
          g_mutex_unlock (&net->mutex);
        }
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

/* Runs net->job on workers 0 .. n_active − 1, the calling thread taking worker 0, and waits for
 * them. */
static void
run_parallel (NnNetwork *net,
              size_t     n_active)
{
  n_active = MIN (n_active, net->n_threads);
  if (n_active <= 1)
    {
      run_job (net, 0);
      return;
    }
  if (net->threads == NULL)
    start_pool (net);
  g_atomic_int_set (&net->n_busy, (gint) n_active - 1);
  __atomic_store_n (&net->word, (((load_word (net) >> 8) + 1) << 8) | n_active, __ATOMIC_SEQ_CST);
  if (g_atomic_int_get (&net->n_sleeping) > 0)
    {
      g_mutex_lock (&net->mutex);
      g_cond_broadcast (&net->start_cond);
      g_mutex_unlock (&net->mutex);
    }

  run_job (net, 0);

  SPIN_WHILE (net, g_atomic_int_get (&net->n_busy) > 0);
  if (g_atomic_int_get (&net->n_busy) > 0)
    {
      g_mutex_lock (&net->mutex);
      g_atomic_int_set (&net->main_sleeping, 1);
      while (g_atomic_int_get (&net->n_busy) > 0)
        g_cond_wait (&net->done_cond, &net->mutex);
      g_atomic_int_set (&net->main_sleeping, 0);
      g_mutex_unlock (&net->mutex);
    }
}

void
nn_team_run (NnTeam     *team,
             size_t      n_items,
             NnTeamFunc  func,
             gpointer    data)
{
  NnNetwork *net = team->net;
  size_t n_active = MIN (net->team_active, n_items);

  if (n_active <= 1)
    {
      for (size_t i = 0; i < n_items; i++)
        func (data, 0, i);
      return;
    }
  net->job = (NnNetworkJob) { .kind = NN_NETWORK_JOB_TEAM, .team_func = func, .func_data = data,
                              .n = n_items };
  g_atomic_int_set (&net->next_item, 0);
  run_parallel (net, n_active);
}

size_t
nn_team_size (const NnTeam *team)
{
  return MAX ((size_t) 1, team->net->team_active);
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
  net->n_slices = MIN (net->n_threads, NN_NETWORK_MAX_SLICES);
  net->team_mode = net->n_threads > net->n_slices;
  net->team.net = net;
  net->team_active = net->n_threads;
  /* spinning pays between a team's many short jobs, and may between the few steps of a batch
   * split in slices: a thread that sleeps there can wake late when another process took a core
   * for a moment (a window's frame; bench/interference.sh). The spin is bounded and costs
   * nothing measurable alone. Only when every thread has a core. */
  net->spin = net->n_threads <= g_get_num_processors ();
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
      g_atomic_int_set (&net->quit, 1);
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

/* Sample range [start, start + count) of part w when B samples split into n_parts. */
static void
split_batch (size_t  B,
             size_t  n_parts,
             size_t  w,
             size_t *start,
             size_t *count)
{
  size_t per = (B + n_parts - 1) / n_parts;

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

  if (job->kind == NN_NETWORK_JOB_TEAM)
    {
      for (;;)
        {
          size_t item = (size_t) g_atomic_int_add (&net->next_item, 1);

          if (item >= job->n)
            return;
          job->team_func (job->func_data, w, item);
        }
    }
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
       * the slices' gradients in a fixed order */
      size_t per = ((net->n_params + net->n_threads - 1) / net->n_threads + 15) & ~(size_t) 15;
      size_t lo = MIN (net->n_params, w * per);
      size_t hi = MIN (net->n_params, lo + per);

      for (size_t t = 1; t < net->n_slices; t++)
        {
          const float *src = net->workers[t].grads;

          for (size_t k = lo; k < hi; k++)
            net->grads[k] += src[k];
        }
      return;
    }

  wk = &net->workers[w];
  split_batch (job->B, job->kind == NN_NETWORK_JOB_TRAIN ? net->n_slices : job->n_parts, w,
               &start, &count);
  wk->sync = (NnBatchSync) { .stats = net->batch_stats, .ld = net->max_stats, .start = start,
                             .B = job->B, .lead = w == 0, .wait = nn_network_batch_barrier, .data = net };
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

/* ---- team_mode: every layer's work shared out ------------------------------------------- */

typedef struct
{
  NnNetwork    *net;
  const float  *x;
  const guint8 *labels;
  size_t        B;
  size_t        slice_start[NN_NETWORK_MAX_SLICES + 1];
  double        loss[NN_NETWORK_MAX_SLICES];
  size_t        n_correct[NN_NETWORK_MAX_SLICES];
} TeamStep;

/* The first n_slices · n_threads items clear a stripe of a slice's gradient block; the next
 * n_threads copy a stripe of the input. */
static void
team_begin_item (gpointer data,
                 size_t   worker,
                 size_t   item)
{
  TeamStep *step = data;
  NnNetwork *net = step->net;
  size_t in_size = nn_network_get_input_size (net), T = net->n_threads, lo, n;

  if (item < net->n_slices * T)
    {
      split_batch (net->n_params, T, item % T, &lo, &n);
      memset (net->workers[item / T].grads + lo, 0, sizeof (float) * n);
      return;
    }
  split_batch (step->B, T, item - net->n_slices * T, &lo, &n);
  memcpy (net->workers[0].acts[0] + lo * in_size, step->x + lo * in_size,
          sizeof (float) * n * in_size);
}

static void
team_loss_item (gpointer data,
                size_t   worker,
                size_t   s)
{
  TeamStep *step = data;
  NnNetwork *net = step->net;
  NnNetworkWorker *wk = &net->workers[0];
  size_t N = net->n_classes, lo = step->slice_start[s], n = step->slice_start[s + 1] - lo;

  /* with the label smoothing the slices' own workers apply (run_job) */
  step->loss[s] = nn_softmax_xent_smoothed_forward (wk->probs + lo * N,
                                                    wk->acts[net->n_layers] + lo * N,
                                                    step->labels + lo, n, N,
                                                    net->label_smoothing);
  step->n_correct[s] = count_correct (wk->probs + lo * N, step->labels + lo, n, N);
  nn_softmax_xent_smoothed_backward (wk->grad_a + lo * N, wk->probs + lo * N, step->labels + lo,
                                     n, N, step->B, net->label_smoothing);
}

/* The step of nn_network_train_step in team_mode: the slices of two threads, so their values. */
static double
train_step_team (NnNetwork    *net,
                 const float  *x,
                 const guint8 *labels,
                 size_t        B,
                 guint64       dropout_seed,
                 size_t       *n_correct)
{
  TeamStep step = { net, x, labels, B };
  NnRng rngs[NN_NETWORK_MAX_SLICES];
  double loss = 0;
  size_t correct = 0;

  net->team_active = net->n_threads;
  net->n_active = 0;
  for (size_t s = 0; s < net->n_slices; s++)
    {
      size_t count;

      split_batch (B, net->n_slices, s, &step.slice_start[s], &count);
      /* the slices with samples meet in nn_network_batch_barrier */
      net->n_active += count > 0;
    }
  step.slice_start[net->n_slices] = B;
  for (size_t s = 0; s < net->n_slices; s++)
    nn_rng_init (&rngs[s], dropout_seed ^ (G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) * (s + 1)));

  nn_team_run (&net->team, (net->n_slices + 1) * net->n_threads, team_begin_item, &step);
  nn_network_forward_team (net, NULL, B, step.slice_start, rngs);
  nn_team_run (&net->team, net->n_slices, team_loss_item, &step);
  nn_network_backward_team (net, B, step.slice_start);
  net->job.kind = NN_NETWORK_JOB_REDUCE;
  run_parallel (net, net->n_threads);

  for (size_t s = 0; s < net->n_slices; s++)
    {
      loss += step.loss[s];
      correct += step.n_correct[s];
    }
  if (n_correct != NULL)
    *n_correct = correct;
  return loss;
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
  g_return_val_if_fail (B <= net->capacity * net->n_slices, NAN);

  if (net->team_mode)
    return train_step_team (net, x, labels, B, dropout_seed, n_correct);

  net->job = (NnNetworkJob) { .kind = NN_NETWORK_JOB_TRAIN, .x = x, .labels = labels, .B = B,
                     .dropout_seed = dropout_seed };
  {
    /* the workers split_batch gives samples: they alone meet in nn_network_batch_barrier */
    size_t per = (B + net->n_slices - 1) / net->n_slices;

    net->n_active = (B + per - 1) / per;
  }
  run_parallel (net, net->n_threads);
  if (net->n_slices > 1)
    {
      net->job.kind = NN_NETWORK_JOB_REDUCE;
      run_parallel (net, net->n_threads);
    }
  for (size_t t = 0; t < net->n_slices; t++)
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
  run_parallel (net, net->n_threads);
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

/* Threads worth waking for B samples: one for every NN_NETWORK_THREAD_FLOPS of forward work
 * (2^23, about one reference image, some 0.1 ms of one core), so that a single image runs on
 * the calling thread alone and its latency cannot grow with the thread count. */
#define NN_NETWORK_THREAD_FLOPS 8388608.0

static size_t
useful_threads (NnNetwork *net,
                size_t     B)
{
  double n = floor ((double) B * nn_network_get_flops_per_sample (net) / NN_NETWORK_THREAD_FLOPS);

  return (size_t) CLAMP (n, 1.0, (double) net->n_threads);
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

  in_size = nn_network_get_input_size (net);
  /* the parameters inference reads, batch norms folded into the layers before them */
  if (net->folded != NULL && net->fold)
    nn_fusion_fold (net->layers, net->n_layers, net->params, net->folded, net->n_params);
  if (net->team_mode)
    {
      /* worker 0 holds a whole batch; the layers share each chunk out */
      chunk = net->capacity * net->n_slices;
      for (size_t b = 0; b < B; b += chunk)
        {
          size_t n = MIN (chunk, B - b), slice_start[NN_NETWORK_MAX_SLICES + 1];
          const float *logits;

          for (size_t s = 0; s < net->n_slices; s++)
            {
              size_t count;

              split_batch (n, net->n_slices, s, &slice_start[s], &count);
            }
          slice_start[net->n_slices] = n;
          net->team_active = useful_threads (net, n);
          logits = nn_network_forward_team (net, x + b * in_size, n, slice_start, NULL);
          nn_softmax (probs + b * net->n_classes, logits, n, net->n_classes);
        }
      net->team_active = net->n_threads;
      return;
    }

  for (size_t b = 0; b < B; b += chunk)
    {
      size_t n_parts = useful_threads (net, MIN (B - b, net->capacity * net->n_threads));

      chunk = net->capacity * n_parts;
      net->job = (NnNetworkJob) { .kind = NN_NETWORK_JOB_PREDICT, .x = x + b * in_size,
                         .probs = probs + b * net->n_classes, .B = MIN (chunk, B - b),
                         .n_parts = n_parts };
      run_parallel (net, n_parts);
    }
}
