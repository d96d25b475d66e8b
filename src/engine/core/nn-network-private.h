/* nn-network-private.h: what the network's files share — its struct, workers and passes */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "nn-fusion.h"
#include "nn-network.h"

G_BEGIN_DECLS

#define MAX_THREADS 64

/* The batch splits into at most this many gradient slices, each summing its gradients on its own
 * before the slices are added in order: the weights depend on the number of slices, never on
 * the number of threads beyond it. One thread has one slice, two or more threads two: two
 * threads each run a slice as they always did, more share each layer's work out (NnTeam). */
#define NN_NETWORK_MAX_SLICES 2

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
  float    *batch_col;      /* team, worker 0: (nn_network_team_col_samples (), max col) */
  float    *shared;         /* team, worker 0: the fused steps' shared buffer */
  gpointer  storage;        /* the single allocation behind the float buffers above */

  NnBatchSync sync;         /* how this worker meets the others inside a training batch */
  gboolean  batch_forward;  /* the last nn_network_forward trained (batch statistics) */

  /* results of the last job */
  double    loss_sum;
  size_t    n_correct;
} NnNetworkWorker;

typedef enum
{
  NN_NETWORK_JOB_TRAIN,
  NN_NETWORK_JOB_PREDICT,
  NN_NETWORK_JOB_REDUCE,
  NN_NETWORK_JOB_FOR,
  NN_NETWORK_JOB_TEAM,
} NnNetworkJobKind;

typedef struct
{
  NnNetworkJobKind       kind;
  const float  *x;          /* (B, C, H, W) */
  const guint8 *labels;     /* (B) */
  float        *probs;      /* (B, n_classes) for predict */
  size_t        B;
  guint64       dropout_seed;
  NnParallelFunc func;      /* for NN_NETWORK_JOB_FOR: over [0, n) in stripes of multiples of align */
  gpointer       func_data;
  size_t         n;
  size_t         align;
  size_t         n_parts;   /* predict: the workers that share the samples */
  NnTeamFunc     team_func; /* for NN_NETWORK_JOB_TEAM: items [0, n) taken one at a time */
} NnNetworkJob;

struct _NnTeam
{
  NnNetwork *net;
};

struct _NnNetwork
{
  NnSpec   *spec;
  NnLayer  *layers;
  size_t    n_layers;
  size_t    fused[NN_NETWORK_MAX_LAYERS];   /* layers the fused step at i covers; 0: none */
  size_t    fused_infer[NN_NETWORK_MAX_LAYERS]; /* the same at inference, batch norms folded */
  size_t    step_start[NN_NETWORK_MAX_LAYERS]; /* the first layer of layer i's step */
  size_t    in_c, in_h, in_w;
  size_t    n_classes;
  float     label_smoothing; /* of the training loss, see nn_network_set_label_smoothing */

  float    *params;         /* (n_params): the trainable ones, then the layers' buffers */
  float    *grads;          /* (n_params) */
  size_t    n_params;
  size_t    n_trainable;    /* parameters before the buffers: what an optimiser updates */
  float    *folded;         /* (n_params) inference's parameters with batch norms folded in, or
                             * NULL when no layer folds */
  gboolean  fold;           /* inference folds batch norms into the layers before them */

  size_t    max_stats;      /* every layer's batch_stats_size, doubles per sample */
  size_t    stats_offset[NN_NETWORK_MAX_LAYERS]; /* layer i's first column of batch_stats */
  double   *batch_stats;    /* (capacity · n_threads, max_stats) shared by a batch's workers */
  size_t    n_active;       /* workers with samples in the running training job */
  GMutex    barrier_mutex;
  GCond     barrier_cond;
  size_t    barrier_count;
  gint      barrier_generation; /* atomic; changed under barrier_mutex */

  size_t    max_act;        /* largest per-sample activation, floats */
  size_t    max_col;        /* largest conv im2col buffer for one image, floats */

  size_t    n_threads;
  size_t    n_slices;       /* MIN (n_threads, NN_NETWORK_MAX_SLICES) */
  gboolean  team_mode;      /* n_threads > n_slices: layers share their work out */
  NnNetworkWorker   *workers;        /* (n_threads) */
  size_t    capacity;       /* samples per slice; each worker holds that many, but in team_mode
                             * worker 0 holds every slice's and the others capacity·n_slices /
                             * n_threads each (its share of a batch split by samples) */
  NnTeam    team;
  size_t    team_active;    /* threads that take a team's items in this pass */
  gboolean  spin;           /* threads wait for work spinning a moment before sleeping */

  /* persistent worker threads 1..n_threads-1; the caller's thread is worker 0 */
  GThread **threads;
  GMutex    mutex;
  GCond     start_cond;
  GCond     done_cond;
  guint64   word;           /* atomic: job generation << 8 | threads taking part */
  gint      n_busy;         /* atomic: workers still running the job */
  gint      n_sleeping;     /* atomic: workers waiting on start_cond */
  gint      main_sleeping;  /* atomic: the caller waits on done_cond */
  gint      quit;           /* atomic */
  gint      next_item;      /* atomic: a team job's next item */
  NnNetworkJob       job;
};

/* Samples of team_mode's per-sample workspace (NnLayerTeamWork.batch_col) when worker 0 holds
 * `samples`: the whole batch up to 64 samples, or as many as 16 MiB hold. */
static inline size_t
nn_network_team_col_samples (const NnNetwork *net,
                             size_t           samples)
{
  return MIN (samples, MAX ((size_t) 64, ((size_t) 1 << 22) / MAX (net->max_col, (size_t) 1)));
}

/* Floats of one sample's output of layer l. */
static inline size_t
nn_network_layer_out_size (const NnLayer *l)
{
  return l->out_c * l->out_h * l->out_w;
}

/* nn-network.c: where the workers (or slices) of a training batch meet, NnBatchSync.wait: the
 * last of net->n_active to arrive wakes the others. */
void           nn_network_batch_barrier (NnBatchSync *sync);

/* nn-network-plan.c: the layers' shapes and parameter layout for spec on (C, H, W) inputs, every
 * size bounded by the limits in nn-network.h, allocating nothing but the layers. */
NnLayer       *nn_network_plan_layers (const NnSpec  *spec,
                                       size_t         C,
                                       size_t         H,
                                       size_t         W,
                                       size_t        *n_params_out,
                                       size_t        *max_act_out,
                                       size_t        *max_col_out,
                                       size_t        *n_classes_out,
                                       GError       **error);
/* The floats of worker t's storage for capacity samples, and where each buffer starts (offsets
 * may be NULL): FALSE when the sizes overflow. */
gboolean       nn_network_plan_worker (const NnNetwork *net,
                                       size_t           capacity,
                                       size_t           t,
                                       size_t          *offsets,
                                       size_t          *n_floats);
void           nn_network_worker_clear (NnNetworkWorker *wk);

/* nn-network-pass.c: training's forward from wk->acts[0] to the logits in acts[n_layers]; its
 * backward from the logits' gradient in wk->grad_a into wk->grads (and the input's gradient into
 * dx unless it is NULL); inference from x, returning
 * the logits in the worker's buffers. */
void           nn_network_forward     (NnNetwork       *net,
                                       NnNetworkWorker *wk,
                                       size_t           B,
                                       NnRng           *rng);
void           nn_network_backward    (NnNetwork       *net,
                                       NnNetworkWorker *wk,
                                       size_t           B,
                                       float           *dx);
const float   *nn_network_forward_inference (NnNetwork       *net,
                                             NnNetworkWorker *wk,
                                             const float     *x,
                                             size_t           B);
/* Inference through layers [0, stop) only; returns layer stop − 1's output (B, its size). */
const float   *nn_network_forward_inference_until (NnNetwork       *net,
                                                   NnNetworkWorker *wk,
                                                   const float     *x,
                                                   size_t           B,
                                                   size_t           stop);

/* The same passes for team_mode: the whole batch in worker 0's buffers, slices as slice_start
 * gives them, every layer's work shared out. Training's forward reads acts[0] and uses one rng per
 * slice; with rngs NULL it is inference from x, returning the logits. */
const float   *nn_network_forward_team  (NnNetwork       *net,
                                         const float     *x,
                                         size_t           B,
                                         const size_t    *slice_start,
                                         NnRng           *rngs);
void           nn_network_backward_team (NnNetwork       *net,
                                         size_t           B,
                                         const size_t    *slice_start);

G_END_DECLS
