/* nn-explain.h: looking inside a model — every layer's output, saliency, occlusion, filters, embeddings and nearest images */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-dataset.h"
#include "nn-model.h"

G_BEGIN_DECLS

/* Everything here walks the layer table (nn-layer-table.h): it works for any architecture a
 * spec can describe and never asks which kind a layer is. The words it uses:
 *
 *   image        one input as the model takes it, (C, H, W) floats in [0, 1], ink 1 and
 *                background 0 — what nn_preprocess_digit () gives and nn_model_predict_image ()
 *                takes — or the same as bytes 0…255 of a dataset (nn_explainer_run_pixels).
 *   class score  the logit of a class: the last layer's output, before the softmax.
 *   embedding    the input of the model's last layer (the one that gives the scores): for the
 *                reference network the 128 values after the ReLU that follows dense(128).
 */

#define NN_EXPLAIN_ERROR (nn_explain_error_quark ())
GQuark nn_explain_error_quark (void);

typedef enum
{
  NN_EXPLAIN_ERROR_BAD_INPUT,     /* an image of the wrong size, a class out of range, a patch */
  NN_EXPLAIN_ERROR_MISMATCH,      /* a dataset or weights that do not fit the model */
  NN_EXPLAIN_ERROR_CANCELLED,     /* should_stop answered TRUE */
  NN_EXPLAIN_ERROR_BAD_CACHE,     /* an embeddings file that is not one, or not for this pair */
  NN_EXPLAIN_ERROR_IO,            /* an embeddings file that cannot be read or written */
} NnExplainError;

/* ---- One layer's output for one image ---------------------------------------------------- */

typedef struct
{
  size_t       index;             /* the layer's position in the network, from 0 */
  const char  *kind;              /* the table's name for its kind ("conv", "relu", "maxpool",
                                   * "flatten", "dense", "dropout", "tanh", …): a label, never
                                   * something to switch on */
  const char  *label;             /* its spec item, "conv(32,3,pad=1)": parses back into it */
  size_t       c, h, w;           /* per-image output shape (C, H, W) */
  gboolean     is_vector;         /* shape inference's "flat": the output is c values (h = w = 1)
                                   * to show as bars, not c maps of h × w */
  gboolean     is_view;           /* its output is its input seen another way (flatten) */
  gboolean     inference_identity; /* it only acts while training (dropout): output = input */
  gboolean     has_filters;       /* it has a 4-D weight (out, in, kh, kw): nn_explain_get_filters */
  const float *values;            /* (c, h, w) for the last nn_explainer_run's image; owned by the
                                   * explainer, valid until its next run, set_params or free */
  float        min, max;          /* of values */
} NnExplainLayer;

/* ---- An explainer: one model, one image at a time ---------------------------------------- */

/* An explainer holds its own copy of the model (nn_model_copy: later changes to the model do not
 * reach it; nn_explainer_set_params does) and every buffer its work needs, sized when it is made,
 * so nn_explainer_run and nn_explainer_saliency never allocate. Use one explainer from one thread
 * at a time; different explainers are independent. n_threads: the threads its occlusion batches
 * run on (1 keeps everything on the calling thread). */
typedef struct _NnExplainer NnExplainer;

NnExplainer          *nn_explainer_new            (const NnModel      *model,
                                                   size_t              n_threads,
                                                   GError            **error);
void                  nn_explainer_free           (NnExplainer        *ex);

/* The model's copy inside (for its class names, normalisation and shape). */
const NnModel        *nn_explainer_get_model      (const NnExplainer  *ex);

/* New weights for the same architecture, such as a snapshot taken between training batches:
 * n_params must be nn_network_get_n_params (). The last run's results are dropped (run again). */
gboolean              nn_explainer_set_params     (NnExplainer        *ex,
                                                   const float        *params,
                                                   size_t              n_params,
                                                   GError            **error);

/* Runs the model on one image, keeping every layer's output, the scores, probabilities and the
 * embedding. image: (C, H, W) of the model, values in [0, 1] (normalised here with the model's
 * statistics exactly as nn_model_predict_image () does). n_values must be C × H × W, else a
 * BAD_INPUT error that names both sizes. Each layer's output is that layer's forward applied to
 * the previous layer's output (unfused, at inference), so the probabilities agree with
 * nn_model_predict_image () up to the rounding of the engine's fused kernels. */
gboolean              nn_explainer_run            (NnExplainer        *ex,
                                                   const float        *image,
                                                   size_t              n_values,
                                                   GError            **error);
/* The same for bytes 0…255 as a dataset holds them, normalised as nn_predict_images () and
 * nn_embeddings_compute () do: a dataset image's embedding here is bit for bit its row there. */
gboolean              nn_explainer_run_pixels     (NnExplainer        *ex,
                                                   const guint8       *pixels,
                                                   size_t              n_values,
                                                   GError            **error);
/* Whether a run has results (FALSE after new and set_params). */
gboolean              nn_explainer_has_run        (const NnExplainer  *ex);

/* Layers in network order: nn_network_get_n_layers () of them. */
size_t                nn_explainer_get_n_layers   (const NnExplainer  *ex);
const NnExplainLayer *nn_explainer_get_layer      (const NnExplainer  *ex,
                                                   size_t              i);
/* The model's input after normalisation, (C, H, W): what the first layer saw. */
const float          *nn_explainer_get_input      (const NnExplainer  *ex);
/* (n_classes) each; the predicted class is the first with the highest probability. */
const float          *nn_explainer_get_scores     (const NnExplainer  *ex);
const float          *nn_explainer_get_probabilities (const NnExplainer *ex);
size_t                nn_explainer_get_n_classes  (const NnExplainer  *ex);
size_t                nn_explainer_get_predicted  (const NnExplainer  *ex);
/* The last run's embedding (*dim values), computed by the same batched inference path as
 * nn_embeddings_compute () so that it can be searched in a set's embeddings. */
const float          *nn_explainer_get_embedding  (const NnExplainer  *ex,
                                                   size_t             *dim);

/* Saliency of the last run's image for class_index: the gradient of that class's score (the
 * logit, before the softmax) with respect to the image's values in [0, 1] (the normalisation's
 * 1/std included), through the engine's own backward pass with every layer acting as at
 * inference (dropout the identity, batch norm with its running statistics). saliency: (C, H, W), signed. A class out of range
 * is a BAD_INPUT error. About one forward and one backward pass; no allocation. */
gboolean              nn_explainer_saliency       (NnExplainer        *ex,
                                                   size_t              class_index,
                                                   float              *saliency,
                                                   GError            **error);

/* Occlusion for the last run's image: every patch × patch square at strides of stride pixels
 * (the last row and column of patches moved in to end at the image's edge, so every pixel is
 * covered) is blanked in all channels to the background (value 0 before normalisation) and the
 * occluded images are run in batches on the explainer's threads. Afterwards
 * nn_explainer_get_occlusion gives any class's map without running the model again.
 * 1 ≤ stride ≤ patch ≤ min (H, W), else BAD_INPUT. Cost: ⌈(H − patch) / stride + 1⌉ ×
 * ⌈(W − patch) / stride + 1⌉ forward passes; NN_EXPLAIN_OCCLUSION_PATCH and _STRIDE give 36 for
 * 28 × 28 images. bench/bench-explain times every part: for the reference network run, saliency
 * and the nearest-image search together take a few milliseconds, occlusion several times that,
 * so a live view runs those three on every change and occlusion once drawing pauses. */
#define NN_EXPLAIN_OCCLUSION_PATCH  8
#define NN_EXPLAIN_OCCLUSION_STRIDE 4
gboolean              nn_explainer_occlusion      (NnExplainer        *ex,
                                                   size_t              patch,
                                                   size_t              stride,
                                                   GError            **error);
/* map (H, W): for each pixel, the mean over the patches that cover it of
 * p(class | image) − p(class | image with the patch blanked); positive where hiding the pixel
 * lowers the class's probability. FALSE (map untouched) before nn_explainer_occlusion has run
 * for the current image, or for a class out of range. */
gboolean              nn_explainer_get_occlusion  (const NnExplainer  *ex,
                                                   size_t              class_index,
                                                   float              *map);

/* ---- Filters ------------------------------------------------------------------------------ */

/* A layer's 4-D weight (every convolution's) as images: n_out filters of n_in planes of
 * kh × kw, with the shared symmetric scale a diverging colour map needs. */
typedef struct
{
  size_t       layer;             /* its index in the network */
  size_t       n_out, n_in, kh, kw;
  const float *weights;           /* (n_out, n_in, kh, kw), PyTorch's layout; borrowed from the
                                   * params given */
  float        scale;             /* max |w| over the whole layer (0 when all are zero): show
                                   * [−scale, scale], 0 in the middle */
} NnExplainFilters;

/* Fills filters for layer i of net from params (nn_network_get_params () or a snapshot of the
 * same size, such as the weights a training run last posted); FALSE when the layer's weight is
 * not 4-D (NnExplainLayer.has_filters). Cheap: one pass over the layer's weights. */
gboolean              nn_explain_get_filters      (const NnNetwork    *net,
                                                   const float        *params,
                                                   size_t              i,
                                                   NnExplainFilters   *filters);

/* ---- Embeddings of a whole image set and nearest images ----------------------------------- */

typedef struct
{
  /* Called on the computing thread after each chunk: done of total images. */
  void     (*progress)    (size_t   done,
                           size_t   total,
                           gpointer user_data);
  /* Polled between chunks; TRUE stops with NN_EXPLAIN_ERROR_CANCELLED. The app passes a
   * function that asks its GCancellable (the engine does not link GIO). */
  gboolean (*should_stop) (gpointer user_data);
  gpointer user_data;
} NnExplainHooks;

/* Immutable once made, shared by reference between threads. */
typedef struct
{
  size_t          n;              /* images */
  size_t          dim;            /* floats each: the input size of the model's last layer */
  float          *values;         /* (n, dim) */
  char            key[65];        /* nn_embeddings_key () of the model and set they came from
                                   * ("" when made from values) */
  gatomicrefcount ref_count;
  gpointer        search;         /* private: the nearest-row search's index (NULL: none) */
} NnEmbeddings;

/* Embeddings from values (n, dim) the new object owns (g_free), with the search's index built
 * (a few hundred ms for 60,000 × 128). Compute, load and this are the ways to make one. */
NnEmbeddings         *nn_embeddings_new_take      (float              *values,
                                                   size_t              n,
                                                   size_t              dim);
NnEmbeddings         *nn_embeddings_ref           (NnEmbeddings       *emb);
void                  nn_embeddings_unref         (NnEmbeddings       *emb);

/* Every image of set through model (the set's images must have the model's size: a MISMATCH
 * otherwise), in chunks on the model network's threads as evaluation runs, with hooks (may be
 * NULL). Uses model's network: nothing else may use it meanwhile (give a worker thread its own
 * nn_model_copy ()). Row i is image i's embedding, the same bits nn_explainer_get_embedding ()
 * gives after nn_explainer_run_pixels () on that image. Sets key (nn_embeddings_key ()). */
NnEmbeddings         *nn_embeddings_compute       (NnModel            *model,
                                                   const NnImageSet   *set,
                                                   const NnExplainHooks *hooks,
                                                   GError            **error);

/* The identity of a (model, set) pair as 64 lowercase hex digits: SHA-256 over the architecture,
 * input shape, normalisation and weights of the model and the set's size, pixels and labels.
 * Hashes the whole set (tens of MB for MNIST): call it off the main thread. */
char                 *nn_embeddings_key           (const NnModel      *model,
                                                   const NnImageSet   *set);

/* The folder embeddings are cached in: $XDG_CACHE_HOME/digit-lab/embeddings. */
char                 *nn_embeddings_default_cache_dir (void);
/* cache_dir/embeddings-KEY.bin */
char                 *nn_embeddings_cache_path    (const char         *cache_dir,
                                                   const char         *key);

/* The cache file, little-endian: magic "DLEMBED1", u32 format version (1), u32 dim, u64 n,
 * 32 bytes of the key's SHA-256, n × dim float32, then a CRC-32 of everything before it.
 * Saving writes a temporary file beside path, syncs it and renames it over path (creating the
 * folder). Loading checks the file is regular and of exactly the size its header gives (read
 * before any allocation, with n ≤ 2^24 and dim ≤ NN_NETWORK_MAX_ACTIVATION), the magic, version,
 * key (= expected_key unless NULL), n and dim (= expected_n and expected_dim unless 0), the CRC
 * and that every value is finite; anything else is a BAD_CACHE error. A file that cannot be
 * opened is an NN_FILE_ERROR (NOT_FOUND when it is missing, NOT_REGULAR, TOO_LARGE), one that
 * cannot be read or written an NN_EXPLAIN_ERROR_IO. */
gboolean              nn_embeddings_save          (const NnEmbeddings *emb,
                                                   const char         *path,
                                                   GError            **error);
NnEmbeddings         *nn_embeddings_load          (const char         *path,
                                                   const char         *expected_key,
                                                   size_t              expected_n,
                                                   size_t              expected_dim,
                                                   GError            **error);

/* What the app and the CLI do: the cached file in cache_dir (NULL: the default folder) when it
 * loads, else compute and save it (a failed save is only logged: the embeddings are still
 * returned), keeping the cache folder to its newest NN_EMBEDDINGS_CACHE_KEEP files. *from_cache
 * (may be NULL) says which happened. Same threading rules as nn_embeddings_compute. */
#define NN_EMBEDDINGS_CACHE_KEEP 8
NnEmbeddings         *nn_embeddings_load_or_compute (NnModel          *model,
                                                   const NnImageSet   *set,
                                                   const char         *cache_dir,
                                                   const NnExplainHooks *hooks,
                                                   gboolean           *from_cache,
                                                   GError            **error);

typedef struct
{
  guint32 index;                  /* row of the embeddings: the image's index in its set */
  float   distance;               /* Euclidean, ≥ 0; exactly 0 for the same bits */
} NnNeighbour;

/* The k nearest rows to query (dim values), nearest first (ties: lower index first), exact. The
 * search works in the rows' principal axes (computed when the embeddings are made: a rotation,
 * which keeps distances): one pass over every row's 16 most varied axes gives lower bounds, and
 * only rows whose bound is below the k-th best distance found are completed (embeddings wider
 * than 512 values, and k above 256, are scanned row by row instead, with the same result). distance is the
 * square root of the sum of squared differences in those axes, accumulated in float32 in a fixed
 * order: equal to the Euclidean distance up to float rounding, and exactly 0 for a query with the
 * same bits as a row. Returns min (k, n). Read-only on emb: any number of threads may search the
 * same embeddings at once. */
size_t                nn_embeddings_nearest       (const NnEmbeddings *emb,
                                                   const float        *query,
                                                   size_t              k,
                                                   NnNeighbour        *neighbours);

/* ---- Small helpers shared by the app's and the CLI's figures ------------------------------ */

/* The diverging colour map: t in [−1, 1] (clamped; NaN is 0) → RGB, blue for −1, white for 0,
 * red for +1, perceptually even on each side. */
void                  nn_explain_diverging_rgb    (float               t,
                                                   guint8              rgb[3]);
/* The sequential map for activations and heat: t in [0, 1] → RGB, black through purple and
 * orange to pale yellow (magma-like). */
void                  nn_explain_sequential_rgb   (float               t,
                                                   guint8              rgb[3]);
/* Where |map| is largest (the first such place), for descriptions: row and column of an
 * (h, w) map; returns that |value|. */
float                 nn_explain_map_peak         (const float        *map,
                                                   size_t              h,
                                                   size_t              w,
                                                   size_t             *row,
                                                   size_t             *col);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnExplainer, nn_explainer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnEmbeddings, nn_embeddings_unref)

G_END_DECLS
