/* test-batchnorm.c: batch norm's gradients, running statistics by hand, thread-count invariance,
 * inference folded into the layer before it, model files and hostile ones */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "gradcheck.h"
#include "nn-batchnorm.h"
#include "nn-model.h"
#include "nn-network.h"
#include "nn-safetensors.h"
#include "nn-spec.h"

enum { B = 5, C = 3, MAXHW = 16 };

/* One batch norm layer on a (B, C, HW) batch, its parameter block laid out as a network lays
 * it out: γ, β, then the running mean and variance. */
typedef struct
{
  NnLayer  l;
  float    params[4 * C];
  float    in[B * C * MAXHW], out[B * C * MAXHW], r[B * C * MAXHW];
  double   stats[B * 4 * C];
  NnBatchSync sync;
} Bn;

static void
no_wait (NnBatchSync *sync)
{
}

static void
bn_setup (Bn     *bn,
          size_t  H,
          size_t  W,
          guint64 seed)
{
  NnRng rng;

  memset (bn, 0, sizeof *bn);
  bn->l = (NnLayer) { .spec = { .kind = NN_LAYER_BATCHNORM }, .in_c = C, .in_h = H, .in_w = W,
                      .in_flat = H == 1 && W == 1, .out_c = C, .out_h = H, .out_w = W,
                      .weight_offset = 0, .n_weight = C, .bias_offset = C, .n_bias = C,
                      .buffer_offset = 2 * C, .n_buffer = 2 * C };
  nn_rng_init (&rng, seed);
  nn_layer_class (NN_LAYER_BATCHNORM)->init (&bn->l, bn->params, &rng);
  gradcheck_fill (bn->params, 2 * C, &rng, 0.5f);
  for (size_t c = 0; c < C; c++)
    bn->params[c] += 1.0f;
  /* channels of different means and spreads */
  for (size_t i = 0; i < B * C * H * W; i++)
    bn->in[i] = (1.0f + (float) ((i / (H * W)) % C)) * nn_rng_normal (&rng) + 2.0f * (float) ((i / (H * W)) % C);
  gradcheck_fill (bn->r, B * C * H * W, &rng, 1);
  bn->sync = (NnBatchSync) { .stats = bn->stats, .ld = 4 * C, .start = 0, .B = B, .lead = TRUE,
                             .wait = no_wait };
}

static void
bn_forward (Bn      *bn,
            gboolean training)
{
  NnLayerWork work = { .buffers = bn->params + 2 * C, .sync = training ? &bn->sync : NULL };

  nn_layer_class (NN_LAYER_BATCHNORM)->forward (&bn->l, bn->out, bn->in, bn->params,
                                                bn->params + C, &work, B);
}

static double
bn_loss (gpointer data)
{
  Bn *bn = data;
  float running[2 * C];

  /* the loss must not move the running statistics it does not depend on */
  memcpy (running, bn->params + 2 * C, sizeof running);
  bn_forward (bn, TRUE);
  memcpy (bn->params + 2 * C, running, sizeof running);
  return gradcheck_dot (bn->out, bn->r, B * C * bn->l.in_h * bn->l.in_w);
}

/* Training's gradients against central differences, for images and for vectors. */
static void
check_gradients (size_t H,
                 size_t W)
{
  Bn bn;
  float din[B * C * MAXHW], dparams[2 * C] = { 0 };
  NnLayerWork work;

  bn_setup (&bn, H, W, 5);
  work = (NnLayerWork) { .buffers = bn.params + 2 * C, .sync = &bn.sync };
  bn_loss (&bn);
  nn_layer_class (NN_LAYER_BATCHNORM)->backward (&bn.l, din, dparams, dparams + C, bn.r, bn.in,
                                                 bn.out, bn.params, &work, B);
  /* the tolerance of test-conv2d: float32 outputs and a loss that curves through the batch's
   * variance leave about 5e-3 between the two at this step */
  g_assert_cmpfloat (gradcheck_max_error (bn.in, din, B * C * H * W, 1e-2f, bn_loss, &bn), <,
                     1e-2);
  g_assert_cmpfloat (gradcheck_max_error (bn.params, dparams, 2 * C, 1e-2f, bn_loss, &bn), <,
                     1e-3);
}

static void
test_batchnorm_gradcheck_2d (void)
{
  check_gradients (4, 3);
}

static void
test_batchnorm_gradcheck_1d (void)
{
  check_gradients (1, 1);
}

/* Training normalises with the batch's statistics and moves the running ones by PyTorch's rule;
 * inference uses the running ones. All by hand in double precision. */
static void
test_batchnorm_statistics (void)
{
  const size_t H = 4, W = 3, HW = 12, n = B * HW;
  Bn bn;

  bn_setup (&bn, H, W, 9);
  bn.params[2 * C + 1] = 0.5f;          /* running mean of channel 1 */
  bn.params[3 * C + 2] = 2.0f;          /* running variance of channel 2 */
  bn_forward (&bn, TRUE);
  for (size_t c = 0; c < C; c++)
    {
      double s = 0, q = 0, mean, var;
      double rm0 = c == 1 ? 0.5 : 0.0, rv0 = c == 2 ? 2.0 : 1.0;

      for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < HW; k++)
          s += bn.in[(b * C + c) * HW + k];
      mean = s / n;
      for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < HW; k++)
          q += pow (bn.in[(b * C + c) * HW + k] - mean, 2);
      var = q / n;
      for (size_t b = 0; b < B; b++)
        for (size_t k = 0; k < HW; k++)
          {
            size_t i = (b * C + c) * HW + k;
            double y = (bn.in[i] - mean) / sqrt (var + 1e-5) * bn.params[c] + bn.params[C + c];

            g_assert_cmpfloat_with_epsilon (bn.out[i], y, 1e-5 * (1 + fabs (y)));
          }
      /* momentum 0.1, the unbiased variance */
      g_assert_cmpfloat_with_epsilon (bn.params[2 * C + c], 0.9 * rm0 + 0.1 * mean, 1e-6);
      g_assert_cmpfloat_with_epsilon (bn.params[3 * C + c], 0.9 * rv0 + 0.1 * q / (n - 1),
                                      1e-6 * (1 + rv0 + q / n));
    }

  /* inference with the running statistics */
  bn_forward (&bn, FALSE);
  for (size_t c = 0; c < C; c++)
    for (size_t i = 0; i < B * HW; i++)
      {
        size_t at = ((i / HW) * C + c) * HW + i % HW;
        double y = (bn.in[at] - bn.params[2 * C + c]) / sqrt (bn.params[3 * C + c] + 1e-5) *
                   bn.params[c] + bn.params[C + c];

        g_assert_cmpfloat_with_epsilon (bn.out[at], y, 1e-5 * (1 + fabs (y)));
      }
}

static NnNetwork *
make_network (const char *text,
              size_t      n_threads,
              size_t      batch)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (text, &error);
  NnNetwork *net;
  NnRng rng;

  g_assert_no_error (error);
  net = nn_network_new (spec, 1, 8, 8, n_threads, &error);
  g_assert_no_error (error);
  g_assert_true (nn_network_reserve (net, batch, &error));
  g_assert_no_error (error);
  nn_rng_init (&rng, 17);
  nn_network_init_params (net, &rng);
  return net;
}

static void
fill_batch (float  *x,
            guint8 *labels,
            size_t  n,
            guint64 seed)
{
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t i = 0; i < n * 64; i++)
    x[i] = nn_rng_normal (&rng);
  for (size_t b = 0; b < n; b++)
    labels[b] = (guint8) nn_rng_below (&rng, 3);
}

#define BN_SPEC "conv(4,3,pad=1) bn relu maxpool(2) flatten dense(6) bn relu dense(3)"

/* The whole network's gradient, batch norms included, against central differences. */
static void
test_batchnorm_network_gradcheck (void)
{
  const size_t n = 6;
  g_autoptr(NnNetwork) net = make_network (BN_SPEC, 1, n);
  size_t n_trainable = nn_network_get_n_trainable (net);
  float *params = nn_network_get_params (net);
  g_autofree float *analytic = g_new (float, n_trainable);
  float x[6 * 64];
  guint8 labels[6];
  size_t n_bad = 0;

  fill_batch (x, labels, n, 3);
  nn_network_train_step (net, x, labels, n, 0, NULL);
  memcpy (analytic, nn_network_get_grads (net), sizeof (float) * n_trainable);
  for (size_t k = 0; k < n_trainable; k++)
    {
      const float eps = 1e-3f;
      float saved = params[k];
      double lp, lm, numeric, err;

      params[k] = saved + eps;
      lp = nn_network_train_step (net, x, labels, n, 0, NULL) / n;
      params[k] = saved - eps;
      lm = nn_network_train_step (net, x, labels, n, 0, NULL) / n;
      params[k] = saved;
      numeric = (lp - lm) / (2 * eps);
      err = fabs (numeric - analytic[k]) / MAX (1e-2, fabs (numeric) + fabs (analytic[k]));
      /* ReLU and max-pooling kinks spoil a few numeric estimates, as in test-network */
      n_bad += err > 5e-2;
    }
  g_assert_cmpuint (n_bad, <=, n_trainable / 20);
  /* the buffers get no gradient */
  for (size_t k = n_trainable; k < nn_network_get_n_params (net); k++)
    g_assert_cmpfloat (nn_network_get_grads (net)[k], ==, 0.0f);
}

/* One, two and three threads: the batch norms' statistics, running statistics, outputs and
 * gradients are the same bits, the batch split as 15, 8 + 7 and 5 + 5 + 5. (Every share above
 * four samples: dense layers take dot products for fewer, which round otherwise.) */
static void
test_batchnorm_threads (void)
{
  const size_t n = 15;
  const char *spec = "bn conv(4,3,pad=1) bn relu conv(4,3,stride=2) flatten bn dense(3)";
  g_autoptr(NnNetwork) one = make_network (spec, 1, n);
  float x[15 * 64];
  guint8 labels[15];
  float probs1[15 * 3];

  fill_batch (x, labels, n, 4);
  for (int step = 0; step < 3; step++)
    nn_network_train_step (one, x, labels, n, 0, NULL);
  nn_network_predict (one, x, n, probs1);
  for (size_t threads = 2; threads <= 3; threads++)
    {
      g_autoptr(NnNetwork) other = make_network (spec, threads, n);
      float probs[15 * 3];

      for (int step = 0; step < 3; step++)
        nn_network_train_step (other, x, labels, n, 0, NULL);
      for (size_t i = 0; i < nn_network_get_n_layers (one); i++)
        {
          const NnLayer *l = nn_network_get_layer (one, i);

          if (l->spec.kind != NN_LAYER_BATCHNORM)
            continue;
          /* running statistics, and γ and β's gradients */
          g_assert_cmpmem (nn_network_get_params (one) + l->buffer_offset,
                           l->n_buffer * sizeof (float),
                           nn_network_get_params (other) + l->buffer_offset,
                           l->n_buffer * sizeof (float));
          if (i == 0)
            g_assert_cmpmem (nn_network_get_grads (one) + l->weight_offset,
                             2 * l->n_weight * sizeof (float),
                             nn_network_get_grads (other) + l->weight_offset,
                             2 * l->n_weight * sizeof (float));
        }
      nn_network_predict (other, x, n, probs);
      g_assert_cmpmem (probs1, sizeof probs1, probs, sizeof probs);
    }
}

/* Inference with each batch norm folded into the conv or dense layer before it (and conv → bn
 * → ReLU → pool run as one fused step) equals running the batch norms as layers. */
static void
test_batchnorm_fold (void)
{
  const size_t n = 12;
  const char *specs[] = {
    BN_SPEC,
    "conv(8,5,pad=2) bn relu maxpool(2) conv(8,3,pad=1) bn relu maxpool(2) flatten dense(3)",
    "bn conv(4,3,stride=2) bn relu gap flatten dense(6) bn dense(3)",
  };

  for (size_t s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autoptr(NnNetwork) net = make_network (specs[s], 2, n);
      float x[12 * 64], folded[12 * 3], plain[12 * 3];
      guint8 labels[12];
      g_autoptr(NnOptimizer) opt = NULL;
      NnOptimizerConfig oc;
      g_autoptr(GError) error = NULL;

      nn_optimizer_config_init (&oc, NN_OPTIMIZER_ADAM);
      oc.learning_rate = 0.01f;
      opt = nn_optimizer_new (&oc, nn_network_get_n_params (net), &error);
      g_assert_no_error (error);
      /* a few steps, so that γ, β and the running statistics are far from their start */
      for (int step = 0; step < 20; step++)
        {
          fill_batch (x, labels, n, 40 + step);
          nn_network_train_step (net, x, labels, n, 0, NULL);
          nn_network_optimizer_step (net, opt);
        }
      fill_batch (x, labels, n, 99);
      nn_network_predict (net, x, n, folded);
      nn_network_set_fold (net, FALSE);
      nn_network_predict (net, x, n, plain);
      for (size_t i = 0; i < n * 3; i++)
        g_assert_cmpfloat_with_epsilon (folded[i], plain[i], 2e-5);
      {
        /* and the optimiser left the running statistics to the batch norms */
        gboolean moved = FALSE;

        for (size_t i = 0; i < nn_network_get_n_layers (net); i++)
          {
            const NnLayer *l = nn_network_get_layer (net, i);

            for (size_t k = 0; k < l->n_buffer; k++)
              moved |= nn_network_get_params (net)[l->buffer_offset + k] !=
                       (k < l->n_buffer / 2 ? 0.0f : 1.0f);
          }
        g_assert_true (moved);
      }
    }
}

/* ---- model files ---- */

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}

static NnModel *
make_model (void)
{
  static const char *const names[] = { "a", "b", "c", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("conv(2,3,pad=1) bn relu flatten dense(4) bn dense(3)",
                                          &error);
  NnNormalisation norm = { 0.5f, 0.25f };
  NnModel *model;
  NnRng rng;
  float *p;

  g_assert_no_error (error);
  model = nn_model_new (spec, 1, 4, 4, NULL, &norm, "toy", names, 1, &error);
  g_assert_no_error (error);
  nn_rng_init (&rng, 3);
  nn_network_init_params (model->net, &rng);
  /* running statistics of their own, to see them travel */
  p = nn_network_get_params (model->net);
  for (size_t k = nn_network_get_n_trainable (model->net); k < nn_network_get_n_params (model->net);
       k++)
    p[k] = 0.25f + 0.01f * (float) k;
  return model;
}

/* Saved and loaded: every value, the running statistics included, under PyTorch's names, and
 * config.json names each batch norm as PyTorch's module. */
static void
test_batchnorm_model_roundtrip (void)
{
  g_autoptr(NnModel) model = make_model ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dl-bn-XXXXXX", &error);
  g_autofree char *target = g_build_filename (dir, "model", NULL);
  g_autofree char *weights = g_build_filename (target, "model.safetensors", NULL);
  g_autofree char *config = nn_model_config_to_json (model);
  g_autoptr(NnModel) back = NULL;
  g_autoptr(NnSafetensors) st = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (config, "\"type\": \"batchnorm2d\", \"num_features\": 2, \"eps\": 1e-05, "
                                    "\"momentum\": 0.1"));
  g_assert_nonnull (strstr (config, "\"type\": \"batchnorm1d\", \"num_features\": 4"));
  g_assert_true (nn_model_save (model, target, &error));
  g_assert_no_error (error);
  st = nn_safetensors_load (weights, &error);
  g_assert_no_error (error);
  g_assert_nonnull (nn_safetensors_lookup (st, "1.running_mean"));
  g_assert_nonnull (nn_safetensors_lookup (st, "1.running_var"));
  g_assert_nonnull (nn_safetensors_lookup (st, "1.weight"));
  g_assert_nonnull (nn_safetensors_lookup (st, "5.running_var"));
  g_assert_cmpuint (nn_safetensors_get_n_tensors (st), ==, 14);
  back = nn_model_load (target, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (nn_network_get_params (model->net),
                   nn_network_get_n_params (model->net) * sizeof (float),
                   nn_network_get_params (back->net),
                   nn_network_get_n_params (back->net) * sizeof (float));
  remove_tree (dir);
}

/* The weights of make_model with one change, as safetensors bytes. */
typedef enum { SET_VALUE, DROP, RESHAPE } Change;

static GBytes *
changed_weights (NnModel    *model,
                 const char *name,
                 Change      change,
                 float       value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("dl-bn-XXXXXX", &error);
  g_autofree char *target = g_build_filename (dir, "model", NULL);
  g_autofree char *path = g_build_filename (target, "model.safetensors", NULL);
  g_autoptr(NnSafetensors) st = NULL;
  g_autofree NnTensor *tensors = NULL;
  size_t n = 0, n_in;
  GBytes *bytes;

  g_assert_true (nn_model_save (model, target, &error));
  st = nn_safetensors_load (path, &error);
  g_assert_no_error (error);
  n_in = nn_safetensors_get_n_tensors (st);
  tensors = g_new0 (NnTensor, n_in);
  for (size_t i = 0; i < n_in; i++)
    {
      NnTensor t = *nn_safetensors_get_tensor (st, i);

      if (strcmp (t.name, name) == 0)
        {
          if (change == DROP)
            continue;
          if (change == RESHAPE)
            t.shape[0]--;
          else
            t.data[0] = value;
        }
      tensors[n++] = t;
    }
  bytes = nn_safetensors_serialize (tensors, n, NULL, &error);
  g_assert_no_error (error);
  remove_tree (dir);
  return bytes;
}

/* Batch-norm models with a wrong tensor are refused with a message naming what is wrong. */
static void
test_batchnorm_hostile (void)
{
  static const struct { const char *label, *name; Change change; float value; const char *says; }
  cases[] = {
    { "a negative variance", "1.running_var", SET_VALUE, -1.0f, "below zero" },
    { "a NaN mean", "1.running_mean", SET_VALUE, NAN, "not finite" },
    { "an infinite variance", "5.running_var", SET_VALUE, INFINITY, "not finite" },
    { "a NaN gamma", "5.weight", SET_VALUE, NAN, "not finite" },
    { "no running variance", "5.running_var", DROP, 0, "no tensor “5.running_var”" },
    { "no running mean", "1.running_mean", DROP, 0, "no tensor “1.running_mean”" },
    { "a short running mean", "1.running_mean", RESHAPE, 0, "the architecture needs 2" },
    { "a short gamma", "1.weight", RESHAPE, 0, "the architecture needs 2" },
  };
  g_autoptr(NnModel) model = make_model ();
  g_autofree char *config = nn_model_config_to_json (model);

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = changed_weights (model, cases[i].name, cases[i].change,
                                                 cases[i].value);
      g_autoptr(GError) error = NULL;
      g_autoptr(NnModel) loaded = NULL;
      gsize size;
      const guint8 *data = g_bytes_get_data (bytes, &size);

      loaded = nn_model_load_from_data (config, strlen (config), data, size, 1, &error);
      g_test_message ("%s: %s", cases[i].label, error != NULL ? error->message : "loaded");
      g_assert_null (loaded);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/batchnorm/gradcheck-2d", test_batchnorm_gradcheck_2d);
  g_test_add_func ("/engine/batchnorm/gradcheck-1d", test_batchnorm_gradcheck_1d);
  g_test_add_func ("/engine/batchnorm/statistics", test_batchnorm_statistics);
  g_test_add_func ("/engine/batchnorm/network-gradcheck", test_batchnorm_network_gradcheck);
  g_test_add_func ("/engine/batchnorm/threads", test_batchnorm_threads);
  g_test_add_func ("/engine/batchnorm/fold", test_batchnorm_fold);
  g_test_add_func ("/engine/batchnorm/model-roundtrip", test_batchnorm_model_roundtrip);
  g_test_add_func ("/engine/batchnorm/hostile", test_batchnorm_hostile);
  return g_test_run ();
}
