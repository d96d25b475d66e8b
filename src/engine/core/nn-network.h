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

/* Limits on what any input (a file, a command line, a setting) can make the engine allocate.
 * They are checked before anything large is allocated, and the large blocks are allocated with
 * g_try_malloc: a network too large for them, or for the machine, is a TOO_LARGE error. */
#define NN_NETWORK_MAX_SIDE         4096          /* input height and width */
#define NN_NETWORK_MAX_CHANNELS     4096          /* input channels */
#define NN_NETWORK_MAX_INPUT        (1 << 24)     /* values in one input image, C × H × W */
#define NN_NETWORK_MAX_LAYERS       64
/* A digit model has well under a million parameters and a few MB of activations per image;
 * these leave room for far larger ones while keeping one image's largest block, and each of the
 * parameter, gradient and moment blocks, at 256 MiB. */
#define NN_NETWORK_MAX_PARAMS       (1 << 26)     /* 256 MiB of float32 per block */
#define NN_NETWORK_MAX_ACTIVATION   (1 << 26)     /* floats in one layer's output or im2col, one image */
/* Activations and workspaces of one nn_network_reserve (), all threads together. The reference
 * network at the largest batch the trainer allows (4096) needs 2.4 GB. */
#define NN_NETWORK_MAX_RESERVE_BYTES (G_GUINT64_CONSTANT (4) << 30)

typedef struct _NnNetwork NnNetwork;

/* n_threads (1 to 64) threads: the caller's and a pool started with the first job. A training
 * batch splits into one gradient slice with one thread, two with more; the weights depend on
 * the slices alone, so every count from two on trains the same weights bit for bit. */
NnNetwork     *nn_network_new               (const NnSpec     *spec,
                                             size_t            C,
                                             size_t            H,
                                             size_t            W,
                                             size_t            n_threads,
                                             GError          **error);
void           nn_network_free              (NnNetwork        *net);

/* The layers that nn_network_new () would build for spec on (C, H, W) inputs, with their shapes
 * and parameter offsets, after the same checks and limits, without allocating parameters or
 * activations: a file's tensors can be checked against them first. Free with g_free (). */
NnLayer       *nn_network_plan              (const NnSpec     *spec,
                                             size_t            C,
                                             size_t            H,
                                             size_t            W,
                                             size_t           *n_params,
                                             GError          **error);

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
/* The parameters an optimiser updates: the block's first ones, before the layers' buffers
 * (batch norm's running statistics), which follow to the end of the block. */
size_t         nn_network_get_n_trainable   (const NnNetwork  *net);
float         *nn_network_get_params        (NnNetwork        *net);
float         *nn_network_get_grads         (NnNetwork        *net);

/* PyTorch's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases. */
void           nn_network_init_params       (NnNetwork        *net,
                                             NnRng            *rng);

/* Sizes the activation buffers once for mini-batches of up to max_batch samples. Beyond
 * NN_NETWORK_MAX_RESERVE_BYTES, or when memory runs out, it is a TOO_LARGE error and the network
 * keeps the buffers it had. */
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

/* The label smoothing of nn_network_train_step's loss, in [0, 1) (nn-loss.h); 0 at first. */
void           nn_network_set_label_smoothing (NnNetwork      *net,
                                             float             epsilon);

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

/* Whether inference folds each batch norm into the convolution or dense layer before it (the
 * default; the same up to rounding), or runs it as a layer of its own. */
void           nn_network_set_fold          (NnNetwork        *net,
                                             gboolean          fold);

/* Inference: class probabilities (B, n_classes) for x (B, C, H, W), any B. Threads join as the
 * work repays them, one per 2²³ FLOPs: a single image runs on the calling thread alone. */
void           nn_network_predict           (NnNetwork        *net,
                                             const float      *x,
                                             size_t            B,
                                             float            *probs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnNetwork, nn_network_free)

G_END_DECLS
