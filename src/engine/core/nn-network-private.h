/* nn-network-private.h: what the network's files share — its struct, workers and passes */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "nn-fusion.h"
#include "nn-network.h"

G_BEGIN_DECLS

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
} NnNetworkJob;

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
  guint64   barrier_generation;

  size_t    max_act;        /* largest per-sample activation, floats */
  size_t    max_col;        /* largest conv im2col buffer for one image, floats */

  size_t    n_threads;
  NnNetworkWorker   *workers;        /* (n_threads) */
  size_t    capacity;       /* samples per worker */

  /* persistent worker threads 1..n_threads-1; the caller's thread is worker 0 */
  GThread **threads;
  GMutex    mutex;
  GCond     start_cond;
  GCond     done_cond;
  guint64   generation;
  size_t    n_pending;
  gboolean  quit;
  NnNetworkJob       job;
};

/* Floats of one sample's output of layer l. */
static inline size_t
nn_network_layer_out_size (const NnLayer *l)
{
  return l->out_c * l->out_h * l->out_w;
}

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

G_END_DECLS
