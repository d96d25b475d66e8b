/* nn-network.h: a feed-forward CNN built from an NnSpec, trained data-parallel over threads */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-optimizer.h"
#include "nn-rng.h"
#include "nn-spec.h"

G_BEGIN_DECLS

#define NN_NETWORK_ERROR (nn_network_error_quark ())
GQuark nn_network_error_quark (void);

typedef enum
{
  NN_NETWORK_ERROR_BAD_SHAPE,
  NN_NETWORK_ERROR_TOO_LARGE,
} NnNetworkError;

typedef struct
{
  NnLayerSpec spec;
  size_t      in_c, in_h, in_w;      /* per-sample input shape (C, H, W) */
  size_t      out_c, out_h, out_w;   /* per-sample output shape */
  size_t      weight_offset;         /* into the parameter block; n_weight == 0: no parameters */
  size_t      n_weight;
  size_t      bias_offset;
  size_t      n_bias;
} NnLayer;

typedef struct _NnNetwork NnNetwork;

NnNetwork     *nn_network_new               (const NnSpec     *spec,
                                             size_t            C,
                                             size_t            H,
                                             size_t            W,
                                             size_t            n_threads,
                                             GError          **error);
void           nn_network_free              (NnNetwork        *net);

const NnSpec  *nn_network_get_spec          (const NnNetwork  *net);
size_t         nn_network_get_n_layers      (const NnNetwork  *net);
const NnLayer *nn_network_get_layer         (const NnNetwork  *net,
                                             size_t            i);
size_t         nn_network_get_n_classes     (const NnNetwork  *net);
size_t         nn_network_get_input_size    (const NnNetwork  *net);
size_t         nn_network_get_n_threads     (const NnNetwork  *net);
/* Forward multiply-adds of one sample, for throughput figures. */
double         nn_network_get_flops_per_sample (const NnNetwork *net);

/* One contiguous block each; layers are views into them. */
size_t         nn_network_get_n_params      (const NnNetwork  *net);
float         *nn_network_get_params        (NnNetwork        *net);
float         *nn_network_get_grads         (NnNetwork        *net);

/* PyTorch's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases. */
void           nn_network_init_params       (NnNetwork        *net,
                                             NnRng            *rng);

/* Sizes the activation buffers once for mini-batches of up to max_batch samples. */
gboolean       nn_network_reserve           (NnNetwork        *net,
                                             size_t            max_batch,
                                             GError          **error);

/* Clears the gradients, runs forward and backward on x (B, C, H, W) and leaves the mean
 * gradient over the B samples in the gradient block. Returns the summed loss; counts correct
 * predictions. Dropout masks come from dropout_seed, so results do not depend on timing. */
double         nn_network_train_step        (NnNetwork        *net,
                                             const float      *x,
                                             const guint8     *labels,
                                             size_t            B,
                                             guint64           dropout_seed,
                                             size_t           *n_correct);

/* Work on items [lo, hi) of some range, as thread `worker` of the network's threads. */
typedef void (*NnParallelFunc) (gpointer user_data,
                                size_t   worker,
                                size_t   lo,
                                size_t   hi);

/* Splits [0, n) into one stripe per thread, each a multiple of align long (but the last), and
 * runs func on them at once on the network's threads; returns when all are done. For
 * independent items, such as the parameters an optimiser updates or the samples of a batch. */
void           nn_network_parallel_for      (NnNetwork        *net,
                                             size_t            n,
                                             size_t            align,
                                             NnParallelFunc    func,
                                             gpointer          user_data);

/* One optimiser step from the gradient block, the threads updating a stripe of the parameters
 * each: bit for bit nn_optimizer_step (). */
void           nn_network_optimizer_step    (NnNetwork        *net,
                                             NnOptimizer      *opt);

/* Inference: class probabilities (B, n_classes) for x (B, C, H, W), any B. */
void           nn_network_predict           (NnNetwork        *net,
                                             const float      *x,
                                             size_t            B,
                                             float            *probs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnNetwork, nn_network_free)

G_END_DECLS
