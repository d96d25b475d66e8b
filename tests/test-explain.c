/* test-explain.c: layer outputs, saliency, occlusion, filters, embeddings, their cache and search */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "gradcheck.h"
#include "nn-explain.h"
#include "nn-explain-figure.h"
#include "nn-file.h"
#include "nn-png.h"
#include "nn-model.h"
#include "nn-network-private.h"

static const char *const names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };

static NnModel *
make_model (const char *spec_text,
            size_t      side,
            size_t      n_threads,
            guint64     seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (spec_text, &error);
  NnNormalisation norm = { 0.13f, 0.31f };
  NnModel *model;
  NnRng rng;

  g_assert_no_error (error);
  model = nn_model_new (spec, 1, side, side, NULL, &norm, "mnist", names, n_threads, &error);
  g_assert_no_error (error);
  nn_rng_init (&rng, seed);
  nn_network_init_params (model->net, &rng);
  /* batch norms with statistics and scales of their own, not the identity they start as */
  for (size_t i = 0; i < nn_network_get_n_layers (model->net); i++)
    {
      const NnLayer *l = nn_network_get_layer (model->net, i);
      float *params = nn_network_get_params (model->net);
      size_t C = l->n_buffer / 2;

      if (l->n_buffer == 0)
        continue;
      for (size_t c = 0; c < C; c++)
        {
          params[l->weight_offset + c] = 0.5f + nn_rng_uniform (&rng);
          params[l->bias_offset + c] = 0.2f * nn_rng_normal (&rng);
          params[l->buffer_offset + c] = 0.2f * nn_rng_normal (&rng);
          params[l->buffer_offset + C + c] = 0.5f + nn_rng_uniform (&rng);
        }
    }
  return model;
}

/* A digit-like image: a few bright strokes on a dark background, values in [0, 1]. */
static void
make_image (float  *image,
            size_t  side,
            guint64 seed)
{
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t k = 0; k < side * side; k++)
    image[k] = nn_rng_uniform (&rng) < 0.25f ? 0.3f + 0.7f * nn_rng_uniform (&rng)
                                              : 0.05f * nn_rng_uniform (&rng);
}

static NnImageSet *
make_set (size_t  n,
          size_t  side,
          guint64 seed)
{
  NnImageSet *set = nn_image_set_new (n, side, side);
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t k = 0; k < n * side * side; k++)
    set->pixels[k] = nn_rng_uniform (&rng) < 0.3f ? (guint8) nn_rng_below (&rng, 256) : 0;
  for (size_t i = 0; i < n; i++)
    set->labels[i] = (guint8) (i % 10);
  return set;
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("digit-lab-explain-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        g_rmdir (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

/* ---- Layer outputs ------------------------------------------------------------------------- */

/* batch norm (folded at inference), a strided convolution and global average pooling */
#define BN_SPEC "conv(6,3,pad=1,stride=2) bn relu conv(8,3,pad=1) bn tanh gap flatten dense(12) bn relu dense(10)"

#define WIDE_SPEC \
  "conv(8,3,pad=1) relu maxpool(2) conv(12,3) tanh flatten dense(20) relu dropout(0.5) dense(10)"

/* Each layer's output is its kind's forward on the previous output (exactly), agrees with what
 * the network's own forward pass leaves for that layer, and the probabilities with prediction. */
static void
check_layers (const char *spec,
              size_t      side)
{
  g_autoptr(NnModel) model = make_model (spec, side, 1, 3);
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *image = g_new (float, side * side);
  g_autofree float *x = g_new (float, side * side);
  g_autofree float *probs = g_new (float, 10);
  NnNetwork *net = model->net;
  NnNetworkWorker *wk;
  size_t max_col = MAX (net->max_col, 1), max_out = 1;
  g_autofree float *col = g_new (float, max_col);
  g_autofree float *state = NULL;
  g_autofree float *out = NULL;

  make_image (image, side, 5);
  ex = nn_explainer_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_false (nn_explainer_has_run (ex));
  g_assert_true (nn_explainer_run (ex, image, side * side, &error));
  g_assert_no_error (error);
  g_assert_true (nn_explainer_has_run (ex));
  g_assert_cmpuint (nn_explainer_get_n_layers (ex), ==, net->n_layers);

  /* the network's training forward without randomness writes each unfused layer's output */
  g_assert_true (nn_network_reserve (net, 1, &error));
  g_assert_no_error (error);
  wk = &net->workers[0];
  memcpy (x, image, sizeof (float) * side * side);
  nn_normalise_floats (x, side * side, &model->norm);
  g_assert_cmpmem (nn_explainer_get_input (ex), sizeof (float) * side * side,
                   x, sizeof (float) * side * side);
  memcpy (wk->acts[0], x, sizeof (float) * side * side);
  nn_network_forward (net, wk, 1, NULL);

  for (size_t i = 0; i < net->n_layers; i++)
    max_out = MAX (max_out, nn_network_layer_out_size (&net->layers[i]));
  state = g_new (float, 4 * max_out + 16);
  out = g_new (float, max_out);
  for (size_t i = 0; i < net->n_layers; i++)
    {
      const NnLayer *l = &net->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);
      const NnExplainLayer *el = nn_explainer_get_layer (ex, i);
      const float *prev = i == 0 ? x : nn_explainer_get_layer (ex, i - 1)->values;
      size_t n = nn_network_layer_out_size (l);
      NnLayerWork work = { col, NULL, state, NULL };
      float lo = INFINITY, hi = -INFINITY;
      gboolean written;

      g_assert_cmpuint (el->index, ==, i);
      g_assert_cmpstr (el->kind, ==, klass->name);
      g_assert_cmpuint (el->c * el->h * el->w, ==, n);
      if (klass->is_view || klass->train_only)
        memcpy (out, prev, sizeof (float) * n);
      else
        klass->forward (l, out, prev, net->params + l->weight_offset,
                        net->params + l->bias_offset, &work, 1);
      g_assert_cmpmem (el->values, sizeof (float) * n, out, sizeof (float) * n);
      for (size_t k = 0; k < n; k++)
        {
          lo = MIN (lo, el->values[k]);
          hi = MAX (hi, el->values[k]);
        }
      g_assert_cmpfloat (el->min, ==, lo);
      g_assert_cmpfloat (el->max, ==, hi);

      /* the layers the network's forward wrote: those ending a fused step or standing alone
       * (views and training-only layers share their input's buffer there) */
      written = !klass->is_view && !klass->train_only &&
                (net->fused[net->step_start[i]] == 0 ||
                 net->step_start[i] + net->fused[net->step_start[i]] == i + 1);
      if (written)
        for (size_t k = 0; k < n; k++)
          g_assert_cmpfloat_with_epsilon (el->values[k], wk->acts[i + 1][k],
                                          1e-4 * (1 + fabsf (wk->acts[i + 1][k])));
    }

  nn_model_predict_image (model, image, probs);
  for (size_t k = 0; k < 10; k++)
    g_assert_cmpfloat_with_epsilon (nn_explainer_get_probabilities (ex)[k], probs[k], 1e-5);
  {
    const float *p = nn_explainer_get_probabilities (ex);
    size_t best = 0;
    double total = 0;

    for (size_t k = 0; k < 10; k++)
      {
        total += p[k];
        if (p[k] > p[best])
          best = k;
      }
    g_assert_cmpfloat_with_epsilon (total, 1.0, 1e-5);
    g_assert_cmpuint (nn_explainer_get_predicted (ex), ==, best);
  }
  g_assert_true (nn_explainer_get_scores (ex) ==
                 nn_explainer_get_layer (ex, net->n_layers - 1)->values);
}

static void
test_explain_activations (void)
{
  check_layers (NN_SPEC_REFERENCE, 28);
  check_layers (WIDE_SPEC, 12);
  check_layers ("flatten dense(10)", 6);
  check_layers (BN_SPEC, 12);
}

static void
test_explain_layer_info (void)
{
  g_autoptr(NnModel) model = make_model (WIDE_SPEC, 12, 1, 3);
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(GError) error = NULL;
  static const struct
  {
    const char *kind;
    const char *label;
    size_t      c, h, w;
    gboolean    is_vector, is_view, identity, filters;
  } expected[] = {
    { "conv", "conv(8,3,pad=1)", 8, 12, 12, FALSE, FALSE, FALSE, TRUE },
    { "relu", "relu", 8, 12, 12, FALSE, FALSE, FALSE, FALSE },
    { "maxpool", "maxpool(2)", 8, 6, 6, FALSE, FALSE, FALSE, FALSE },
    { "conv", "conv(12,3)", 12, 4, 4, FALSE, FALSE, FALSE, TRUE },
    { "tanh", "tanh", 12, 4, 4, FALSE, FALSE, FALSE, FALSE },
    { "flatten", "flatten", 192, 1, 1, TRUE, TRUE, FALSE, FALSE },
    { "dense", "dense(20)", 20, 1, 1, TRUE, FALSE, FALSE, FALSE },
    { "relu", "relu", 20, 1, 1, TRUE, FALSE, FALSE, FALSE },
    { "dropout", "dropout(0.5)", 20, 1, 1, TRUE, FALSE, TRUE, FALSE },
    { "dense", "dense(10)", 10, 1, 1, TRUE, FALSE, FALSE, FALSE },
  };
  size_t dim;

  ex = nn_explainer_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_explainer_get_n_layers (ex), ==, G_N_ELEMENTS (expected));
  for (size_t i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const NnExplainLayer *el = nn_explainer_get_layer (ex, i);

      g_assert_cmpstr (el->kind, ==, expected[i].kind);
      g_assert_cmpstr (el->label, ==, expected[i].label);
      g_assert_cmpuint (el->c, ==, expected[i].c);
      g_assert_cmpuint (el->h, ==, expected[i].h);
      g_assert_cmpuint (el->w, ==, expected[i].w);
      g_assert_cmpint (el->is_vector, ==, expected[i].is_vector);
      g_assert_cmpint (el->is_view, ==, expected[i].is_view);
      g_assert_cmpint (el->inference_identity, ==, expected[i].identity);
      g_assert_cmpint (el->has_filters, ==, expected[i].filters);
    }
  nn_explainer_get_embedding (ex, &dim);
  g_assert_cmpuint (dim, ==, 20);
  g_assert_cmpuint (nn_explainer_get_n_classes (ex), ==, 10);
  g_assert_true (nn_explainer_get_model (ex) != model);
}

/* ---- Saliency ------------------------------------------------------------------------------ */

typedef struct
{
  NnExplainer *ex;
  float       *image;
  size_t       n;
  size_t       klass;
} ScoreCheck;

static double
class_score (gpointer user_data)
{
  ScoreCheck *c = user_data;

  g_assert_true (nn_explainer_run (c->ex, c->image, c->n, NULL));
  return nn_explainer_get_scores (c->ex)[c->klass];
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The saliency of every class against central differences of the class score (the logit).
 * smooth: only tanh and dense layers, so every pixel must agree within the layer tests'
 * tolerance; otherwise ReLU and max-pooling kinks may spoil a few pixels' numeric estimates (a
 * perturbation that switches a unit or a window's winner), so the median must agree closely and
 * almost every pixel within 5 %. */
static void
check_saliency (const char *spec,
                size_t      side,
                gboolean    smooth,
                size_t      n_classes_checked)
{
  g_autoptr(NnModel) model = make_model (spec, side, 2, 17);
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(GError) error = NULL;
  size_t n = side * side;
  g_autofree float *image = g_new (float, n);
  g_autofree float *saliency = g_new (float, n);
  g_autofree double *errors = g_new (double, n);

  make_image (image, side, 23);
  ex = nn_explainer_new (model, 2, &error);
  g_assert_no_error (error);
  for (size_t c = 0; c < n_classes_checked; c++)
    {
      ScoreCheck check = { ex, image, n, c };
      size_t n_bad = 0;
      double norm = 0;

      g_assert_true (nn_explainer_run (ex, image, n, &error));
      g_assert_true (nn_explainer_saliency (ex, c, saliency, &error));
      g_assert_no_error (error);
      for (size_t k = 0; k < n; k++)
        norm += fabs (saliency[k]);
      g_assert_cmpfloat (norm, >, 0);
      if (smooth)
        {
          g_assert_cmpfloat (gradcheck_max_error (image, saliency, n, 1e-2f, class_score, &check),
                             <, 1e-2);
          continue;
        }
      for (size_t k = 0; k < n; k++)
        {
          const float eps = 1e-3f;
          float saved = image[k];
          double lp, lm, numeric;

          image[k] = saved + eps;
          lp = class_score (&check);
          image[k] = saved - eps;
          lm = class_score (&check);
          image[k] = saved;
          numeric = (lp - lm) / (2 * eps);
          errors[k] = fabs (numeric - saliency[k]) / MAX (1e-2, fabs (numeric) + fabs (saliency[k]));
          n_bad += errors[k] > 5e-2;
        }
      qsort (errors, n, sizeof (double), compare_doubles);
      g_assert_cmpfloat (errors[n / 2], <, 2e-3);
      g_assert_cmpuint (n_bad, <=, n / 20);
    }
}

static void
test_explain_saliency_smooth (void)
{
  check_saliency ("conv(4,3,pad=1) tanh conv(5,3) tanh flatten dense(12) tanh dense(10)", 8,
                  TRUE, 10);
  /* a first layer that is elementwise (in place) and a view before the first weights */
  check_saliency ("tanh flatten dense(10)", 6, TRUE, 10);
}

static void
test_explain_saliency_kinks (void)
{
  /* a fused conv → ReLU → pool step first: its backward gives the input gradient */
  check_saliency ("conv(6,3,pad=1) relu maxpool(2) flatten dense(16) relu dropout(0.3) dense(10)",
                  10, FALSE, 10);
  check_saliency (NN_SPEC_REFERENCE, 28, FALSE, 2);
  check_saliency (BN_SPEC, 12, FALSE, 10);
}

/* ---- Occlusion ----------------------------------------------------------------------------- */

static double
sigmoid (double s)
{
  return 1.0 / (1.0 + exp (-s));
}

/* "flatten dense(2)" with class 0's score Σ a_k x_k and class 1's 0, no normalisation: blanking
 * a patch removes its pixels' terms, so p₀ drops from σ(s) to σ(s − Σ_patch a_k x_k). */
static void
test_explain_occlusion_known (void)
{
  const size_t side = 6;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("flatten dense(2)", &error);
  NnNormalisation norm = { 0.0f, 1.0f };
  static const char *const two[] = { "a", "b", NULL };
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnExplainer) ex = NULL;
  float params[2 * 36 + 2] = { 0 };
  float image[36], map[36], map1[36];
  double a[36], s = 0;
  static const size_t cases[][2] = { { 2, 2 }, { 3, 1 }, { 4, 3 }, { 6, 6 }, { 1, 1 } };

  g_assert_no_error (error);
  for (size_t k = 0; k < 36; k++)
    {
      image[k] = (float) ((k * 7) % 11) / 10.0f;
      a[k] = (k / side < 3 && k % side < 3) ? 0.5 + 0.1 * (double) (k % 5) : 0.0;
      params[k] = (float) a[k];        /* row 0 of the (2, 36) weight */
      s += a[k] * image[k];
    }
  model = nn_model_new (spec, 1, side, side, params, &norm, "test", two, 1, &error);
  g_assert_no_error (error);
  ex = nn_explainer_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_false (nn_explainer_get_occlusion (ex, 0, map));
  g_assert_true (nn_explainer_run (ex, image, 36, &error));
  g_assert_cmpfloat_with_epsilon (nn_explainer_get_probabilities (ex)[0], sigmoid (s), 1e-6);

  for (size_t t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      size_t patch = cases[t][0], stride = cases[t][1];
      double sum[36] = { 0 };
      int count[36] = { 0 };

      g_assert_true (nn_explainer_occlusion (ex, patch, stride, &error));
      g_assert_no_error (error);
      g_assert_true (nn_explainer_get_occlusion (ex, 0, map));
      g_assert_true (nn_explainer_get_occlusion (ex, 1, map1));
      g_assert_false (nn_explainer_get_occlusion (ex, 2, map1));

      /* the patches by hand: starts 0, stride, … and one flush with the far edge */
      for (size_t y0 = 0;; y0 += stride)
        {
          size_t ys = MIN (y0, side - patch);

          for (size_t x0 = 0;; x0 += stride)
            {
              size_t xs = MIN (x0, side - patch);
              double removed = 0, drop;

              for (size_t y = ys; y < ys + patch; y++)
                for (size_t x = xs; x < xs + patch; x++)
                  removed += a[y * side + x] * image[y * side + x];
              drop = sigmoid (s) - sigmoid (s - removed);
              for (size_t y = ys; y < ys + patch; y++)
                for (size_t x = xs; x < xs + patch; x++)
                  {
                    sum[y * side + x] += drop;
                    count[y * side + x]++;
                  }
              if (xs == side - patch)
                break;
            }
          if (ys == side - patch)
            break;
        }
      for (size_t k = 0; k < 36; k++)
        {
          g_assert_cmpint (count[k], >, 0);
          g_assert_cmpfloat_with_epsilon (map[k], sum[k] / count[k], 2e-6);
          /* two classes: what class 0 loses class 1 gains */
          g_assert_cmpfloat_with_epsilon (map1[k], -map[k], 2e-6);
          /* pixels with no weight matter only through the patches they share */
          if (patch == 1)
            g_assert_cmpfloat (fabsf (map[k]), <=, a[k] > 0 ? 1.0f : 1e-7f);
        }
    }
}

static void
test_explain_occlusion_blank (void)
{
  /* with a mean, the blank is the background's normalised value: an all-background image loses
   * nothing anywhere */
  g_autoptr(NnModel) model = make_model (WIDE_SPEC, 12, 2, 5);
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(GError) error = NULL;
  float image[144] = { 0 }, map[144];

  ex = nn_explainer_new (model, 2, &error);
  g_assert_no_error (error);
  g_assert_true (nn_explainer_run (ex, image, 144, &error));
  g_assert_true (nn_explainer_occlusion (ex, 4, 2, &error));
  g_assert_no_error (error);
  for (size_t c = 0; c < 10; c++)
    {
      g_assert_true (nn_explainer_get_occlusion (ex, c, map));
      for (size_t k = 0; k < 144; k++)
        g_assert_cmpfloat (map[k], ==, 0.0f);
    }
  /* a new image invalidates the maps */
  g_assert_true (nn_explainer_run (ex, image, 144, &error));
  g_assert_false (nn_explainer_get_occlusion (ex, 0, map));
}

static void
test_explain_bad_input (void)
{
  g_autoptr(NnModel) model = make_model (WIDE_SPEC, 12, 1, 5);
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(GError) error = NULL;
  float image[144] = { 0 }, out[144];
  guint8 pixels[144] = { 0 };
  g_autofree float *params = NULL;

  ex = nn_explainer_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_false (nn_explainer_saliency (ex, 0, out, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT);
  g_clear_error (&error);
  g_assert_false (nn_explainer_run (ex, image, 143, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT);
  g_assert_nonnull (strstr (error->message, "1×12×12"));
  g_clear_error (&error);
  g_assert_false (nn_explainer_run_pixels (ex, pixels, 784, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT);
  g_clear_error (&error);
  g_assert_true (nn_explainer_run_pixels (ex, pixels, 144, &error));
  g_assert_false (nn_explainer_saliency (ex, 10, out, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT);
  g_clear_error (&error);
  g_assert_false (nn_explainer_occlusion (ex, 13, 1, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT);
  g_clear_error (&error);
  g_assert_false (nn_explainer_occlusion (ex, 3, 4, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT);
  g_clear_error (&error);
  g_assert_false (nn_explainer_occlusion (ex, 3, 0, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_INPUT);
  g_clear_error (&error);

  params = g_new0 (float, nn_network_get_n_params (model->net));
  g_assert_false (nn_explainer_set_params (ex, params, 3, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_true (nn_explainer_set_params (ex, params, nn_network_get_n_params (model->net),
                                          &error));
  g_assert_no_error (error);
  g_assert_false (nn_explainer_has_run (ex));
  /* zero weights: every class equally likely */
  g_assert_true (nn_explainer_run (ex, image, 144, &error));
  for (size_t k = 0; k < 10; k++)
    g_assert_cmpfloat_with_epsilon (nn_explainer_get_probabilities (ex)[k], 0.1, 1e-6);
}

/* ---- Filters ------------------------------------------------------------------------------- */

static void
test_explain_filters (void)
{
  g_autoptr(NnModel) model = make_model (NN_SPEC_REFERENCE, 28, 1, 8);
  const float *params = nn_network_get_params (model->net);
  NnExplainFilters f;
  float scale = 0;

  g_assert_true (nn_explain_get_filters (model->net, params, 0, &f));
  g_assert_cmpuint (f.layer, ==, 0);
  g_assert_cmpuint (f.n_out, ==, 32);
  g_assert_cmpuint (f.n_in, ==, 1);
  g_assert_cmpuint (f.kh, ==, 3);
  g_assert_cmpuint (f.kw, ==, 3);
  g_assert_true (f.weights == params + nn_network_get_layer (model->net, 0)->weight_offset);
  for (size_t k = 0; k < 32 * 9; k++)
    scale = MAX (scale, fabsf (f.weights[k]));
  g_assert_cmpfloat (f.scale, ==, scale);
  g_assert_cmpfloat (f.scale, >, 0);

  g_assert_true (nn_explain_get_filters (model->net, params, 3, &f));
  g_assert_cmpuint (f.n_out, ==, 64);
  g_assert_cmpuint (f.n_in, ==, 32);
  /* ReLU (no weights), pooling, flatten, dense (2-D weights) */
  for (size_t i = 0; i < 10; i++)
    if (i != 0 && i != 3)
      g_assert_false (nn_explain_get_filters (model->net, params, i, &f));

  /* a snapshot of the same size is read instead of the network's own weights */
  {
    size_t n = nn_network_get_n_params (model->net);
    g_autofree float *snapshot = g_new0 (float, n);

    snapshot[nn_network_get_layer (model->net, 0)->weight_offset + 4] = -2.5f;
    g_assert_true (nn_explain_get_filters (model->net, snapshot, 0, &f));
    g_assert_cmpfloat (f.scale, ==, 2.5f);
    g_assert_cmpfloat (f.weights[4], ==, -2.5f);
  }
}

/* ---- Embeddings and nearest images --------------------------------------------------------- */

static void
check_nearest_self (const char *spec,
                    size_t      side,
                    size_t      n_images,
                    size_t      n_threads)
{
  g_autoptr(NnModel) model = make_model (spec, side, n_threads, 31);
  g_autoptr(NnImageSet) set = make_set (n_images, side, 37);
  g_autoptr(NnEmbeddings) emb = NULL;
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(GError) error = NULL;
  NnNeighbour nb[5];
  size_t dim;

  emb = nn_embeddings_compute (model, set, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (emb);
  g_assert_cmpuint (emb->n, ==, n_images);
  g_assert_cmpuint (strlen (emb->key), ==, 64);
  ex = nn_explainer_new (model, 1, &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < n_images; i += 7)
    {
      const float *e;

      g_assert_true (nn_explainer_run_pixels (ex, set->pixels + i * side * side, side * side,
                                              &error));
      e = nn_explainer_get_embedding (ex, &dim);
      g_assert_cmpuint (dim, ==, emb->dim);
      g_assert_cmpmem (e, sizeof (float) * dim, emb->values + i * dim, sizeof (float) * dim);
      /* the set's images are all different, and so, almost surely, their embeddings */
      g_assert_cmpuint (nn_embeddings_nearest (emb, e, 5, nb), ==, 5);
      g_assert_cmpuint (nb[0].index, ==, i);
      g_assert_cmpfloat (nb[0].distance, ==, 0.0f);
      for (size_t j = 1; j < 5; j++)
        g_assert_cmpfloat (nb[j].distance, >=, nb[j - 1].distance);
    }
}

static void
test_explain_nearest_self (void)
{
  check_nearest_self (WIDE_SPEC, 12, 150, 2);
  check_nearest_self (NN_SPEC_REFERENCE, 28, 40, 2);
  /* more threads than gradient slices: the layers share their work out, and embeddings split
   * by samples still find a share of the batch in every worker */
  check_nearest_self (NN_SPEC_REFERENCE, 28, 40, 5);
  check_nearest_self (NN_SPEC_REFERENCE, 28, 13, 1);
  check_nearest_self (BN_SPEC, 12, 60, 2);
}

/* Against a brute-force search in double precision, with the principal-axes index (as every
 * made set has) and without it (the plain scan). */
static void
check_nearest_exact (NnEmbeddings *emb,
                     guint64       seed)
{
  const size_t n = emb->n, dim = emb->dim;
  g_autofree float *query = g_new (float, dim);
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (int trial = 0; trial < 20; trial++)
    {
      g_autofree double *d = g_new (double, n);
      g_autofree guint32 *order = g_new (guint32, n);
      NnNeighbour nb[12];
      size_t k = trial == 0 ? 12 : 1 + (size_t) trial % 12;

      if (trial == 0)
        memcpy (query, emb->values + 10 * dim, sizeof (float) * dim);
      else if (trial % 2 == 0)
        /* near a row, as a drawn digit is near its training images */
        for (size_t j = 0; j < dim; j++)
          query[j] = emb->values[(size_t) trial * 97 * dim + j] + 0.05f * nn_rng_normal (&rng);
      else
        for (size_t j = 0; j < dim; j++)
          query[j] = 4.0f * nn_rng_uniform (&rng) - 1.0f;
      for (size_t i = 0; i < n; i++)
        {
          double s = 0;

          for (size_t j = 0; j < dim; j++)
            {
              double t = (double) query[j] - emb->values[i * dim + j];

              s += t * t;
            }
          d[i] = sqrt (s);
          order[i] = (guint32) i;
        }
      /* a selection sort of the first k is plenty here */
      for (size_t a = 0; a < k; a++)
        for (size_t b = a + 1; b < n; b++)
          if (d[order[b]] < d[order[a]] || (d[order[b]] == d[order[a]] && order[b] < order[a]))
            {
              guint32 t = order[a];

              order[a] = order[b];
              order[b] = t;
            }
      g_assert_cmpuint (nn_embeddings_nearest (emb, query, k, nb), ==, k);
      for (size_t a = 0; a < k; a++)
        {
          g_assert_cmpfloat_with_epsilon (nb[a].distance, d[order[a]], 1e-4 * (1 + d[order[a]]));
          if ((a == 0 || d[order[a]] - d[order[a - 1]] > 1e-3) &&
              (a + 1 == k || d[order[a + 1]] - d[order[a]] > 1e-3))
            g_assert_cmpuint (nb[a].index, ==, order[a]);
        }
      if (trial == 0)
        {
          g_assert_cmpuint (nb[0].index, ==, 10);
          g_assert_cmpuint (nb[1].index, ==, 2000);
          g_assert_cmpfloat (nb[0].distance, ==, 0.0f);
          g_assert_cmpfloat (nb[1].distance, ==, 0.0f);
        }
    }
  g_assert_cmpuint (nn_embeddings_nearest (emb, query, 0, NULL), ==, 0);
  {
    g_autofree NnNeighbour *all = g_new (NnNeighbour, n);

    g_assert_cmpuint (nn_embeddings_nearest (emb, query, n + 5, all), ==, n);
    for (size_t a = 1; a < n; a++)
      g_assert_cmpfloat (all[a].distance, >=, all[a - 1].distance);
  }
}

static void
test_explain_nearest_exact (void)
{
  const size_t n = 3000;
  static const size_t dims[] = { 37, 128 };

  for (size_t t = 0; t < G_N_ELEMENTS (dims); t++)
    {
      size_t dim = dims[t];
      float *values = g_new (float, n * dim);
      g_autoptr(NnEmbeddings) indexed = NULL;
      g_autoptr(NnEmbeddings) plain = g_new0 (NnEmbeddings, 1);
      NnRng rng;

      nn_rng_init (&rng, 41 + t);
      /* ReLU-like rows with correlated values, as embeddings are */
      for (size_t i = 0; i < n; i++)
        {
          float a = nn_rng_uniform (&rng), b = nn_rng_uniform (&rng);

          for (size_t j = 0; j < dim; j++)
            {
              float v = (j % 3 == 0 ? a : b) * (float) (j % 7) + 0.3f * nn_rng_normal (&rng);

              values[i * dim + j] = MAX (v, 0.0f);
            }
        }
      /* a duplicate of row 10 at row 2000: the tie goes to the lower index */
      memcpy (values + 2000 * dim, values + 10 * dim, sizeof (float) * dim);

      g_atomic_ref_count_init (&plain->ref_count);
      plain->n = n;
      plain->dim = dim;
      plain->values = g_memdup2 (values, sizeof (float) * n * dim);
      indexed = nn_embeddings_new_take (values, n, dim);
      g_assert_nonnull (indexed->search);
      g_assert_cmpstr (indexed->key, ==, "");
      check_nearest_exact (indexed, 5);
      check_nearest_exact (plain, 5);
    }
}

typedef struct
{
  size_t last_done;
  size_t n_calls;
  size_t stop_after;
} Progress;

static void
on_progress (size_t   done,
             size_t   total,
             gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (done, >, p->last_done);
  g_assert_cmpuint (done, <=, total);
  p->last_done = done;
  p->n_calls++;
}

static gboolean
should_stop (gpointer user_data)
{
  Progress *p = user_data;

  return p->stop_after > 0 && p->n_calls >= p->stop_after;
}

static void
test_explain_embeddings_progress (void)
{
  g_autoptr(NnModel) model = make_model (WIDE_SPEC, 12, 2, 31);
  g_autoptr(NnImageSet) set = make_set (1500, 12, 37);
  g_autoptr(NnImageSet) other = make_set (10, 14, 37);
  g_autoptr(NnEmbeddings) emb = NULL;
  g_autoptr(GError) error = NULL;
  Progress p = { 0 };
  NnExplainHooks hooks = { on_progress, should_stop, &p };

  emb = nn_embeddings_compute (model, set, &hooks, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (p.last_done, ==, 1500);
  g_assert_cmpuint (p.n_calls, >=, 2);

  p = (Progress) { .stop_after = 1 };
  g_assert_null (nn_embeddings_compute (model, set, &hooks, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_CANCELLED);
  g_assert_cmpuint (p.n_calls, ==, 1);
  g_clear_error (&error);

  g_assert_null (nn_embeddings_compute (model, other, NULL, &error));
  g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_MISMATCH);
}

static void
test_explain_cache_round_trip (void)
{
  g_autoptr(NnModel) model = make_model (WIDE_SPEC, 12, 2, 31);
  g_autoptr(NnImageSet) set = make_set (300, 12, 37);
  g_autoptr(NnEmbeddings) first = NULL;
  g_autoptr(NnEmbeddings) second = NULL;
  g_autoptr(NnEmbeddings) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *cache = g_build_filename (dir, "cache", "nested", NULL);
  g_autofree char *key = nn_embeddings_key (model, set);
  g_autofree char *path = nn_embeddings_cache_path (cache, key);
  g_autofree char *expected_name = g_strdup_printf ("embeddings-%s.bin", key);
  gboolean from_cache = TRUE;

  g_assert_cmpuint (strlen (key), ==, 64);
  g_assert_true (g_str_has_suffix (path, expected_name));
  first = nn_embeddings_load_or_compute (model, set, cache, NULL, &from_cache, &error);
  g_assert_no_error (error);
  g_assert_false (from_cache);
  g_assert_cmpstr (first->key, ==, key);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  second = nn_embeddings_load_or_compute (model, set, cache, NULL, &from_cache, &error);
  g_assert_no_error (error);
  g_assert_true (from_cache);
  g_assert_cmpuint (second->n, ==, first->n);
  g_assert_cmpuint (second->dim, ==, first->dim);
  g_assert_cmpstr (second->key, ==, key);
  g_assert_cmpmem (second->values, sizeof (float) * first->n * first->dim,
                   first->values, sizeof (float) * first->n * first->dim);

  loaded = nn_embeddings_load (path, NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (loaded->values, sizeof (float) * first->n * first->dim,
                   first->values, sizeof (float) * first->n * first->dim);

  /* other weights: another key, another file */
  {
    g_autofree char *key2 = NULL;

    nn_network_get_params (model->net)[0] += 1.0f;
    key2 = nn_embeddings_key (model, set);
    g_assert_cmpstr (key2, !=, key);
    g_clear_pointer (&second, nn_embeddings_unref);
    second = nn_embeddings_load_or_compute (model, set, cache, NULL, &from_cache, &error);
    g_assert_no_error (error);
    g_assert_false (from_cache);
    g_assert_cmpstr (second->key, ==, key2);
  }
  /* no temporary files left */
  {
    g_autoptr(GDir) d = g_dir_open (cache, 0, NULL);
    const char *name;
    guint count = 0;

    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_assert_true (g_str_has_prefix (name, "embeddings-") && g_str_has_suffix (name, ".bin"));
        count++;
      }
    g_assert_cmpuint (count, ==, 2);
  }
  remove_tree (cache);
  {
    g_autofree char *parent = g_path_get_dirname (cache);

    g_rmdir (parent);
  }
  g_rmdir (dir);
}

static void
test_explain_cache_prune (void)
{
  g_autoptr(NnModel) model = make_model ("flatten dense(10)", 6, 1, 31);
  g_autoptr(NnImageSet) set = make_set (20, 6, 37);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *notes = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(GDir) d = NULL;
  guint count = 0;

  /* an unrelated file stays */
  g_assert_true (g_file_set_contents (notes, "x", 1, NULL));
  for (int i = 0; i < NN_EMBEDDINGS_CACHE_KEEP + 3; i++)
    {
      g_autoptr(NnEmbeddings) emb = NULL;

      nn_network_get_params (model->net)[0] = (float) i;
      emb = nn_embeddings_load_or_compute (model, set, dir, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d) != NULL)
    count++;
  g_assert_cmpuint (count, ==, NN_EMBEDDINGS_CACHE_KEEP + 1);
  g_assert_true (g_file_test (notes, G_FILE_TEST_EXISTS));
  remove_tree (dir);
}

/* A valid file of n × dim values under key, with its CRC, as bytes to damage. */
static GByteArray *
cache_bytes (guint64      n,
             guint32      dim,
             const guint8 key[32])
{
  GByteArray *b = g_byte_array_new ();
  guint32 version = GUINT32_TO_LE (1), d = GUINT32_TO_LE (dim), crc;
  guint64 nn = GUINT64_TO_LE (n);

  g_byte_array_append (b, (const guint8 *) "DLEMBED1", 8);
  g_byte_array_append (b, (const guint8 *) &version, 4);
  g_byte_array_append (b, (const guint8 *) &d, 4);
  g_byte_array_append (b, (const guint8 *) &nn, 8);
  g_byte_array_append (b, key, 32);
  for (guint64 k = 0; k < n * dim; k++)
    {
      float v = (float) k * 0.25f;
      guint32 bits;

      memcpy (&bits, &v, 4);
      bits = GUINT32_TO_LE (bits);
      g_byte_array_append (b, (const guint8 *) &bits, 4);
    }
  crc = GUINT32_TO_LE ((guint32) crc32 (crc32 (0L, Z_NULL, 0), b->data, b->len));
  g_byte_array_append (b, (const guint8 *) &crc, 4);
  return b;
}

static void
fix_crc (GByteArray *b)
{
  guint32 crc = GUINT32_TO_LE ((guint32) crc32 (crc32 (0L, Z_NULL, 0), b->data, b->len - 4));

  memcpy (b->data + b->len - 4, &crc, 4);
}

static void
test_explain_cache_hostile (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "e.bin", NULL);
  const char *key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  guint8 key_bytes[32];
  g_autoptr(GError) error = NULL;
  NnEmbeddings *emb;

  for (int k = 0; k < 32; k++)
    key_bytes[k] = (guint8) ((k % 16) * 0x11);

  /* the good file loads, with its key */
  {
    g_autoptr(GByteArray) b = cache_bytes (5, 3, key_bytes);
    g_autoptr(NnEmbeddings) good = NULL;

    g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
    good = nn_embeddings_load (path, key, 5, 3, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (good->key, ==, key);
    g_assert_cmpfloat (good->values[14], ==, 3.5f);
  }

  for (int c = 0; c < 15; c++)
    {
      g_autoptr(GByteArray) b = cache_bytes (5, 3, key_bytes);
      const char *want_key = key;
      size_t want_n = 5, want_dim = 3;

      switch (c)
        {
        case 0: g_byte_array_set_size (b, 0); break;                        /* empty */
        case 1: g_byte_array_set_size (b, 40); break;                       /* truncated header */
        case 2: g_byte_array_set_size (b, b->len - 1); break;               /* truncated data */
        case 3: g_byte_array_append (b, (const guint8 *) "x", 1); break;    /* trailing byte */
        case 4: b->data[0] = 'X'; break;                                    /* magic */
        case 5: b->data[8] = 2; fix_crc (b); break;                         /* version */
        case 6: memset (b->data + 16, 0xff, 8); fix_crc (b); break;         /* n = 2^64 − 1 */
        case 7: memset (b->data + 12, 0, 4); fix_crc (b); break;            /* dim 0 */
        case 8: b->data[100] ^= 1; break;                                   /* a value, CRC kept */
        case 9: b->data[b->len - 1] ^= 0x80; break;                         /* the CRC */
        case 10:                                                            /* NaN, CRC fixed */
          memset (b->data + 56 + 8, 0xff, 4);
          fix_crc (b);
          break;
        case 11: want_key = "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"; break;
        case 12: want_n = 6; break;
        case 13: want_dim = 4; break;
        case 14: want_key = "not hex"; break;
        }
      g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
      emb = nn_embeddings_load (path, want_key, want_n, want_dim, &error);
      g_assert_null (emb);
      g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_BAD_CACHE);
      g_clear_error (&error);
    }

  /* not a regular file, and a missing one */
  emb = nn_embeddings_load (dir, NULL, 0, 0, &error);
  g_assert_null (emb);
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  g_unlink (path);
  emb = nn_embeddings_load (path, NULL, 0, 0, &error);
  g_assert_null (emb);
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  if (mkfifo (path, 0600) == 0)
    {
      emb = nn_embeddings_load (path, NULL, 0, 0, &error);
      g_assert_null (emb);
      g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
      g_clear_error (&error);
      g_unlink (path);
    }

  /* a damaged cache is computed again and replaced */
  {
    g_autoptr(NnModel) model = make_model ("flatten dense(10)", 6, 1, 31);
    g_autoptr(NnImageSet) set = make_set (20, 6, 37);
    g_autofree char *set_key = nn_embeddings_key (model, set);
    g_autofree char *cached = nn_embeddings_cache_path (dir, set_key);
    g_autoptr(NnEmbeddings) again = NULL;
    gboolean from_cache = TRUE;

    g_assert_true (g_file_set_contents (cached, "DLEMBED1 and nothing else", -1, NULL));
    again = nn_embeddings_load_or_compute (model, set, dir, NULL, &from_cache, &error);
    g_assert_no_error (error);
    g_assert_false (from_cache);
    g_clear_pointer (&again, nn_embeddings_unref);
    again = nn_embeddings_load_or_compute (model, set, dir, NULL, &from_cache, &error);
    g_assert_no_error (error);
    g_assert_true (from_cache);
  }

  /* saving refuses a folder in the way and an unwritable place, leaving nothing behind */
  {
    g_autoptr(GByteArray) b = cache_bytes (5, 3, key_bytes);
    g_autoptr(NnEmbeddings) good = NULL;
    g_autofree char *sub = g_build_filename (dir, "folder.bin", NULL);

    g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
    good = nn_embeddings_load (path, key, 5, 3, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    g_assert_false (nn_embeddings_save (good, sub, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_rmdir (sub);
    if (geteuid () != 0)
      {
        g_autofree char *ro = g_build_filename (dir, "ro", NULL);
        g_autofree char *inside = g_build_filename (ro, "e.bin", NULL);

        g_assert_cmpint (g_mkdir (ro, 0500), ==, 0);
        g_assert_false (nn_embeddings_save (good, inside, &error));
        g_assert_error (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_IO);
        g_clear_error (&error);
        g_rmdir (ro);
      }
  }
  remove_tree (dir);
}

/* ---- Helpers --------------------------------------------------------------------------------- */

static void
test_explain_colours (void)
{
  guint8 rgb[3], rgb2[3];
  float map[12] = { 0, 0.5f, 0, 0, 0, -2.0f, 0, 0, 0, 0, 2.0f, 0 };
  size_t row, col;

  nn_explain_diverging_rgb (0.0f, rgb);
  g_assert_cmpuint (rgb[0], ==, 247);
  g_assert_cmpuint (rgb[1], ==, 247);
  g_assert_cmpuint (rgb[2], ==, 247);
  nn_explain_diverging_rgb (-1.0f, rgb);
  g_assert_cmpuint (rgb[2], >, rgb[0]);
  nn_explain_diverging_rgb (-7.0f, rgb2);
  g_assert_cmpmem (rgb, 3, rgb2, 3);
  nn_explain_diverging_rgb (1.0f, rgb);
  g_assert_cmpuint (rgb[0], >, rgb[2]);
  nn_explain_diverging_rgb (NAN, rgb);
  g_assert_cmpuint (rgb[0], ==, 247);
  nn_explain_sequential_rgb (0.0f, rgb);
  g_assert_cmpuint (rgb[0] + rgb[1] + rgb[2], <, 10);
  nn_explain_sequential_rgb (1.0f, rgb);
  g_assert_cmpuint (rgb[0] + rgb[1] + rgb[2], >, 600);

  g_assert_cmpfloat (nn_explain_map_peak (map, 3, 4, &row, &col), ==, 2.0f);
  g_assert_cmpuint (row, ==, 1);
  g_assert_cmpuint (col, ==, 1);
}

/* ---- Figures ------------------------------------------------------------------------------ */

static guint8 *
load_figure (const char *path,
             size_t      width,
             size_t      height)
{
  g_autoptr(GError) error = NULL;
  size_t w, h;
  guint8 *gray = nn_png_load_gray (path, &w, &h, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (w, ==, width);
  g_assert_cmpuint (h, ==, height);
  return gray;
}

static void
test_explain_figures (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "f.png", NULL);
  g_autoptr(GError) error = NULL;
  float image[4 * 3] = { 0, 1, 0, 0.5f, 0, 0, 1, 0, 0, 0, 0, 0 };
  float map[4 * 3] = { 0 };
  float weights[2 * 3 * 2 * 2];

  /* the input: 3 × 4 values at zoom 2, ink white */
  g_assert_true (nn_explain_figure_save_image (path, image, 4, 3, 2, &error));
  g_assert_no_error (error);
  {
    g_autofree guint8 *g = load_figure (path, 6, 8);

    g_assert_cmpuint (g[0], ==, 0);
    g_assert_cmpuint (g[2], ==, 255);
    g_assert_cmpuint (g[3 * 6], ==, 128);
    g_assert_cmpuint (g[4 * 6 + 1], ==, 255);
  }
  /* an overlay of zeros leaves the image as it is; a peak takes the map's colour */
  g_assert_true (nn_explain_figure_save_overlay (path, image, map, 4, 3, 0, 1, &error));
  {
    g_autofree guint8 *g = load_figure (path, 3, 4);

    g_assert_cmpuint (g[1], ==, 255);
    g_assert_cmpuint (g[3], ==, 128);
  }
  map[1] = -1.0f;
  map[0] = 0.5f;
  g_assert_true (nn_explain_figure_save_overlay (path, image, map, 4, 3, 0, 1, &error));
  {
    g_autofree guint8 *g = load_figure (path, 3, 4);

    /* pure dark blue instead of white, and half-way to red over black */
    g_assert_cmpuint (g[1], <, 80);
    g_assert_cmpuint (g[0], >, 40);
  }

  /* filters: 2 outputs × 3 inputs of 2 × 2 at zoom 4, tiles 2 px apart */
  for (size_t k = 0; k < G_N_ELEMENTS (weights); k++)
    weights[k] = (float) k - 11.5f;
  {
    NnExplainFilters f = { 0, 2, 3, 2, 2, weights, 11.5f };

    g_assert_true (nn_explain_figure_save_filters (path, &f, 4, &error));
    g_assert_no_error (error);
    g_free (load_figure (path, 3 * 10 + 2, 2 * 10 + 2));
  }

  /* activations: maps in a grid of ⌈√c⌉ columns, or bars for a vector */
  {
    float values[5 * 2 * 3];
    NnExplainLayer maps = { 0, "conv", "conv(5,3)", 5, 2, 3, FALSE, FALSE, FALSE, TRUE, values,
                            0, 29 };
    NnExplainLayer bars = { 1, "dense", "dense(30)", 30, 1, 1, TRUE, FALSE, FALSE, FALSE, values,
                            0, 29 };

    for (size_t k = 0; k < G_N_ELEMENTS (values); k++)
      values[k] = (float) k;
    g_assert_true (nn_explain_figure_save_activations (path, &maps, 2, &error));
    g_free (load_figure (path, 3 * 8 + 2, 2 * 6 + 2));
    g_assert_true (nn_explain_figure_save_activations (path, &bars, 3, &error));
    {
      g_autofree guint8 *g = load_figure (path, 30 * 3 + 4, 128 + 4);

      /* the last bar reaches the top, the first (0) is empty background */
      g_assert_cmpuint (g[2 * 94 + 2 + 29 * 3], !=, 96);
      g_assert_cmpuint (g[(128 + 1) * 94 + 2], ==, 96);
    }
    g_assert_no_error (error);
  }

  /* a grid of images */
  {
    guint8 a[4] = { 0, 255, 0, 255 }, b[4] = { 255, 255, 255, 255 };
    const guint8 *images[3] = { a, b, a };

    g_assert_true (nn_explain_figure_save_grid (path, images, 3, 2, 2, 2, 1, &error));
    g_free (load_figure (path, 2 * 4 + 2, 2 * 4 + 2));
  }

  /* refusals: a zoom out of range, a figure too large, a folder in the way */
  g_assert_false (nn_explain_figure_save_image (path, image, 4, 3, 0, &error));
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE);
  g_clear_error (&error);
  {
    g_autofree float *wide = g_new0 (float, 200 * 200);

    g_assert_false (nn_explain_figure_save_image (path, wide, 200, 200, 64, &error));
    g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE);
    g_clear_error (&error);
  }
  g_assert_false (nn_explain_figure_save_image (dir, image, 4, 3, 1, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/explain/activations", test_explain_activations);
  g_test_add_func ("/engine/explain/layer-info", test_explain_layer_info);
  g_test_add_func ("/engine/explain/saliency-smooth", test_explain_saliency_smooth);
  g_test_add_func ("/engine/explain/saliency-kinks", test_explain_saliency_kinks);
  g_test_add_func ("/engine/explain/occlusion-known", test_explain_occlusion_known);
  g_test_add_func ("/engine/explain/occlusion-blank", test_explain_occlusion_blank);
  g_test_add_func ("/engine/explain/bad-input", test_explain_bad_input);
  g_test_add_func ("/engine/explain/filters", test_explain_filters);
  g_test_add_func ("/engine/explain/nearest-self", test_explain_nearest_self);
  g_test_add_func ("/engine/explain/nearest-exact", test_explain_nearest_exact);
  g_test_add_func ("/engine/explain/embeddings-progress", test_explain_embeddings_progress);
  g_test_add_func ("/engine/explain/cache-round-trip", test_explain_cache_round_trip);
  g_test_add_func ("/engine/explain/cache-prune", test_explain_cache_prune);
  g_test_add_func ("/engine/explain/cache-hostile", test_explain_cache_hostile);
  g_test_add_func ("/engine/explain/colours", test_explain_colours);
  g_test_add_func ("/engine/explain/figures", test_explain_figures);

  return g_test_run ();
}
