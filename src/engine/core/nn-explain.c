/* nn-explain.c: every layer's output, saliency by the backward pass, occlusion, filters, embeddings */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-explain.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "nn-file.h"
#include "nn-loss.h"
#include "nn-network-private.h"

G_DEFINE_QUARK (nn-explain-error-quark, nn_explain_error)

/* The nearest-row search's own copy of a set of embeddings (below). */
typedef struct _SearchIndex SearchIndex;
static SearchIndex *search_index_new  (const NnEmbeddings *emb);
static void         search_index_free (SearchIndex        *index);

/* Images each worker runs at a time when embedding a set: at most 4 keeps the dense layers on
 * their dot-product path, the one a single image takes, so a set's rows and an explainer's
 * embedding are the same bits. */
#define EMBED_GROUP 4
/* Images per chunk and worker between progress reports and cancellation checks. */
#define EMBED_CHUNK_PER_WORKER 256
/* Occluded images per batch and the explainer's reserve. */
#define OCCLUSION_BATCH 64

struct _NnExplainer
{
  NnModel        *model;         /* the explainer's own copy */
  NnNetwork      *net;           /* model->net */
  size_t          n_layers;
  size_t          in_size;       /* C × H × W */
  size_t          n_classes;
  NnExplainLayer *layers;        /* (n_layers) */
  char          **labels;        /* (n_layers) spec items */

  float          *input;         /* (C, H, W) normalised */
  float          *acts;          /* every layer's output, one after another */
  float          *col;           /* (max_col) */
  float          *state;         /* (largest state_size): kept by forwards we do not use */
  float          *probs;         /* (n_classes) */
  float          *embedding;     /* (dim) */
  size_t          dim;
  float          *dx;            /* (C, H, W): the input gradient */
  gboolean        has_run;
  size_t          predicted;

  /* occlusion */
  float          *occ_images;    /* (OCCLUSION_BATCH, C, H, W) */
  float          *occ_batch_probs; /* (OCCLUSION_BATCH, n_classes) */
  float          *occ_probs;     /* (1 + occ_ny × occ_nx, n_classes); row 0: the image itself */
  size_t          occ_capacity;  /* rows of occ_probs */
  size_t          occ_patch, occ_stride, occ_ny, occ_nx;
  gboolean        occ_valid;
};

NnExplainer *
nn_explainer_new (const NnModel *model,
                  size_t         n_threads,
                  GError       **error)
{
  g_autoptr(NnExplainer) ex = NULL;
  size_t total = 0, max_state = 0;
  NnLayerPlan plan = { 0 };

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ex = g_new0 (NnExplainer, 1);
  ex->model = nn_model_copy (model, MAX (n_threads, 1), error);
  if (ex->model == NULL)
    return NULL;
  ex->net = ex->model->net;
  if (!nn_network_reserve (ex->net, OCCLUSION_BATCH, error))
    return NULL;
  ex->n_layers = ex->net->n_layers;
  ex->in_size = nn_network_get_input_size (ex->net);
  ex->n_classes = ex->net->n_classes;
  ex->layers = g_new0 (NnExplainLayer, ex->n_layers);
  ex->labels = g_new0 (char *, ex->n_layers + 1);

  for (size_t i = 0; i < ex->n_layers; i++)
    {
      const NnLayer *l = &ex->net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);
      NnExplainLayer *el = &ex->layers[i];
      NnLayer copy = *l;
      GString *label = g_string_new (NULL);
      size_t shape[4];

      /* shape inference again, only to learn whether the output is flat */
      plan.index = i;
      if (klass->infer != NULL)
        klass->infer (&copy, &plan, NULL);
      if (klass->print != NULL)
        klass->print (&l->spec, label);
      else
        g_string_append (label, klass->name);
      ex->labels[i] = g_string_free (label, FALSE);

      el->index = i;
      el->kind = klass->name;
      el->label = ex->labels[i];
      el->c = l->out_c;
      el->h = l->out_h;
      el->w = l->out_w;
      el->is_vector = plan.flat;
      el->is_view = klass->is_view;
      el->inference_identity = klass->train_only;
      el->has_filters = l->n_weight > 0 && klass->weight_shape != NULL &&
                        klass->weight_shape (l, shape) == 4;
      total += nn_network_layer_out_size (l);
      if (klass->state_size != NULL)
        max_state = MAX (max_state, klass->state_size (l));
    }

  ex->input = g_try_new (float, ex->in_size);
  ex->dx = g_try_new (float, ex->in_size);
  ex->acts = g_try_new (float, MAX (total, 1));
  ex->col = g_try_new (float, MAX (ex->net->max_col, 1));
  ex->state = g_try_new (float, MAX (max_state, 1));
  ex->probs = g_new0 (float, ex->n_classes);
  ex->dim = ex->n_layers > 0 ? ex->in_size : 0;
  if (ex->n_layers > 0)
    {
      const NnLayer *last = &ex->net->layers[ex->n_layers - 1];

      ex->dim = last->in_c * last->in_h * last->in_w;
    }
  ex->embedding = g_try_new (float, MAX (ex->dim, 1));
  ex->occ_images = g_try_new (float, OCCLUSION_BATCH * ex->in_size);
  ex->occ_batch_probs = g_new (float, OCCLUSION_BATCH * ex->n_classes);
  if (ex->input == NULL || ex->dx == NULL || ex->acts == NULL || ex->col == NULL ||
      ex->state == NULL || ex->embedding == NULL || ex->occ_images == NULL)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "Not enough memory to look inside this network");
      return NULL;
    }
  total = 0;
  for (size_t i = 0; i < ex->n_layers; i++)
    {
      ex->layers[i].values = ex->acts + total;
      total += nn_network_layer_out_size (&ex->net->layers[i]);
    }
  return g_steal_pointer (&ex);
}

void
nn_explainer_free (NnExplainer *ex)
{
  if (ex == NULL)
    return;
  g_clear_pointer (&ex->model, nn_model_unref);
  g_strfreev (ex->labels);
  g_free (ex->layers);
  g_free (ex->input);
  g_free (ex->dx);
  g_free (ex->acts);
  g_free (ex->col);
  g_free (ex->state);
  g_free (ex->probs);
  g_free (ex->embedding);
  g_free (ex->occ_images);
  g_free (ex->occ_batch_probs);
  g_free (ex->occ_probs);
  g_free (ex);
}

const NnModel *
nn_explainer_get_model (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, NULL);
  return ex->model;
}

gboolean
nn_explainer_set_params (NnExplainer  *ex,
                         const float  *params,
                         size_t        n_params,
                         GError      **error)
{
  g_return_val_if_fail (ex != NULL && params != NULL, FALSE);

  if (n_params != ex->net->n_params)
    {
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_MISMATCH,
                   "The weights have %zu parameters but the model has %zu",
                   n_params, ex->net->n_params);
      return FALSE;
    }
  memcpy (ex->net->params, params, sizeof (float) * n_params);
  ex->has_run = FALSE;
  ex->occ_valid = FALSE;
  return TRUE;
}

static gboolean
check_size (NnExplainer *ex,
            size_t       n_values,
            GError     **error)
{
  if (n_values == ex->in_size)
    return TRUE;
  g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT,
               "The model takes %zu×%zu×%zu images (%zu values) but this one has %zu values",
               ex->model->C, ex->model->H, ex->model->W, ex->in_size, n_values);
  return FALSE;
}

/* Every layer on ex->input, unfused, at inference; then the embedding by the batched path. */
static void
run_layers (NnExplainer *ex)
{
  const float *in = ex->input;
  NnNetworkWorker *wk = &ex->net->workers[0];
  const float *emb;

  for (size_t i = 0; i < ex->n_layers; i++)
    {
      const NnLayer *l = &ex->net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);
      NnExplainLayer *el = &ex->layers[i];
      float *out = (float *) el->values;
      size_t n = nn_network_layer_out_size (l);

      if (klass->is_view || klass->train_only)
        memcpy (out, in, sizeof (float) * n);
      else
        {
          NnLayerWork work = { ex->col, NULL, ex->state, NULL };

          klass->forward (l, out, in, ex->net->params + l->weight_offset,
                          ex->net->params + l->bias_offset, &work, 1);
        }
      el->min = el->max = n > 0 ? out[0] : 0.0f;
      for (size_t k = 1; k < n; k++)
        {
          el->min = MIN (el->min, out[k]);
          el->max = MAX (el->max, out[k]);
        }
      in = out;
    }
  if (ex->n_layers > 0)
    nn_softmax (ex->probs, ex->layers[ex->n_layers - 1].values, 1, ex->n_classes);
  ex->predicted = 0;
  for (size_t k = 1; k < ex->n_classes; k++)
    if (ex->probs[k] > ex->probs[ex->predicted])
      ex->predicted = k;

  emb = nn_network_forward_inference_until (ex->net, wk, ex->input, 1,
                                            ex->n_layers > 0 ? ex->n_layers - 1 : 0);
  memcpy (ex->embedding, emb, sizeof (float) * ex->dim);
  ex->has_run = TRUE;
  ex->occ_valid = FALSE;
}

gboolean
nn_explainer_run (NnExplainer  *ex,
                  const float  *image,
                  size_t        n_values,
                  GError      **error)
{
  g_return_val_if_fail (ex != NULL && image != NULL, FALSE);

  if (!check_size (ex, n_values, error))
    return FALSE;
  memcpy (ex->input, image, sizeof (float) * n_values);
  nn_normalise_floats (ex->input, n_values, &ex->model->norm);
  run_layers (ex);
  return TRUE;
}

gboolean
nn_explainer_run_pixels (NnExplainer   *ex,
                         const guint8  *pixels,
                         size_t         n_values,
                         GError       **error)
{
  g_return_val_if_fail (ex != NULL && pixels != NULL, FALSE);

  if (!check_size (ex, n_values, error))
    return FALSE;
  nn_normalise_pixels (ex->input, pixels, n_values, &ex->model->norm);
  run_layers (ex);
  return TRUE;
}

gboolean
nn_explainer_has_run (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, FALSE);
  return ex->has_run;
}

size_t
nn_explainer_get_n_layers (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, 0);
  return ex->n_layers;
}

const NnExplainLayer *
nn_explainer_get_layer (const NnExplainer *ex,
                        size_t             i)
{
  g_return_val_if_fail (ex != NULL && i < ex->n_layers, NULL);
  return &ex->layers[i];
}

const float *
nn_explainer_get_input (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, NULL);
  return ex->input;
}

const float *
nn_explainer_get_scores (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL && ex->n_layers > 0, NULL);
  return ex->layers[ex->n_layers - 1].values;
}

const float *
nn_explainer_get_probabilities (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, NULL);
  return ex->probs;
}

size_t
nn_explainer_get_n_classes (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, 0);
  return ex->n_classes;
}

size_t
nn_explainer_get_predicted (const NnExplainer *ex)
{
  g_return_val_if_fail (ex != NULL, 0);
  return ex->predicted;
}

const float *
nn_explainer_get_embedding (const NnExplainer *ex,
                            size_t            *dim)
{
  g_return_val_if_fail (ex != NULL, NULL);
  if (dim != NULL)
    *dim = ex->dim;
  return ex->embedding;
}

static gboolean
check_ready (const NnExplainer *ex,
             size_t             class_index,
             GError           **error)
{
  if (!ex->has_run)
    {
      g_set_error_literal (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT,
                           "No image has been run through the model yet");
      return FALSE;
    }
  if (class_index >= ex->n_classes)
    {
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT,
                   "Class %zu does not exist: the model has classes 0 to %zu",
                   class_index, ex->n_classes - 1);
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_explainer_saliency (NnExplainer  *ex,
                       size_t        class_index,
                       float        *saliency,
                       GError      **error)
{
  NnNetworkWorker *wk;
  float inv_std;

  g_return_val_if_fail (ex != NULL && saliency != NULL, FALSE);

  if (!check_ready (ex, class_index, error))
    return FALSE;
  wk = &ex->net->workers[0];
  /* training's forward without randomness keeps what backward needs, every training-only layer
   * acting as at inference */
  memcpy (wk->acts[0], ex->input, sizeof (float) * ex->in_size);
  nn_network_forward (ex->net, wk, 1, NULL);
  /* d score_c / d logits: one-hot, no softmax */
  memset (wk->grad_a, 0, sizeof (float) * ex->n_classes);
  wk->grad_a[class_index] = 1.0f;
  /* the weights' gradients are a by-product here: keep them from growing over many calls */
  memset (wk->grads, 0, sizeof (float) * ex->net->n_params);
  nn_network_backward (ex->net, wk, 1, ex->dx);

  /* x_norm = (x − mean) / std, so d/dx = d/dx_norm / std */
  inv_std = 1.0f / ex->model->norm.std;
  for (size_t k = 0; k < ex->in_size; k++)
    saliency[k] = ex->dx[k] * inv_std;
  return TRUE;
}

/* Where patch k of n along a side of length side starts. */
static size_t
patch_start (size_t k,
             size_t stride,
             size_t patch,
             size_t side)
{
  return MIN (k * stride, side - patch);
}

gboolean
nn_explainer_occlusion (NnExplainer  *ex,
                        size_t        patch,
                        size_t        stride,
                        GError      **error)
{
  size_t C = ex->model->C, H = ex->model->H, W = ex->model->W;
  size_t n_patches, rows;
  float blank;

  g_return_val_if_fail (ex != NULL, FALSE);

  if (!check_ready (ex, 0, error))
    return FALSE;
  if (stride < 1 || patch < stride || patch > MIN (H, W))
    {
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT,
                   "Occlusion needs 1 ≤ stride ≤ patch ≤ %zu, not a patch of %zu at a stride "
                   "of %zu", MIN (H, W), patch, stride);
      return FALSE;
    }
  ex->occ_patch = patch;
  ex->occ_stride = stride;
  ex->occ_ny = (H - patch + stride - 1) / stride + 1;
  ex->occ_nx = (W - patch + stride - 1) / stride + 1;
  n_patches = ex->occ_ny * ex->occ_nx;
  rows = n_patches + 1;
  if (rows > ex->occ_capacity)
    {
      float *p = g_try_realloc (ex->occ_probs, sizeof (float) * rows * ex->n_classes);

      if (p == NULL)
        {
          g_set_error_literal (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                               "Not enough memory for the occlusion map");
          ex->occ_valid = FALSE;
          return FALSE;
        }
      ex->occ_probs = p;
      ex->occ_capacity = rows;
    }
  /* the background, 0 before normalisation */
  blank = -ex->model->norm.mean / ex->model->norm.std;

  /* Row 0 is the image itself, so every difference is between two runs of the same path. A
   * patch that is background already leaves the image as it is: its row is row 0, not run. */
  {
    size_t batch_rows[OCCLUSION_BATCH];
    size_t count = 0, n_same = 0;
    g_autofree size_t *same = g_new (size_t, rows);   /* rows equal to row 0 */

    for (size_t r = 0; r <= rows; r++)
      {
        if (r < rows)
          {
            float *img = ex->occ_images + count * ex->in_size;
            gboolean changed = r == 0;

            memcpy (img, ex->input, sizeof (float) * ex->in_size);
            if (r > 0)
              {
                size_t y0 = patch_start ((r - 1) / ex->occ_nx, stride, patch, H);
                size_t x0 = patch_start ((r - 1) % ex->occ_nx, stride, patch, W);

                for (size_t c = 0; c < C; c++)
                  for (size_t y = y0; y < y0 + patch; y++)
                    for (size_t x = x0; x < x0 + patch; x++)
                      {
                        float *v = &img[(c * H + y) * W + x];

                        changed |= *v != blank;
                        *v = blank;
                      }
              }
            if (!changed)
              {
                same[n_same++] = r;
                continue;
              }
            batch_rows[count++] = r;
          }
        if (count == OCCLUSION_BATCH || (r == rows && count > 0))
          {
            nn_network_predict (ex->net, ex->occ_images, count, ex->occ_batch_probs);
            for (size_t j = 0; j < count; j++)
              memcpy (ex->occ_probs + batch_rows[j] * ex->n_classes,
                      ex->occ_batch_probs + j * ex->n_classes, sizeof (float) * ex->n_classes);
            count = 0;
          }
      }
    for (size_t k = 0; k < n_same; k++)
      memcpy (ex->occ_probs + same[k] * ex->n_classes, ex->occ_probs,
              sizeof (float) * ex->n_classes);
  }
  ex->occ_valid = TRUE;
  return TRUE;
}

gboolean
nn_explainer_get_occlusion (const NnExplainer *ex,
                            size_t             class_index,
                            float             *map)
{
  size_t H, W, patch, stride;
  g_autofree float *sum = NULL;      /* (H, W) */
  g_autofree guint32 *count = NULL;  /* (H, W) */
  float base;

  g_return_val_if_fail (ex != NULL && map != NULL, FALSE);

  if (!ex->occ_valid || class_index >= ex->n_classes)
    return FALSE;
  H = ex->model->H;
  W = ex->model->W;
  patch = ex->occ_patch;
  stride = ex->occ_stride;
  sum = g_new0 (float, H * W);
  count = g_new0 (guint32, H * W);
  base = ex->occ_probs[class_index];
  for (size_t py = 0; py < ex->occ_ny; py++)
    for (size_t px = 0; px < ex->occ_nx; px++)
      {
        size_t p = 1 + py * ex->occ_nx + px;
        float drop = base - ex->occ_probs[p * ex->n_classes + class_index];
        size_t y0 = patch_start (py, stride, patch, H);
        size_t x0 = patch_start (px, stride, patch, W);

        for (size_t y = y0; y < y0 + patch; y++)
          for (size_t x = x0; x < x0 + patch; x++)
            {
              sum[y * W + x] += drop;
              count[y * W + x]++;
            }
      }
  for (size_t k = 0; k < H * W; k++)
    map[k] = count[k] > 0 ? sum[k] / (float) count[k] : 0.0f;
  return TRUE;
}

/* ---- Filters ------------------------------------------------------------------------------ */

gboolean
nn_explain_get_filters (const NnNetwork  *net,
                        const float      *params,
                        size_t            i,
                        NnExplainFilters *filters)
{
  const NnLayer *l;
  const NnLayerClass *klass;
  size_t shape[4];
  float scale = 0.0f;

  g_return_val_if_fail (net != NULL && params != NULL && filters != NULL, FALSE);
  g_return_val_if_fail (i < net->n_layers, FALSE);

  l = &net->layers[i];
  klass = nn_layer_class (l->spec.kind);
  if (l->n_weight == 0 || klass->weight_shape == NULL || klass->weight_shape (l, shape) != 4)
    return FALSE;
  for (size_t k = 0; k < l->n_weight; k++)
    scale = MAX (scale, fabsf (params[l->weight_offset + k]));
  *filters = (NnExplainFilters) {
    .layer = i,
    .n_out = shape[0],
    .n_in = shape[1],
    .kh = shape[2],
    .kw = shape[3],
    .weights = params + l->weight_offset,
    .scale = isfinite (scale) ? scale : 0.0f,
  };
  return TRUE;
}

/* ---- Embeddings --------------------------------------------------------------------------- */

static NnEmbeddings *
embeddings_new (size_t n,
                size_t dim)
{
  NnEmbeddings *emb;
  float *values;

  if (n > G_MAXSIZE / sizeof (float) / MAX (dim, 1))
    return NULL;
  values = g_try_malloc (sizeof (float) * MAX (n * dim, 1));
  if (values == NULL)
    return NULL;
  emb = g_new0 (NnEmbeddings, 1);
  emb->n = n;
  emb->dim = dim;
  emb->values = values;
  g_atomic_ref_count_init (&emb->ref_count);
  return emb;
}

NnEmbeddings *
nn_embeddings_ref (NnEmbeddings *emb)
{
  g_return_val_if_fail (emb != NULL, NULL);
  g_atomic_ref_count_inc (&emb->ref_count);
  return emb;
}

void
nn_embeddings_unref (NnEmbeddings *emb)
{
  if (emb == NULL || !g_atomic_ref_count_dec (&emb->ref_count))
    return;
  search_index_free ((SearchIndex *) emb->search);
  g_free (emb->values);
  g_free (emb);
}

NnEmbeddings *
nn_embeddings_new_take (float  *values,
                        size_t  n,
                        size_t  dim)
{
  NnEmbeddings *emb;

  g_return_val_if_fail (values != NULL || n * dim == 0, NULL);

  emb = g_new0 (NnEmbeddings, 1);
  emb->n = n;
  emb->dim = dim;
  emb->values = values;
  g_atomic_ref_count_init (&emb->ref_count);
  emb->search = search_index_new (emb);
  return emb;
}

typedef struct
{
  NnNetwork   *net;
  const float *x;        /* (count, C, H, W) */
  float       *out;      /* (count, dim) */
  size_t       in_size;
  size_t       dim;
} EmbedJob;

static void
embed_range (gpointer user_data,
             size_t   worker,
             size_t   lo,
             size_t   hi)
{
  EmbedJob *job = user_data;
  NnNetworkWorker *wk = &job->net->workers[worker];
  size_t stop = job->net->n_layers - 1;

  for (size_t b = lo; b < hi; b += EMBED_GROUP)
    {
      size_t count = MIN (EMBED_GROUP, hi - b);
      const float *e = nn_network_forward_inference_until (job->net, wk, job->x + b * job->in_size,
                                                           count, stop);

      memcpy (job->out + b * job->dim, e, sizeof (float) * count * job->dim);
    }
}

static NnEmbeddings *
compute_embeddings (NnModel              *model,
                    const NnImageSet     *set,
                    const NnExplainHooks *hooks,
                    GError              **error)
{
  NnNetwork *net;
  g_autoptr(NnEmbeddings) emb = NULL;
  g_autofree float *x = NULL;   /* (chunk, C, H, W) */
  const NnLayer *last;
  size_t in_size, dim, chunk;

  g_return_val_if_fail (model != NULL && set != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  net = model->net;
  if (net->n_layers == 0 || model->C != 1 || set->rows != model->H || set->cols != model->W)
    {
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_MISMATCH,
                   "The model takes %zu×%zu×%zu images but the set's are 1×%zu×%zu",
                   model->C, model->H, model->W, set->rows, set->cols);
      return NULL;
    }
  in_size = set->rows * set->cols;
  last = &net->layers[net->n_layers - 1];
  dim = last->in_c * last->in_h * last->in_w;
  chunk = EMBED_CHUNK_PER_WORKER * net->n_threads;
  /* each worker runs EMBED_GROUP images at a time */
  if (!nn_network_reserve (net, EMBED_GROUP * net->n_threads, error))
    return NULL;
  emb = embeddings_new (set->n_images, dim);
  x = g_try_new (float, chunk * in_size);
  if (emb == NULL || x == NULL)
    {
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "Not enough memory for %zu embeddings of %zu values", set->n_images, dim);
      return NULL;
    }
  for (size_t start = 0; start < set->n_images; start += chunk)
    {
      size_t count = MIN (chunk, set->n_images - start);
      EmbedJob job = { net, x, emb->values + start * dim, in_size, dim };

      if (hooks != NULL && hooks->should_stop != NULL && hooks->should_stop (hooks->user_data))
        {
          g_set_error_literal (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_CANCELLED,
                               "Computing the embeddings was cancelled");
          return NULL;
        }
      nn_normalise_pixels (x, set->pixels + start * in_size, count * in_size, &model->norm);
      /* stripes of whole groups, so that every group but a set's last has EMBED_GROUP images */
      nn_network_parallel_for (net, count, EMBED_GROUP, embed_range, &job);
      if (hooks != NULL && hooks->progress != NULL)
        hooks->progress (start + count, set->n_images, hooks->user_data);
    }
  emb->search = search_index_new (emb);
  return g_steal_pointer (&emb);
}

NnEmbeddings *
nn_embeddings_compute (NnModel              *model,
                       const NnImageSet     *set,
                       const NnExplainHooks *hooks,
                       GError              **error)
{
  NnEmbeddings *emb;
  g_autofree char *key = NULL;

  g_return_val_if_fail (model != NULL && set != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  emb = compute_embeddings (model, set, hooks, error);
  if (emb == NULL)
    return NULL;
  key = nn_embeddings_key (model, set);
  memcpy (emb->key, key, sizeof emb->key);
  return emb;
}

static void
checksum_u64 (GChecksum *sum,
              guint64    v)
{
  guint64 le = GUINT64_TO_LE (v);

  g_checksum_update (sum, (const guchar *) &le, sizeof le);
}

static void
checksum_floats (GChecksum   *sum,
                 const float *values,
                 size_t       n)
{
  /* little-endian bits, whatever the machine */
  guint32 buf[1024];

  for (size_t k = 0; k < n;)
    {
      size_t m = MIN (G_N_ELEMENTS (buf), n - k);

      for (size_t j = 0; j < m; j++)
        {
          guint32 bits;

          memcpy (&bits, values + k + j, sizeof bits);
          buf[j] = GUINT32_TO_LE (bits);
        }
      g_checksum_update (sum, (const guchar *) buf, sizeof (guint32) * m);
      k += m;
    }
}

char *
nn_embeddings_key (const NnModel    *model,
                   const NnImageSet *set)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *spec = NULL;
  float norm[2];

  g_return_val_if_fail (model != NULL && set != NULL, NULL);

  spec = nn_spec_to_string (nn_network_get_spec (model->net));
  g_checksum_update (sum, (const guchar *) "digit-lab embeddings 1\n", -1);
  g_checksum_update (sum, (const guchar *) spec, -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  checksum_u64 (sum, model->C);
  checksum_u64 (sum, model->H);
  checksum_u64 (sum, model->W);
  norm[0] = model->norm.mean;
  norm[1] = model->norm.std;
  checksum_floats (sum, norm, 2);
  checksum_u64 (sum, nn_network_get_n_params (model->net));
  checksum_floats (sum, nn_network_get_params (model->net), nn_network_get_n_params (model->net));
  checksum_u64 (sum, set->n_images);
  checksum_u64 (sum, set->rows);
  checksum_u64 (sum, set->cols);
  g_checksum_update (sum, set->pixels, set->n_images * set->rows * set->cols);
  g_checksum_update (sum, set->labels, set->n_images);
  return g_strdup (g_checksum_get_string (sum));
}

char *
nn_embeddings_default_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "digit-lab", "embeddings", NULL);
}

char *
nn_embeddings_cache_path (const char *cache_dir,
                          const char *key)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (cache_dir != NULL && key != NULL, NULL);

  name = g_strdup_printf ("embeddings-%s.bin", key);
  return g_build_filename (cache_dir, name, NULL);
}

/* ---- The cache file ----------------------------------------------------------------------- */

#define CACHE_MAGIC "DLEMBED1"
#define CACHE_VERSION 1
#define CACHE_HEADER 56          /* magic 8, version 4, dim 4, n 8, key 32 */
#define CACHE_MAX_N ((guint64) 1 << 24)
#define CACHE_MAX_BYTES ((gsize) 2 << 30)

/* The 32 bytes a 64-hex-digit key stands for; FALSE for anything else. */
static gboolean
key_to_bytes (const char *key,
              guint8      bytes[32])
{
  if (key == NULL || strlen (key) != 64)
    return FALSE;
  for (size_t k = 0; k < 32; k++)
    {
      int hi = g_ascii_xdigit_value (key[2 * k]), lo = g_ascii_xdigit_value (key[2 * k + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      bytes[k] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static gboolean
write_all (int           fd,
           const void   *data,
           size_t        size)
{
  const guint8 *p = data;

  while (size > 0)
    {
      ssize_t n = write (fd, p, MIN (size, (size_t) 1 << 24));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      size -= (size_t) n;
    }
  return TRUE;
}

static gboolean
read_all (int     fd,
          void   *data,
          size_t  size)
{
  guint8 *p = data;

  while (size > 0)
    {
      ssize_t n = read (fd, p, MIN (size, (size_t) 1 << 24));

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      size -= (size_t) n;
    }
  return TRUE;
}

gboolean
nn_embeddings_save (const NnEmbeddings *emb,
                    const char         *path,
                    GError            **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  guint8 header[CACHE_HEADER];
  guint32 u32;
  guint64 u64;
  guint32 crc;
  gboolean ok = TRUE;
  int fd, saved_errno = 0;

  g_return_val_if_fail (emb != NULL && path != NULL, FALSE);

  if (!key_to_bytes (emb->key, header + 24))
    {
      g_set_error_literal (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_CACHE,
                           "The embeddings have no key to be saved under");
      return FALSE;
    }
  if (!nn_file_check_replaceable (path, error))
    return FALSE;
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_IO, "Could not create %s: %s",
                   dir, g_strerror (saved_errno));
      return FALSE;
    }

  memcpy (header, CACHE_MAGIC, 8);
  u32 = GUINT32_TO_LE (CACHE_VERSION);
  memcpy (header + 8, &u32, 4);
  u32 = GUINT32_TO_LE ((guint32) emb->dim);
  memcpy (header + 12, &u32, 4);
  u64 = GUINT64_TO_LE ((guint64) emb->n);
  memcpy (header + 16, &u64, 8);

  tmp = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_IO, "Could not write %s: %s",
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  crc = crc32 (0L, Z_NULL, 0);
  crc = crc32 (crc, header, CACHE_HEADER);
  ok = write_all (fd, header, CACHE_HEADER);
  {
    guint32 buf[4096];
    size_t n = emb->n * emb->dim;

    for (size_t k = 0; ok && k < n;)
      {
        size_t m = MIN (G_N_ELEMENTS (buf), n - k);

        for (size_t j = 0; j < m; j++)
          {
            guint32 bits;

            memcpy (&bits, emb->values + k + j, 4);
            buf[j] = GUINT32_TO_LE (bits);
          }
        crc = crc32 (crc, (const Bytef *) buf, (uInt) (4 * m));
        ok = write_all (fd, buf, 4 * m);
        k += m;
      }
  }
  u32 = GUINT32_TO_LE (crc);
  ok = ok && write_all (fd, &u32, 4) && fsync (fd) == 0;
  if (!ok)
    saved_errno = errno;
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      saved_errno = errno;
    }
  if (ok && g_rename (tmp, path) != 0)
    {
      ok = FALSE;
      saved_errno = errno;
    }
  if (!ok)
    {
      g_unlink (tmp);
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_IO, "Could not write %s: %s",
                   path, g_strerror (saved_errno != 0 ? saved_errno : EIO));
      return FALSE;
    }
  return TRUE;
}

static gboolean
bad_cache (GError    **error,
           const char *path,
           const char *why)
{
  g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_CACHE,
               "%s is not a usable embeddings file: %s", path, why);
  return FALSE;
}

NnEmbeddings *
nn_embeddings_load (const char  *path,
                    const char  *expected_key,
                    size_t       expected_n,
                    size_t       expected_dim,
                    GError     **error)
{
  g_autoptr(NnEmbeddings) emb = NULL;
  guint8 header[CACHE_HEADER];
  guint8 want_key[32];
  guint32 version, dim, crc, file_crc;
  guint64 n, expected_size;
  gsize size;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = nn_file_open_regular (path, CACHE_MAX_BYTES, &size, error);
  if (fd < 0)
    return NULL;
  if (size < CACHE_HEADER + 4 || !read_all (fd, header, CACHE_HEADER))
    {
      close (fd);
      bad_cache (error, path, "it is too short");
      return NULL;
    }
  memcpy (&version, header + 8, 4);
  memcpy (&dim, header + 12, 4);
  memcpy (&n, header + 16, 8);
  version = GUINT32_FROM_LE (version);
  dim = GUINT32_FROM_LE (dim);
  n = GUINT64_FROM_LE (n);
  if (memcmp (header, CACHE_MAGIC, 8) != 0)
    {
      close (fd);
      bad_cache (error, path, "it does not start as one");
      return NULL;
    }
  if (version != CACHE_VERSION)
    {
      close (fd);
      bad_cache (error, path, "its format version is not 1");
      return NULL;
    }
  if (n == 0 || n > CACHE_MAX_N || dim == 0 || dim > NN_NETWORK_MAX_ACTIVATION)
    {
      close (fd);
      bad_cache (error, path, "its sizes are out of range");
      return NULL;
    }
  expected_size = CACHE_HEADER + 4 * n * dim + 4;   /* < 2^24 · 2^26 · 4: no overflow */
  if (expected_size != size)
    {
      close (fd);
      bad_cache (error, path, "its length does not match its header");
      return NULL;
    }
  if ((expected_n != 0 && n != expected_n) || (expected_dim != 0 && dim != expected_dim))
    {
      close (fd);
      bad_cache (error, path, "it is for another set or model");
      return NULL;
    }
  if (expected_key != NULL &&
      (!key_to_bytes (expected_key, want_key) || memcmp (want_key, header + 24, 32) != 0))
    {
      close (fd);
      bad_cache (error, path, "it is for another set or model");
      return NULL;
    }
  emb = embeddings_new ((size_t) n, dim);
  if (emb == NULL)
    {
      close (fd);
      g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE,
                   "Not enough memory to read %s", path);
      return NULL;
    }
  if (!read_all (fd, emb->values, 4 * n * dim) || !read_all (fd, &file_crc, 4))
    {
      int saved_errno = errno;

      close (fd);
      g_set_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_IO, "Could not read %s: %s",
                   path, g_strerror (saved_errno != 0 ? saved_errno : EIO));
      return NULL;
    }
  close (fd);
  crc = crc32 (0L, Z_NULL, 0);
  crc = crc32 (crc, header, CACHE_HEADER);
  for (guint64 k = 0; k < 4 * n * dim;)
    {
      uInt m = (uInt) MIN (4 * n * dim - k, (guint64) 1 << 30);

      crc = crc32 (crc, (const Bytef *) emb->values + k, m);
      k += m;
    }
  if (crc != GUINT32_FROM_LE (file_crc))
    {
      bad_cache (error, path, "its checksum does not match");
      return NULL;
    }
  for (size_t k = 0; k < n * dim; k++)
    {
      guint32 bits;

      memcpy (&bits, emb->values + k, 4);
      bits = GUINT32_FROM_LE (bits);
      memcpy (emb->values + k, &bits, 4);
      if (!isfinite (emb->values[k]))
        {
          bad_cache (error, path, "it holds a value that is not a finite number");
          return NULL;
        }
    }
  for (size_t k = 0; k < 32; k++)
    g_snprintf (emb->key + 2 * k, 3, "%02x", header[24 + k]);
  emb->search = search_index_new (emb);
  return g_steal_pointer (&emb);
}

typedef struct
{
  char   *path;
  gint64  mtime;
} CacheEntry;

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const CacheEntry *x = a, *y = b;

  if (x->mtime != y->mtime)
    return x->mtime > y->mtime ? -1 : 1;
  return g_strcmp0 (x->path, y->path);
}

/* Keeps the NN_EMBEDDINGS_CACHE_KEEP newest embeddings files of cache_dir, and keep_path. */
static void
prune_cache (const char *cache_dir,
             const char *keep_path)
{
  g_autoptr(GDir) dir = g_dir_open (cache_dir, 0, NULL);
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (CacheEntry));
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      GStatBuf st;
      CacheEntry e;

      if (!g_str_has_prefix (name, "embeddings-") || !g_str_has_suffix (name, ".bin") ||
          strlen (name) != strlen ("embeddings-.bin") + 64)
        continue;
      e.path = g_build_filename (cache_dir, name, NULL);
      if (g_lstat (e.path, &st) != 0 || !S_ISREG (st.st_mode))
        {
          g_free (e.path);
          continue;
        }
      e.mtime = st.st_mtime;
      g_array_append_val (entries, e);
    }
  g_array_sort (entries, compare_newest_first);
  for (guint k = 0, kept = 0; k < entries->len; k++)
    {
      CacheEntry *e = &g_array_index (entries, CacheEntry, k);

      if (g_strcmp0 (e->path, keep_path) == 0 || kept < NN_EMBEDDINGS_CACHE_KEEP - 1)
        {
          kept += g_strcmp0 (e->path, keep_path) != 0;
          g_free (e->path);
          continue;
        }
      if (g_unlink (e->path) != 0)
        g_debug ("Could not remove the old embeddings %s: %s", e->path, g_strerror (errno));
      g_free (e->path);
    }
}

NnEmbeddings *
nn_embeddings_load_or_compute (NnModel              *model,
                               const NnImageSet     *set,
                               const char           *cache_dir,
                               const NnExplainHooks *hooks,
                               gboolean             *from_cache,
                               GError              **error)
{
  g_autofree char *default_dir = NULL;
  g_autofree char *key = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  NnEmbeddings *emb;
  const NnLayer *last;

  g_return_val_if_fail (model != NULL && set != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (from_cache != NULL)
    *from_cache = FALSE;
  if (model->net->n_layers == 0)
    return nn_embeddings_compute (model, set, hooks, error);
  if (cache_dir == NULL)
    cache_dir = default_dir = nn_embeddings_default_cache_dir ();
  last = nn_network_get_layer (model->net, model->net->n_layers - 1);
  key = nn_embeddings_key (model, set);
  path = nn_embeddings_cache_path (cache_dir, key);
  emb = nn_embeddings_load (path, key, set->n_images, last->in_c * last->in_h * last->in_w,
                            &local_error);
  if (emb != NULL)
    {
      if (from_cache != NULL)
        *from_cache = TRUE;
      if (hooks != NULL && hooks->progress != NULL)
        hooks->progress (set->n_images, set->n_images, hooks->user_data);
      return emb;
    }
  if (!g_error_matches (local_error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_FOUND))
    g_debug ("Computing the embeddings again: %s", local_error->message);
  g_clear_error (&local_error);

  emb = compute_embeddings (model, set, hooks, error);
  if (emb == NULL)
    return NULL;
  memcpy (emb->key, key, sizeof emb->key);
  if (!nn_embeddings_save (emb, path, &local_error))
    g_debug ("The embeddings were not cached: %s", local_error->message);
  else
    prune_cache (cache_dir, path);
  return emb;
}

/* ---- Nearest rows ------------------------------------------------------------------------- */

/* The search works in the rows' principal axes: rows and query are rotated by the same
 * orthogonal matrix (the covariance's eigenvectors, largest variance first), which keeps every
 * Euclidean distance, and stored in blocks of 16 axes, each block (16, n) so that one pass over
 * the first block gives every row's partial sum of squares over the 16 most varied axes. Those
 * partial sums only grow as axes are added (sums of squares in a fixed order), so a row whose
 * partial sum already exceeds the k-th best full distance cannot be among the k nearest: the
 * search is exact, and for embeddings it computes full distances for a few hundred rows. */
#define SEARCH_BLOCK 16
/* Rows whose covariance is estimated: evenly spaced, enough for the axes' order. */
#define SEARCH_SAMPLE 8192
/* Wider rows are searched by the plain scan: the axes' eigen-decomposition grows as dim³. */
#define SEARCH_MAX_DIM 512
/* Above this k the plain scan is as good. */
#define SEARCH_MAX_K 256

struct _SearchIndex
{
  size_t  dim_pad;      /* dim rounded up to SEARCH_BLOCK; the extra axes are 0 */
  float  *mean;         /* (dim) */
  float  *basis;        /* (dim, dim_pad): column c is axis c */
  float  *first;        /* (SEARCH_BLOCK, n): the first axes, axis by axis, for the first pass */
  float  *rest;         /* (n, dim_pad): every axis again, row by row, to complete rows */
};

static void
search_index_free (SearchIndex *index)
{
  if (index == NULL)
    return;
  g_free (index->mean);
  g_free (index->basis);
  g_free (index->first);
  g_free (index->rest);
  g_free (index);
}

/* out (dim_pad) = basisᵀ (v − mean), accumulated over v's values in order: the same bits for
 * the same v, whether a row or a query. */
static void
search_rotate (const SearchIndex *index,
               size_t             dim,
               const float       *v,
               float             *out)
{
  memset (out, 0, sizeof (float) * index->dim_pad);
  for (size_t j = 0; j < dim; j++)
    {
      const float x = v[j] - index->mean[j];
      const float *b = index->basis + j * index->dim_pad;

      for (size_t c = 0; c < index->dim_pad; c++)
        out[c] += x * b[c];
    }
}

/* The eigenvectors of the symmetric a (n, n), by cyclic Jacobi rotations: columns of v, in the
 * order of their eigenvalues left on a's diagonal. */
static void
jacobi_eigen (double *a,
              double *v,
              size_t  n)
{
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      v[i * n + j] = i == j;
  for (int sweep = 0; sweep < 60; sweep++)
    {
      double off = 0, diag = 0;

      for (size_t p = 0; p < n; p++)
        {
          diag += a[p * n + p] * a[p * n + p];
          for (size_t q = p + 1; q < n; q++)
            off += a[p * n + q] * a[p * n + q];
        }
      if (off <= 1e-24 * diag || off == 0)
        break;
      for (size_t p = 0; p < n; p++)
        for (size_t q = p + 1; q < n; q++)
          {
            double apq = a[p * n + q], theta, t, c, s;

            if (fabs (apq) < 1e-300)
              continue;
            theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
            t = (theta >= 0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1));
            c = 1 / sqrt (t * t + 1);
            s = t * c;
            for (size_t k = 0; k < n; k++)
              {
                double akp = a[k * n + p], akq = a[k * n + q];

                a[k * n + p] = c * akp - s * akq;
                a[k * n + q] = s * akp + c * akq;
              }
            for (size_t k = 0; k < n; k++)
              {
                double apk = a[p * n + k], aqk = a[q * n + k];

                a[p * n + k] = c * apk - s * aqk;
                a[q * n + k] = s * apk + c * aqk;
              }
            for (size_t k = 0; k < n; k++)
              {
                double vkp = v[k * n + p], vkq = v[k * n + q];

                v[k * n + p] = c * vkp - s * vkq;
                v[k * n + q] = s * vkp + c * vkq;
              }
          }
    }
}

static SearchIndex *
search_index_new (const NnEmbeddings *emb)
{
  size_t n = emb->n, dim = emb->dim, step;
  size_t n_sample = MIN (n, SEARCH_SAMPLE);
  g_autofree double *mean = NULL;
  g_autofree double *cov = NULL;
  g_autofree double *vecs = NULL;
  g_autofree size_t *order = NULL;
  g_autofree float *row = NULL;
  SearchIndex *index;

  if (n == 0 || dim == 0 || dim > SEARCH_MAX_DIM)
    return NULL;
  index = g_new0 (SearchIndex, 1);
  index->dim_pad = (dim + SEARCH_BLOCK - 1) / SEARCH_BLOCK * SEARCH_BLOCK;
  if (n > G_MAXSIZE / sizeof (float) / index->dim_pad)
    {
      search_index_free (index);
      return NULL;
    }
  index->first = g_try_new (float, n * SEARCH_BLOCK);
  index->rest = g_try_new (float, n * index->dim_pad);
  mean = g_try_new0 (double, dim);
  cov = g_try_new0 (double, dim * dim);
  vecs = g_try_new (double, dim * dim);
  if (index->first == NULL || index->rest == NULL || mean == NULL || cov == NULL || vecs == NULL)
    {
      search_index_free (index);
      return NULL;
    }

  /* mean and covariance of evenly spaced rows */
  step = n / n_sample;
  for (size_t s = 0; s < n_sample; s++)
    for (size_t j = 0; j < dim; j++)
      mean[j] += emb->values[s * step * dim + j];
  for (size_t j = 0; j < dim; j++)
    mean[j] /= (double) n_sample;
  {
    g_autofree double *centred = g_new (double, dim);

    for (size_t s = 0; s < n_sample; s++)
      {
        const float *r = emb->values + s * step * dim;

        for (size_t j = 0; j < dim; j++)
          centred[j] = r[j] - mean[j];
        for (size_t a = 0; a < dim; a++)
          {
            double ca = centred[a];

            if (ca == 0)
              continue;
            for (size_t b = a; b < dim; b++)
              cov[a * dim + b] += ca * centred[b];
          }
      }
    for (size_t a = 0; a < dim; a++)
      for (size_t b = 0; b < a; b++)
        cov[a * dim + b] = cov[b * dim + a];
  }
  jacobi_eigen (cov, vecs, dim);

  /* axes by decreasing variance */
  order = g_new (size_t, dim);
  for (size_t c = 0; c < dim; c++)
    order[c] = c;
  for (size_t c = 1; c < dim; c++)
    for (size_t d = c; d > 0 && cov[order[d] * dim + order[d]] > cov[order[d - 1] * dim + order[d - 1]]; d--)
      {
        size_t t = order[d];

        order[d] = order[d - 1];
        order[d - 1] = t;
      }
  index->mean = g_new (float, dim);
  index->basis = g_new0 (float, dim * index->dim_pad);
  for (size_t j = 0; j < dim; j++)
    {
      index->mean[j] = (float) mean[j];
      for (size_t c = 0; c < dim; c++)
        index->basis[j * index->dim_pad + c] = (float) vecs[j * dim + order[c]];
    }

  row = g_new (float, index->dim_pad);
  for (size_t i = 0; i < n; i++)
    {
      search_rotate (index, dim, emb->values + i * dim, row);
      for (size_t c = 0; c < SEARCH_BLOCK; c++)
        index->first[c * n + i] = row[c];
      memcpy (index->rest + i * index->dim_pad, row, sizeof (float) * index->dim_pad);
    }
  return index;
}

/* Sums of squares in a fixed order that vectorises: lane j holds d_j² + d_{j+16}² + … and the
 * total is lane 0 + lane 1 + … + lane 15 in that order. After the first 16 values the total is
 * their plain running sum; as values are added each lane, and so the total, can only grow
 * (float addition is monotonic): any prefix's total is a lower bound of the whole. */
static inline float
lanes_total (const float lane[16])
{
  float s = 0.0f;

  for (int j = 0; j < 16; j++)
    s += lane[j];
  return s;
}

/* Row i's sum of squares over the axes after the first block, whose squares lane holds; stops
 * (returning a lower bound) once the total after a multiple of 32 axes exceeds bound. */
static float
search_distance2 (const SearchIndex *index,
                  const float       *q,
                  size_t             i,
                  const float        first[16],
                  float              bound)
{
  size_t m = index->dim_pad;
  const float *r = index->rest + i * m;
  float lane[16];

  memcpy (lane, first, sizeof lane);
  for (size_t c = SEARCH_BLOCK; c < m; c += 16)
    {
      for (int j = 0; j < 16; j++)
        {
          float d = q[c + j] - r[c + j];

          lane[j] += d * d;
        }
      if ((c & 31) == 0 && lanes_total (lane) > bound)
        break;
    }
  return lanes_total (lane);
}

/* Row i's squares over the first block, one per lane. */
static inline void
search_first_lanes (const SearchIndex *index,
                    size_t             n,
                    const float       *q,
                    size_t             i,
                    float              lane[16])
{
  const float *r = index->rest + i * index->dim_pad;

  for (int j = 0; j < 16; j++)
    {
      float d = q[j] - r[j];

      lane[j] = d * d;
    }
}

/* Whether (d2, i) goes before (e2, j): nearer, or as near with a lower index. */
static inline gboolean
nearer (float  d2,
        size_t i,
        float  e2,
        size_t j)
{
  return d2 < e2 || (d2 == e2 && i < j);
}

/* Inserts (i, d2) into the sorted best (n_best of at most k), when it belongs there. */
static void
offer (NnNeighbour *best,
       size_t      *n_best,
       size_t       k,
       size_t       i,
       float        d2)
{
  size_t pos;

  if (*n_best == k && !nearer (d2, i, best[k - 1].distance, best[k - 1].index))
    return;
  pos = *n_best < k ? (*n_best)++ : k - 1;
  while (pos > 0 && nearer (d2, i, best[pos - 1].distance, best[pos - 1].index))
    {
      best[pos] = best[pos - 1];
      pos--;
    }
  best[pos].index = (guint32) i;
  best[pos].distance = d2;
}

static size_t
search_nearest (const NnEmbeddings *emb,
                const SearchIndex  *index,
                const float        *query,
                size_t              k,
                NnNeighbour        *best)
{
  size_t n = emb->n, n_best = 0, n_seed = 0;
  g_autofree float *q = g_new (float, index->dim_pad);
  g_autofree float *partial = g_new0 (float, n);      /* (n) over the first block */
  g_autofree NnNeighbour *seed = g_new (NnNeighbour, k);
  float bound;

  search_rotate (index, emb->dim, query, q);
  for (size_t c = 0; c < SEARCH_BLOCK; c++)
    {
      const float *col = index->first + c * n;
      const float qc = q[c];

      for (size_t i = 0; i < n; i++)
        {
          float d = qc - col[i];

          partial[i] += d * d;
        }
    }
  /* the k smallest partial sums seed the bound with their full distances */
  for (size_t i = 0; i < n; i++)
    offer (seed, &n_seed, k, i, partial[i]);
  for (size_t s = 0; s < n_seed; s++)
    {
      size_t i = seed[s].index;
      float lane[16];

      search_first_lanes (index, n, q, i, lane);
      offer (best, &n_best, k, i, search_distance2 (index, q, i, lane, INFINITY));
    }
  bound = best[n_best - 1].distance;
  for (size_t i = 0; i < n; i++)
    {
      float d2, lane[16];
      gboolean seeded = FALSE;

      if (partial[i] > bound)
        continue;
      for (size_t s = 0; s < n_seed && !seeded; s++)
        seeded = seed[s].index == i;
      if (seeded)
        continue;
      search_first_lanes (index, n, q, i, lane);
      d2 = search_distance2 (index, q, i, lane, bound);
      if (d2 > bound)
        continue;
      offer (best, &n_best, k, i, d2);
      bound = best[n_best - 1].distance;
    }
  return n_best;
}

/* Σ(q − r)² over dim values in the lanes' order, then the tail; abandoned (returning a lower
 * bound) once the total after a multiple of 32 values exceeds bound. */
static float
distance2_bounded (const float *q,
                   const float *r,
                   size_t       dim,
                   float        bound)
{
  float lane[16] = { 0 };
  float s;
  size_t k = 0;

  for (; k + 16 <= dim; k += 16)
    {
      for (int j = 0; j < 16; j++)
        {
          float d = q[k + j] - r[k + j];

          lane[j] += d * d;
        }
      if ((k & 31) == 16 && lanes_total (lane) > bound)
        return lanes_total (lane);
    }
  s = lanes_total (lane);
  for (; k < dim; k++)
    {
      float d = q[k] - r[k];

      s += d * d;
    }
  return s;
}

size_t
nn_embeddings_nearest (const NnEmbeddings *emb,
                       const float        *query,
                       size_t              k,
                       NnNeighbour        *neighbours)
{
  size_t n_best = 0;

  g_return_val_if_fail (emb != NULL && query != NULL && (neighbours != NULL || k == 0), 0);

  k = MIN (k, emb->n);
  if (k == 0)
    return 0;
  if (emb->search != NULL && k <= SEARCH_MAX_K)
    n_best = search_nearest (emb, (const SearchIndex *) emb->search, query, k, neighbours);
  else
    for (size_t i = 0; i < emb->n; i++)
      {
        float worst = n_best == k ? neighbours[k - 1].distance : INFINITY;

        offer (neighbours, &n_best, k, i,
               distance2_bounded (query, emb->values + i * emb->dim, emb->dim, worst));
      }
  for (size_t j = 0; j < n_best; j++)
    neighbours[j].distance = sqrtf (neighbours[j].distance);
  return n_best;
}

/* ---- Colour maps and descriptions --------------------------------------------------------- */

static void
interpolate (const guint8 stops[][3],
             size_t       n_stops,
             float        t,
             guint8       rgb[3])
{
  float x = t * (float) (n_stops - 1);
  size_t i = (size_t) floorf (x);
  float f;

  if (i >= n_stops - 1)
    i = n_stops - 2;
  f = x - (float) i;
  for (int c = 0; c < 3; c++)
    rgb[c] = (guint8) lrintf ((1.0f - f) * stops[i][c] + f * stops[i + 1][c]);
}

void
nn_explain_diverging_rgb (float  t,
                          guint8 rgb[3])
{
  /* ColorBrewer's RdBu, blue for negative */
  static const guint8 stops[][3] = {
    { 5, 48, 97 }, { 33, 102, 172 }, { 67, 147, 195 }, { 146, 197, 222 }, { 209, 229, 240 },
    { 247, 247, 247 },
    { 253, 219, 199 }, { 244, 165, 130 }, { 214, 96, 77 }, { 178, 24, 43 }, { 103, 0, 31 },
  };

  if (isnan (t))
    t = 0.0f;
  t = CLAMP (t, -1.0f, 1.0f);
  interpolate (stops, G_N_ELEMENTS (stops), 0.5f * (t + 1.0f), rgb);
}

void
nn_explain_sequential_rgb (float  t,
                           guint8 rgb[3])
{
  /* magma at nine even steps */
  static const guint8 stops[][3] = {
    { 0, 0, 4 }, { 28, 16, 68 }, { 79, 18, 123 }, { 129, 37, 129 }, { 181, 54, 122 },
    { 229, 80, 100 }, { 251, 135, 97 }, { 254, 194, 135 }, { 252, 253, 191 },
  };

  if (isnan (t))
    t = 0.0f;
  t = CLAMP (t, 0.0f, 1.0f);
  interpolate (stops, G_N_ELEMENTS (stops), t, rgb);
}

float
nn_explain_map_peak (const float *map,
                     size_t       h,
                     size_t       w,
                     size_t      *row,
                     size_t      *col)
{
  size_t best = 0;
  float peak = -1.0f;

  g_return_val_if_fail (map != NULL || h * w == 0, 0.0f);

  for (size_t k = 0; k < h * w; k++)
    if (fabsf (map[k]) > peak)
      {
        peak = fabsf (map[k]);
        best = k;
      }
  if (row != NULL)
    *row = w > 0 ? best / w : 0;
  if (col != NULL)
    *col = w > 0 ? best % w : 0;
  return MAX (peak, 0.0f);
}
