/* bench-train.c: training and inference throughput of the engine on the reference recipe or another architecture */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn-gemm.h"
#include "nn-network.h"
#include "nn-optimizer.h"
#include "nn-preprocess.h"

/* Prints one JSON line; pass the number of batches and threads as arguments, and optionally an
 * architecture spec (the reference's by default). Random inputs: the throughput of dense kernels
 * does not depend on the pixel values. */
int
main (int   argc,
      char *argv[])
{
  size_t n_batches = argc > 1 ? strtoul (argv[1], NULL, 10) : 200;
  size_t n_threads = argc > 2 ? strtoul (argv[2], NULL, 10) : g_get_num_processors ();
  const size_t B = 64, in_size = 28 * 28;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (argc > 3 ? argv[3] : NN_SPEC_REFERENCE, &error);
  g_autoptr(NnNetwork) net = NULL;
  g_autoptr(NnNetwork) single = NULL;
  g_autoptr(NnOptimizer) opt = NULL;
  NnOptimizerConfig oc;
  NnRng rng;
  g_autofree float *x = NULL;
  g_autofree guint8 *labels = NULL;
  g_autofree float *probs = NULL;
  double best_train = 0, best_infer = 0, best_single_ms = G_MAXDOUBLE, best_draw_ms = G_MAXDOUBLE;
  double best_single_threads_ms = G_MAXDOUBLE;
  double flops, gemm_peak = 0;
  const size_t n_data = 8 * B;

  if (spec == NULL)
    {
      fprintf (stderr, "bench-train: %s\n", error->message);
      return 1;
    }
  net = nn_network_new (spec, 1, 28, 28, n_threads, &error);
  if (net == NULL || !nn_network_reserve (net, 256, &error))
    {
      fprintf (stderr, "bench-train: %s\n", error->message);
      return 1;
    }
  nn_rng_init (&rng, 1);
  nn_network_init_params (net, &rng);
  nn_optimizer_config_init (&oc, NN_OPTIMIZER_ADAM);
  opt = nn_optimizer_new (&oc, nn_network_get_n_params (net), NULL);
  x = g_new (float, n_data * in_size);
  labels = g_new (guint8, n_data);
  probs = g_new (float, n_data * 10);
  for (size_t i = 0; i < n_data * in_size; i++)
    x[i] = nn_rng_normal (&rng);
  for (size_t i = 0; i < n_data; i++)
    labels[i] = (guint8) nn_rng_below (&rng, 10);

  for (int rep = 0; rep < 4; rep++)
    {
      gint64 start = g_get_monotonic_time ();
      double seconds;

      for (size_t b = 0; b < n_batches; b++)
        {
          size_t off = (b % (n_data / B)) * B;

          nn_network_train_step (net, x + off * in_size, labels + off, B, b, NULL);
          nn_network_optimizer_step (net, opt);
        }
      seconds = (g_get_monotonic_time () - start) / 1e6;
      if (rep > 0)   /* the first round warms caches and page tables */
        best_train = MAX (best_train, n_batches * B / seconds);
    }

  for (int rep = 0; rep < 5; rep++)
    {
      gint64 start = g_get_monotonic_time ();

      for (int r = 0; r < 20; r++)
        nn_network_predict (net, x, n_data, probs);
      best_infer = MAX (best_infer, 20.0 * n_data / ((g_get_monotonic_time () - start) / 1e6));
    }

  /* one image on the network with all its threads: the latency must not grow with them */
  for (int rep = 0; rep < 5; rep++)
    {
      gint64 start = g_get_monotonic_time ();

      for (int r = 0; r < 200; r++)
        nn_network_predict (net, x + (r % n_data) * in_size, 1, probs);
      best_single_threads_ms = MIN (best_single_threads_ms,
                                    (g_get_monotonic_time () - start) / 1e3 / 200);
    }

  single = nn_network_new (spec, 1, 28, 28, 1, &error);
  nn_network_reserve (single, 1, &error);
  memcpy (nn_network_get_params (single), nn_network_get_params (net),
          sizeof (float) * nn_network_get_n_params (net));
  for (int rep = 0; rep < 5; rep++)
    {
      gint64 start = g_get_monotonic_time ();

      for (int r = 0; r < 200; r++)
        nn_network_predict (single, x + (r % n_data) * in_size, 1, probs);
      best_single_ms = MIN (best_single_ms, (g_get_monotonic_time () - start) / 1e3 / 200);
    }

  /* what the drawing canvas does per stroke: a 280×280 picture to a prediction */
  {
    g_autofree guint8 *gray = g_new0 (guint8, 280 * 280);
    float image[28 * 28];

    for (int y = 60; y < 220; y++)
      for (int col = 120; col < 150; col++)
        gray[y * 280 + col + (y - 60) / 4] = 255;
    for (int rep = 0; rep < 5; rep++)
      {
        gint64 start = g_get_monotonic_time ();

        for (int r = 0; r < 200; r++)
          {
            nn_preprocess_digit (image, gray, 280, 280, 280, NULL);
            nn_network_predict (single, image, 1, probs);
          }
        best_draw_ms = MIN (best_draw_ms, (g_get_monotonic_time () - start) / 1e3 / 200);
      }
  }

  /* the machine's GEMM peak for comparison: one core, a square product that fits the caches */
  {
    const size_t n = 512;
    g_autofree float *a = g_new (float, n * n);
    g_autofree float *b = g_new (float, n * n);
    g_autofree float *c = g_new (float, n * n);

    for (size_t i = 0; i < n * n; i++)
      a[i] = b[i] = nn_rng_normal (&rng);
    for (int rep = 0; rep < 5; rep++)
      {
        gint64 start = g_get_monotonic_time ();
        double seconds;

        nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        seconds = (g_get_monotonic_time () - start) / 1e6;
        gemm_peak = MAX (gemm_peak, 2.0 * n * n * n / seconds / 1e9);
      }
  }

  /* forward + backward ≈ 3 × forward; the first layer skips its input gradient. These are the
   * FLOPs of direct convolution: Winograd does the same work in fewer, so the rate is effective */
  flops = 3 * nn_network_get_flops_per_sample (net);
  printf ("{\"kernel\": \"%s\", \"threads\": %zu, \"train_images_per_second\": %.1f, "
          "\"train_gflops\": %.1f, \"infer_images_per_second\": %.1f, \"single_image_ms\": %.4f, "
          "\"single_image_threads_ms\": %.4f, \"preprocess_predict_ms\": %.4f, "
          "\"gemm_peak_gflops_per_core\": %.1f}\n",
          nn_sgemm_kernel_name (), n_threads, best_train, best_train * flops / 1e9, best_infer,
          best_single_ms, best_single_threads_ms, best_draw_ms, gemm_peak);
  return 0;
}
