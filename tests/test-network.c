/* test-network.c: whole-network gradients, thread parallelism, determinism, overfitting, shapes */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-network.h"
#include "nn-optimizer.h"

#define SMALL_SPEC "conv(3,3,pad=1) relu maxpool(2) conv(4,3) relu flatten dense(6) relu dense(3)"

static NnNetwork *
make_network (const char *text,
              size_t      C,
              size_t      H,
              size_t      W,
              size_t      n_threads,
              size_t      batch,
              guint64     seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (text, &error);
  NnNetwork *net;
  NnRng rng;

  g_assert_no_error (error);
  net = nn_network_new (spec, C, H, W, n_threads, &error);
  g_assert_no_error (error);
  g_assert_true (nn_network_reserve (net, batch, &error));
  g_assert_no_error (error);
  nn_rng_init (&rng, seed);
  nn_network_init_params (net, &rng);
  return net;
}

static void
fill_batch (float   *x,
            guint8  *labels,
            size_t   B,
            size_t   in_size,
            size_t   n_classes,
            guint64  seed)
{
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t i = 0; i < B * in_size; i++)
    x[i] = nn_rng_normal (&rng);
  for (size_t b = 0; b < B; b++)
    labels[b] = (guint8) nn_rng_below (&rng, (guint32) n_classes);
}

static void
test_network_shapes (void)
{
  g_autoptr(NnNetwork) net = make_network (NN_SPEC_REFERENCE, 1, 28, 28, 1, 4, 1);
  const NnLayer *l;

  g_assert_cmpuint (nn_network_get_n_params (net), ==,
                    (32 * 9 + 32) + (64 * 32 * 9 + 64) + (3136 * 128 + 128) + (128 * 10 + 10));
  g_assert_cmpuint (nn_network_get_n_classes (net), ==, 10);
  l = nn_network_get_layer (net, 5);
  g_assert_cmpuint (l->out_c, ==, 64);
  g_assert_cmpuint (l->out_h, ==, 7);
  g_assert_cmpuint (l->out_w, ==, 7);
  l = nn_network_get_layer (net, 7);
  g_assert_cmpuint (l->in_c, ==, 3136);
  g_assert_cmpuint (l->out_c, ==, 128);
  /* conv1 + conv2 + dense layers, two operations per multiply-add */
  g_assert_cmpfloat_with_epsilon (nn_network_get_flops_per_sample (net),
                                  2.0 * (288 * 784 + 18432 * 196 + 401408 + 1280), 1);
}

static void
test_network_shape_errors (void)
{
  static const struct { const char *spec; size_t H; } cases[] = {
    { "dense(10)", 8 },                             /* dense before flatten */
    { "flatten conv(4,3) flatten dense(3)", 8 },    /* conv after flatten */
    { "conv(4,9) flatten dense(3)", 8 },            /* kernel larger than the image */
    { "maxpool(16) flatten dense(3)", 8 },          /* window larger than the image */
    { "flatten dense(10) relu", 8 },                /* must end with dense */
    { "conv(2,3) relu", 8 },                        /* never flat */
    { "flatten dense(1)", 8 },                      /* one class is no classifier */
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnSpec) spec = nn_spec_parse (cases[i].spec, &error);
      g_autoptr(NnNetwork) net = NULL;

      g_assert_no_error (error);
      net = nn_network_new (spec, 1, cases[i].H, cases[i].H, 1, &error);
      g_assert_null (net);
      g_assert_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_BAD_SHAPE);
    }
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The analytic gradient of the whole network equals central differences of its loss. ReLU and
 * max-pooling are not differentiable everywhere: a perturbation that crosses a kink (a unit
 * switching on, another pixel winning a window) spoils that parameter's numeric estimate, so the
 * check asks that almost every parameter agrees closely rather than all of them. The layers'
 * own tests check each one exactly. */
static void
gradcheck (const char *spec,
           guint64     seed)
{
  const size_t B = 5, in_size = 1 * 8 * 8;
  g_autoptr(NnNetwork) net = make_network (spec, 1, 8, 8, 1, B, seed);
  size_t n_params = nn_network_get_n_params (net);
  float *params = nn_network_get_params (net);
  g_autofree float *analytic = g_new (float, n_params);
  g_autofree double *errors = g_new (double, n_params);
  float x[5 * 64];
  guint8 labels[5];
  size_t n_bad = 0;

  fill_batch (x, labels, B, in_size, 3, 11);
  nn_network_train_step (net, x, labels, B, 0, NULL);
  memcpy (analytic, nn_network_get_grads (net), sizeof (float) * n_params);

  for (size_t k = 0; k < n_params; k++)
    {
      const float eps = 1e-3f;
      float saved = params[k];
      double lp, lm, numeric;

      params[k] = saved + eps;
      lp = nn_network_train_step (net, x, labels, B, 0, NULL) / B;
      params[k] = saved - eps;
      lm = nn_network_train_step (net, x, labels, B, 0, NULL) / B;
      params[k] = saved;
      numeric = (lp - lm) / (2 * eps);
      errors[k] = fabs (numeric - analytic[k]) / MAX (1e-2, fabs (numeric) + fabs (analytic[k]));
      n_bad += errors[k] > 5e-2;
    }
  qsort (errors, n_params, sizeof (double), compare_doubles);
  g_assert_cmpfloat (errors[n_params / 2], <, 2e-3);
  g_assert_cmpuint (n_bad, <=, n_params / 20);
}

static void
test_network_gradcheck (void)
{
  gradcheck (SMALL_SPEC, 3);
}

/* The same where training takes its Winograd path: a fused 3×3 conv with padding 1 and at least
 * eight input channels, in a network that holds four images or more. Its forward keeps the
 * pooling winners and its input gradient reads the backward's grouped layout. */
static void
test_network_gradcheck_winograd (void)
{
  gradcheck ("conv(8,3,pad=1) relu maxpool(2) conv(8,3,pad=1) relu maxpool(2) flatten dense(3)",
             5);
}

/* Two threads on halves of the batch give the same mean gradient as one thread on all of it. */
static void
test_network_threads_agree (void)
{
  const size_t B = 9, in_size = 64;
  g_autoptr(NnNetwork) one = make_network (SMALL_SPEC, 1, 8, 8, 1, B, 4);
  g_autoptr(NnNetwork) two = make_network (SMALL_SPEC, 1, 8, 8, 2, B, 4);
  size_t n_params = nn_network_get_n_params (one);
  float x[9 * 64];
  guint8 labels[9];
  size_t c1, c2;
  double l1, l2;

  fill_batch (x, labels, B, in_size, 3, 12);
  l1 = nn_network_train_step (one, x, labels, B, 0, &c1);
  l2 = nn_network_train_step (two, x, labels, B, 0, &c2);
  g_assert_cmpfloat_with_epsilon (l1, l2, 1e-4);
  g_assert_cmpuint (c1, ==, c2);
  for (size_t k = 0; k < n_params; k++)
    g_assert_cmpfloat_with_epsilon (nn_network_get_grads (one)[k], nn_network_get_grads (two)[k],
                                    1e-5 + 1e-4 * fabsf (nn_network_get_grads (one)[k]));
}

/* Same seed, data and thread count: bit-identical weights after several steps, also when one of
 * the two updates its parameters in stripes on its threads. */
static void
test_network_deterministic (void)
{
  const size_t B = 16, in_size = 64;
  g_autoptr(NnNetwork) a = make_network ("conv(4,3,pad=1) relu maxpool(2) flatten dropout(0.3) "
                                         "dense(8) relu dense(3)", 1, 8, 8, 2, B, 5);
  g_autoptr(NnNetwork) b = make_network ("conv(4,3,pad=1) relu maxpool(2) flatten dropout(0.3) "
                                         "dense(8) relu dense(3)", 1, 8, 8, 2, B, 5);
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) oa = NULL;
  g_autoptr(NnOptimizer) ob = NULL;
  float x[16 * 64];
  guint8 labels[16];

  nn_optimizer_config_init (&c, NN_OPTIMIZER_ADAM);
  oa = nn_optimizer_new (&c, nn_network_get_n_params (a), NULL);
  ob = nn_optimizer_new (&c, nn_network_get_n_params (b), NULL);
  for (int step = 0; step < 10; step++)
    {
      fill_batch (x, labels, B, in_size, 3, 100 + step);
      nn_network_train_step (a, x, labels, B, step, NULL);
      nn_optimizer_step (oa, nn_network_get_params (a), nn_network_get_grads (a));
      nn_network_train_step (b, x, labels, B, step, NULL);
      nn_network_optimizer_step (b, ob);
    }
  g_assert_cmpmem (nn_network_get_params (a), sizeof (float) * nn_network_get_n_params (a),
                   nn_network_get_params (b), sizeof (float) * nn_network_get_n_params (b));
}

/* Every path a layer's work takes on threads: a fused im2col conv (one input channel), a fused
 * Winograd conv (eight), an unfused conv and pooling, dropout, dense layers that multiply by
 * GEMMs or, in slices of four samples or fewer, by dot products; odd and prime sizes. */
#define THREADS_SPEC "conv(8,3,pad=1) relu maxpool(2) conv(11,3,pad=1) relu maxpool(2) " \
                     "conv(5,2) relu maxpool(2) flatten dropout(0.25) dense(13) tanh dense(7)"

/* And the kinds that meet across the batch (batch norm), convs with a stride, average pooling. */
#define THREADS_BN_SPEC "conv(8,3,pad=1) bn relu maxpool(2) conv(11,3,pad=1,stride=2) bn relu " \
                        "gap flatten dense(13) bn relu dense(7)"

/* Strided convs first, groups of several images per GEMM, with label smoothing: the quick
 * recipe's kind of network. */
#define THREADS_STRIDED_SPEC "conv(6,5,stride=2,pad=2) bn relu conv(7,3,stride=2,pad=1) bn relu " \
                             "flatten dense(9) bn relu dense(7)"

/* Trains spec on 1×12×12 inputs for a few Adam steps with n_threads threads and returns its
 * parameters (and buffers), the last step's gradients appended. */
static float *
train_threads (const char *spec,
               size_t      n_threads,
               size_t      B,
               float       smoothing,
               size_t     *n_floats)
{
  const size_t in_size = 144;
  g_autoptr(NnNetwork) net = make_network (spec, 1, 12, 12, n_threads, B, 31);
  size_t n = nn_network_get_n_params (net);
  g_autofree float *x = g_new (float, B * in_size);
  g_autofree guint8 *labels = g_new (guint8, B);
  float *result = g_new (float, 2 * n);
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_ADAM);
  opt = nn_optimizer_new (&c, n, NULL);
  nn_network_set_label_smoothing (net, smoothing);
  for (int step = 0; step < 4; step++)
    {
      fill_batch (x, labels, B, in_size, 7, 200 + step);
      nn_network_train_step (net, x, labels, B, 50 + step, NULL);
      if (step < 3)
        nn_network_optimizer_step (net, opt);
    }
  memcpy (result, nn_network_get_params (net), sizeof (float) * n);
  memcpy (result + n, nn_network_get_grads (net), sizeof (float) * n);
  *n_floats = 2 * n;
  return result;
}

/* The same training twice gives the same weights at 1, 2, 3, 5 and 16 threads (more threads
 * than samples, and than this machine's cores); every count from two on gives the two-thread
 * weights, bit for bit: the batch splits into two gradient slices whatever the threads. */
static void
test_network_threads_deterministic (void)
{
  static const size_t counts[] = { 1, 2, 3, 5, 16 };
  static const size_t batches[] = { 13, 3, 13, 45 };
  static const char *const specs[] = { THREADS_SPEC, THREADS_SPEC, THREADS_BN_SPEC,
                                       THREADS_STRIDED_SPEC };

  for (size_t b = 0; b < G_N_ELEMENTS (batches); b++)
    {
      const char *spec = specs[b];
      /* label smoothing, which every thread count's loss must apply alike */
      float smoothing = b == 3 ? 0.1f : 0.0f;
      g_autofree float *two = NULL;
      g_autofree float *one = NULL;
      size_t n_two = 0, n_one = 0;

      for (size_t i = 0; i < G_N_ELEMENTS (counts); i++)
        {
          size_t n_first, n_second;
          g_autofree float *first = train_threads (spec, counts[i], batches[b], smoothing,
                                                   &n_first);
          g_autofree float *second = train_threads (spec, counts[i], batches[b], smoothing,
                                                    &n_second);

          g_test_message ("%s, batch %zu, %zu threads", spec, batches[b], counts[i]);
          g_assert_cmpmem (first, sizeof (float) * n_first, second, sizeof (float) * n_second);
          if (counts[i] == 1)
            {
              one = g_steal_pointer (&first);
              n_one = n_first;
            }
          else if (counts[i] == 2)
            {
              two = g_steal_pointer (&first);
              n_two = n_first;
            }
          else
            g_assert_cmpmem (first, sizeof (float) * n_first, two, sizeof (float) * n_two);
        }
      /* one slice and two differ (in rounding, and in dropout's masks, drawn per slice) */
      g_assert_cmpuint (n_one, ==, n_two);
      g_assert_true (memcmp (one, two, sizeof (float) * n_one) != 0);
    }
}

/* Layers sharing their work out compute what two threads compute, for single samples and odd
 * batches, prime channel counts, with and without Winograd: the gradient block after one step
 * bit for bit, and the predictions up to rounding (a slice of a few samples may take dot
 * products where the whole batch takes a GEMM). */
static void
test_network_team_matches_slices (void)
{
  static const char *const specs[] = {
    "conv(7,3,pad=1) relu maxpool(2) conv(13,3,pad=1) relu maxpool(2) flatten dense(11) relu "
    "dense(5)",
    "conv(11,3,pad=1) relu maxpool(2) conv(13,3,pad=1) relu maxpool(2) flatten dense(5)",
    "conv(3,5,pad=2) relu maxpool(2) conv(7,3) relu flatten dense(17) relu dense(3)",
    /* batch norms: met across the slices in training, folded at inference */
    "conv(11,3,pad=1) bn relu maxpool(2) conv(13,3,pad=1,stride=2) relu gap flatten dense(7) bn "
    "relu dense(5)",
  };
  static const size_t batches[] = { 1, 3, 13 };
  const size_t C = 3, in_size = 3 * 10 * 10;

  for (size_t s = 0; s < G_N_ELEMENTS (specs); s++)
    for (size_t b = 0; b < G_N_ELEMENTS (batches); b++)
      {
        size_t B = batches[b];
        g_autoptr(NnNetwork) two = make_network (specs[s], C, 10, 10, 2, B, 40 + s);
        g_autofree float *x = g_new (float, B * in_size);
        g_autofree guint8 *labels = g_new (guint8, B);
        g_autofree float *p_two = NULL;
        size_t n = nn_network_get_n_params (two), nc = nn_network_get_n_classes (two);
        double l_two;
        size_t c_two;

        fill_batch (x, labels, B, in_size, nc, 60 + b);
        p_two = g_new (float, B * nc);
        nn_network_predict (two, x, B, p_two);
        l_two = nn_network_train_step (two, x, labels, B, 3, &c_two);
        for (size_t threads = 3; threads <= 7; threads += 4)
          {
            g_autoptr(NnNetwork) team = make_network (specs[s], C, 10, 10, threads, B, 40 + s);
            g_autofree float *p_team = g_new (float, B * nc);
            size_t c_team;
            double l_team;

            g_test_message ("%s, batch %zu, %zu threads", specs[s], B, threads);
            nn_network_predict (team, x, B, p_team);
            for (size_t k = 0; k < B * nc; k++)
              g_assert_cmpfloat_with_epsilon (p_team[k], p_two[k], 1e-6);
            l_team = nn_network_train_step (team, x, labels, B, 3, &c_team);
            g_assert_cmpfloat (l_team, ==, l_two);
            g_assert_cmpuint (c_team, ==, c_two);
            g_assert_cmpmem (nn_network_get_grads (team), sizeof (float) * n,
                             nn_network_get_grads (two), sizeof (float) * n);
          }
      }
}

/* A batch whose im2col for the weight gradient does not fit the team's workspace at once (the
 * reference's conv2 at 160 images: chunks of 74, a slice boundary inside one) gives the
 * two-thread gradients bit for bit. */
static void
test_network_team_chunks (void)
{
  const size_t B = 160, in_size = 28 * 28;
  g_autoptr(NnNetwork) two = make_network (NN_SPEC_REFERENCE, 1, 28, 28, 2, B, 12);
  g_autoptr(NnNetwork) team = make_network (NN_SPEC_REFERENCE, 1, 28, 28, 3, B, 12);
  g_autofree float *x = g_new (float, B * in_size);
  g_autofree guint8 *labels = g_new (guint8, B);
  size_t n = nn_network_get_n_params (two);

  fill_batch (x, labels, B, in_size, 10, 13);
  g_assert_cmpfloat (nn_network_train_step (two, x, labels, B, 0, NULL), ==,
                     nn_network_train_step (team, x, labels, B, 0, NULL));
  g_assert_cmpmem (nn_network_get_grads (team), sizeof (float) * n, nn_network_get_grads (two),
                   sizeof (float) * n);
}

/* Predicting one image wakes no other thread: it takes the caller's alone at any thread count,
 * and gives what one thread gives. */
static void
test_network_predict_one_threads (void)
{
  const size_t in_size = 28 * 28;
  g_autoptr(NnNetwork) one = make_network (NN_SPEC_REFERENCE, 1, 28, 28, 1, 64, 8);
  g_autofree float *x = g_new (float, in_size);
  guint8 label;
  float p_one[10];

  fill_batch (x, &label, 1, in_size, 10, 9);
  nn_network_predict (one, x, 1, p_one);
  for (size_t threads = 2; threads <= 16; threads *= 2)
    {
      g_autoptr(NnNetwork) net = make_network (NN_SPEC_REFERENCE, 1, 28, 28, threads, 64, 8);
      float p[10];

      nn_network_predict (net, x, 1, p);
      for (int k = 0; k < 10; k++)
        g_assert_cmpfloat_with_epsilon (p[k], p_one[k], 1e-6);
    }
}

static void
count_visits (gpointer user_data,
              size_t   worker,
              size_t   lo,
              size_t   hi)
{
  guint *visits = user_data;

  g_assert_cmpuint (worker, <, 3);
  for (size_t i = lo; i < hi; i++)
    g_atomic_int_inc ((gint *) &visits[i]);
}

/* parallel_for covers every item once, in stripes that are multiples of align. */
static void
test_network_parallel_for (void)
{
  g_autoptr(NnNetwork) net = make_network (SMALL_SPEC, 1, 8, 8, 3, 6, 1);
  static const size_t sizes[] = { 1, 2, 3, 16, 17, 47, 1000 };

  for (size_t s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (size_t align = 1; align <= 16; align += 15)
      {
        g_autofree guint *visits = g_new0 (guint, sizes[s]);

        nn_network_parallel_for (net, sizes[s], align, count_visits, visits);
        for (size_t i = 0; i < sizes[s]; i++)
          g_assert_cmpuint (visits[i], ==, 1);
      }
}

/* A small network learns a small batch by heart. */
static void
test_network_overfits (void)
{
  const size_t B = 16, in_size = 64;
  g_autoptr(NnNetwork) net = make_network (SMALL_SPEC, 1, 8, 8, 2, B, 6);
  NnOptimizerConfig c;
  g_autoptr(NnOptimizer) opt = NULL;
  float x[16 * 64];
  guint8 labels[16];
  double first = 0, loss = 0;
  size_t correct = 0;

  nn_optimizer_config_init (&c, NN_OPTIMIZER_ADAM);
  c.learning_rate = 1e-2;
  opt = nn_optimizer_new (&c, nn_network_get_n_params (net), NULL);
  fill_batch (x, labels, B, in_size, 3, 13);
  for (int step = 0; step < 300; step++)
    {
      loss = nn_network_train_step (net, x, labels, B, 0, &correct) / B;
      if (step == 0)
        first = loss;
      nn_optimizer_step (opt, nn_network_get_params (net), nn_network_get_grads (net));
    }
  g_assert_cmpfloat (first, >, 0.5);
  g_assert_cmpfloat (loss, <, 0.05);
  g_assert_cmpuint (correct, ==, B);
}

static void
test_network_predict (void)
{
  const size_t in_size = 64, n = 37;
  g_autoptr(NnNetwork) net = make_network (SMALL_SPEC, 1, 8, 8, 2, 8, 7);
  g_autofree float *x = g_new (float, n * in_size);
  g_autofree guint8 *labels = g_new (guint8, n);
  g_autofree float *probs = g_new (float, n * 3);
  float single[3];

  fill_batch (x, labels, n, in_size, 3, 14);
  /* more samples than the reserved batch: predicted in chunks */
  nn_network_predict (net, x, n, probs);
  for (size_t i = 0; i < n; i++)
    {
      float sum = probs[3 * i] + probs[3 * i + 1] + probs[3 * i + 2];

      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
    }
  nn_network_predict (net, x + 20 * in_size, 1, single);
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (single[k], probs[20 * 3 + k], 1e-6);
}

/* Inference fuses conv → ReLU → max-pool and skips dropout: its probabilities must give the
 * same loss as the training forward pass on the same batch. */
static void
test_network_predict_matches_training (void)
{
  static const char *const specs[] = { NN_SPEC_REFERENCE,
                                       "conv(8,3,pad=1) relu maxpool(2) dropout(0) conv(6,3) relu "
                                       "maxpool(2) flatten dense(10)" };
  const size_t B = 13, in_size = 28 * 28;

  for (size_t s = 0; s < G_N_ELEMENTS (specs); s++)
    for (size_t threads = 1; threads <= 2; threads++)
      {
        g_autoptr(NnNetwork) net = make_network (specs[s], 1, 28, 28, threads, B, 21);
        g_autofree float *x = g_new (float, B * in_size);
        g_autofree guint8 *labels = g_new (guint8, B);
        g_autofree float *probs = g_new (float, B * 10);
        double loss, predicted_loss = 0;

        fill_batch (x, labels, B, in_size, 10, 22);
        loss = nn_network_train_step (net, x, labels, B, 1, NULL);
        nn_network_predict (net, x, B, probs);
        for (size_t b = 0; b < B; b++)
          predicted_loss -= log (probs[b * 10 + labels[b]]);
        g_assert_cmpfloat_with_epsilon (predicted_loss, loss, 1e-4 * loss);
      }
}

/* Sizes that come from input are bounded before anything is allocated: each case is refused with
 * TOO_LARGE (or BAD_SHAPE) at once, never by an abort in g_malloc. */
static void
test_network_limits (void)
{
  static const struct
  {
    const char *spec;
    size_t      C, H, W;
    int         code;
  } cases[] = {
    { "conv(1,1) flatten dense(2)", 4096, 4096, 4096, NN_NETWORK_ERROR_TOO_LARGE },
    { "flatten dense(2)", 1, 4097, 1, NN_NETWORK_ERROR_TOO_LARGE },
    { "flatten dense(2)", 4097, 1, 1, NN_NETWORK_ERROR_TOO_LARGE },
    { "flatten dense(2)", 1, 4096, 4097, NN_NETWORK_ERROR_TOO_LARGE },
    { "flatten dense(2)", 2, 4096, 4096, NN_NETWORK_ERROR_TOO_LARGE },
    { "flatten dense(2)", 0, 28, 28, NN_NETWORK_ERROR_BAD_SHAPE },
    { "flatten dense(2)", 1, 28, 0, NN_NETWORK_ERROR_BAD_SHAPE },
    /* 2^24 inputs × 65536 units: 2^40 parameters */
    { "flatten dense(65536) dense(10)", 1, 4096, 4096, NN_NETWORK_ERROR_TOO_LARGE },
    { "flatten dense(65536) dense(65536) dense(10)", 1, 28, 28, NN_NETWORK_ERROR_TOO_LARGE },
    /* 4096 channels of 4096 × 4096: 2^36 values in one activation */
    { "conv(4096,1) flatten dense(2)", 1, 4096, 4096, NN_NETWORK_ERROR_TOO_LARGE },
    { "conv(4096,15,pad=7) conv(4096,15,pad=7) flatten dense(2)", 1, 512, 512,
      NN_NETWORK_ERROR_TOO_LARGE },
  };
  g_autoptr(GError) error = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(NnSpec) spec = nn_spec_parse (cases[i].spec, &error);
      g_autoptr(NnNetwork) net = NULL;
      g_autofree NnLayer *plan = NULL;
      size_t n_params = 0;

      g_assert_no_error (error);
      net = nn_network_new (spec, cases[i].C, cases[i].H, cases[i].W, 1, &error);
      g_assert_null (net);
      g_assert_error (error, NN_NETWORK_ERROR, cases[i].code);
      g_clear_error (&error);
      plan = nn_network_plan (spec, cases[i].C, cases[i].H, cases[i].W, &n_params, &error);
      g_assert_null (plan);
      g_assert_error (error, NN_NETWORK_ERROR, cases[i].code);
      g_clear_error (&error);
    }

  /* a wide first layer builds, but a batch of 4096 would need hundreds of GiB: refused, and
   * the buffers already reserved stay usable */
  {
    g_autoptr(NnSpec) spec = nn_spec_parse ("conv(4096,3,pad=1) relu maxpool(2) flatten dense(10)",
                                            &error);
    g_autoptr(NnNetwork) net = NULL;
    g_autofree float *x = g_new0 (float, 2 * 28 * 28);
    float probs[20];

    g_assert_no_error (error);
    net = nn_network_new (spec, 1, 28, 28, 2, &error);
    g_assert_no_error (error);
    g_assert_true (nn_network_reserve (net, 2, &error));
    g_assert_false (nn_network_reserve (net, 4096, &error));
    g_assert_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE);
    g_assert_nonnull (strstr (error->message, "smaller batch"));
    g_clear_error (&error);
    g_assert_false (nn_network_reserve (net, 1 << 20, &error));
    g_assert_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_TOO_LARGE);
    g_clear_error (&error);
    nn_network_predict (net, x, 2, probs);
    for (size_t k = 0; k < 20; k++)
      g_assert_true (isfinite (probs[k]));
  }
}

/* nn_network_plan gives the very layers nn_network_new builds. */
static void
test_network_plan (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (NN_SPEC_REFERENCE, &error);
  g_autoptr(NnNetwork) net = nn_network_new (spec, 1, 28, 28, 1, &error);
  g_autofree NnLayer *plan = NULL;
  size_t n_params = 0;

  g_assert_no_error (error);
  plan = nn_network_plan (spec, 1, 28, 28, &n_params, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_params, ==, nn_network_get_n_params (net));
  g_assert_cmpuint (n_params, ==, 421642);
  for (size_t i = 0; i < spec->n_layers; i++)
    g_assert_cmpmem (&plan[i], sizeof (NnLayer), nn_network_get_layer (net, i), sizeof (NnLayer));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/network/shapes", test_network_shapes);
  g_test_add_func ("/engine/network/limits", test_network_limits);
  g_test_add_func ("/engine/network/plan", test_network_plan);
  g_test_add_func ("/engine/network/shape-errors", test_network_shape_errors);
  g_test_add_func ("/engine/network/gradcheck", test_network_gradcheck);
  g_test_add_func ("/engine/network/gradcheck-winograd", test_network_gradcheck_winograd);
  g_test_add_func ("/engine/network/threads-agree", test_network_threads_agree);
  g_test_add_func ("/engine/network/deterministic", test_network_deterministic);
  g_test_add_func ("/engine/network/threads-deterministic", test_network_threads_deterministic);
  g_test_add_func ("/engine/network/team-matches-slices", test_network_team_matches_slices);
  g_test_add_func ("/engine/network/team-chunks", test_network_team_chunks);
  g_test_add_func ("/engine/network/predict-one-threads", test_network_predict_one_threads);
  g_test_add_func ("/engine/network/parallel-for", test_network_parallel_for);
  g_test_add_func ("/engine/network/overfits", test_network_overfits);
  g_test_add_func ("/engine/network/predict", test_network_predict);
  g_test_add_func ("/engine/network/predict-matches-training",
                   test_network_predict_matches_training);
  return g_test_run ();
}
