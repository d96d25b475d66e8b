/* bench-explain.c: the time of one live update of the Inside view, part by part */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "nn-dataset.h"
#include "nn-explain.h"
#include "nn-model.h"

/* Usage: bench-explain [MODEL] [N_THREADS] [REPEATS]
 * MODEL: a model folder or file (default: the model shipped in data/model, else the reference
 * architecture with random weights). With DIGIT_LAB_MNIST_DIR set, the embeddings are those of
 * the 60,000 training images (loaded from the cache the app uses, or computed, timed and cached
 * there) and the inputs are test images; otherwise 60,000 random ReLU-like embeddings (the
 * search's worst case: no structure) and random strokes. The nearest-image search is timed
 * twice: with the index every made set of embeddings has, and as a plain scan of the rows.
 * Prints the median and 90th percentile of each part in milliseconds, one JSON line at the
 * end. Figures are wall-clock times: on a busy machine they are upper bounds. */

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  const char *name;
  double     *ms;
  double      median, p90;
} Part;

static void
summarise (Part   *part,
           size_t  n)
{
  qsort (part->ms, n, sizeof (double), compare_doubles);
  part->median = part->ms[n / 2];
  part->p90 = part->ms[(n * 9) / 10];
}

static double
now_ms (void)
{
  return (double) g_get_monotonic_time () / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  const char *model_path = argc > 1 && argv[1][0] != '\0' ? argv[1] : NULL;
  size_t n_threads = argc > 2 ? strtoul (argv[2], NULL, 10) : 1;
  size_t repeats = argc > 3 ? strtoul (argv[3], NULL, 10) : 200;
  const char *mnist = g_getenv ("DIGIT_LAB_MNIST_DIR");
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(NnEmbeddings) emb = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autofree char *default_model = NULL;
  g_autofree float *image = NULL;
  g_autofree float *saliency = NULL;
  g_autofree float *map = NULL;
  double embed_seconds = -1;
  gboolean trained = TRUE;
  gboolean from_cache = FALSE;
  g_autoptr(NnEmbeddings) plain = NULL;
  NnRng rng;
  Part parts[] = {
    { "forward", NULL, 0, 0 },
    { "saliency", NULL, 0, 0 },
    { "occlusion", NULL, 0, 0 },
    { "nearest-8", NULL, 0, 0 },
    { "nearest-8-plain-scan", NULL, 0, 0 },
    { "total", NULL, 0, 0 },
  };
  const size_t n_parts = G_N_ELEMENTS (parts);

  if (model_path == NULL)
    {
      default_model = g_build_filename (DL_SOURCE_ROOT, "data", "model", NULL);
      if (g_file_test (default_model, G_FILE_TEST_IS_DIR))
        model_path = default_model;
    }
  if (model_path != NULL)
    model = nn_model_load (model_path, MAX (n_threads, 1), &error);
  else
    {
      g_autoptr(NnSpec) spec = nn_spec_parse (NN_SPEC_REFERENCE, &error);
      static const char *const names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
                                           NULL };
      NnNormalisation norm = { 0.1307f, 0.3081f };

      model = nn_model_new (spec, 1, 28, 28, NULL, &norm, "mnist", names, MAX (n_threads, 1),
                            &error);
      if (model != NULL)
        {
          nn_rng_init (&rng, 1);
          nn_network_init_params (model->net, &rng);
        }
      trained = FALSE;
    }
  if (model == NULL)
    {
      fprintf (stderr, "bench-explain: %s\n", error->message);
      return 1;
    }
  ex = nn_explainer_new (model, MAX (n_threads, 1), &error);
  if (ex == NULL)
    {
      fprintf (stderr, "bench-explain: %s\n", error->message);
      return 1;
    }

  if (mnist != NULL)
    {
      ds = nn_dataset_load_dir (mnist, &error);
      if (ds == NULL)
        {
          fprintf (stderr, "bench-explain: %s\n", error->message);
          return 1;
        }
    }
  if (ds != NULL)
    {
      /* every core for the one-off computation, as the app's worker would */
      g_autoptr(NnModel) worker = nn_model_copy (model, g_get_num_processors (), &error);
      double start;

      start = now_ms ();
      if (worker != NULL)
        emb = nn_embeddings_load_or_compute (worker, ds->train, NULL, NULL, &from_cache, &error);
      if (emb == NULL)
        {
          fprintf (stderr, "bench-explain: %s\n", error->message);
          return 1;
        }
      embed_seconds = (now_ms () - start) / 1000.0;
    }
  else
    {
      size_t dim;
      float *values;
      double start;

      nn_explainer_get_embedding (ex, &dim);
      values = g_new (float, 60000 * dim);
      nn_rng_init (&rng, 2);
      for (size_t k = 0; k < 60000 * dim; k++)
        values[k] = nn_rng_uniform (&rng) < 0.5f ? 0.0f : 3.0f * nn_rng_uniform (&rng);
      start = now_ms ();
      emb = nn_embeddings_new_take (values, 60000, dim);
      embed_seconds = (now_ms () - start) / 1000.0;
    }

  /* the same rows without the search's index */
  plain = g_new0 (NnEmbeddings, 1);
  g_atomic_ref_count_init (&plain->ref_count);
  plain->n = emb->n;
  plain->dim = emb->dim;
  plain->values = g_memdup2 (emb->values, sizeof (float) * emb->n * emb->dim);

  image = g_new (float, 28 * 28);
  saliency = g_new (float, 28 * 28);
  map = g_new (float, 28 * 28);
  for (size_t p = 0; p < n_parts; p++)
    parts[p].ms = g_new (double, MAX (repeats, 1));
  nn_rng_init (&rng, 3);
  for (size_t r = 0; r < repeats; r++)
    {
      NnNeighbour nb[8];
      double t0, t1, t2, t3, t4, t5;
      size_t predicted;

      if (ds != NULL)
        {
          const guint8 *px = ds->test->pixels + (r % ds->test->n_images) * 784;

          for (size_t k = 0; k < 784; k++)
            image[k] = (float) px[k] / 255.0f;
        }
      else
        for (size_t k = 0; k < 784; k++)
          image[k] = nn_rng_uniform (&rng) < 0.2f ? nn_rng_uniform (&rng) : 0.0f;

      t0 = now_ms ();
      if (!nn_explainer_run (ex, image, 784, &error))
        break;
      predicted = nn_explainer_get_predicted (ex);
      t1 = now_ms ();
      if (!nn_explainer_saliency (ex, predicted, saliency, &error))
        break;
      t2 = now_ms ();
      if (!nn_explainer_occlusion (ex, NN_EXPLAIN_OCCLUSION_PATCH, NN_EXPLAIN_OCCLUSION_STRIDE,
                                   &error) ||
          !nn_explainer_get_occlusion (ex, predicted, map))
        break;
      t3 = now_ms ();
      nn_embeddings_nearest (emb, nn_explainer_get_embedding (ex, NULL), 8, nb);
      t4 = now_ms ();
      nn_embeddings_nearest (plain, nn_explainer_get_embedding (ex, NULL), 8, nb);
      t5 = now_ms ();
      parts[0].ms[r] = t1 - t0;
      parts[1].ms[r] = t2 - t1;
      parts[2].ms[r] = t3 - t2;
      parts[3].ms[r] = t4 - t3;
      parts[4].ms[r] = t5 - t4;
      /* the update: everything but the plain scan */
      parts[5].ms[r] = t4 - t0;
    }
  if (error != NULL)
    {
      fprintf (stderr, "bench-explain: %s\n", error->message);
      return 1;
    }

  printf ("model: %s (%s weights), %zu thread(s), %zu updates, %zu×%zu embeddings (%s)\n",
          model_path != NULL ? model_path : "reference architecture", trained ? "trained" : "random",
          MAX (n_threads, 1), repeats, emb->n, emb->dim, ds != NULL ? "MNIST training set" : "random");
  if (ds != NULL)
    printf ("embeddings of the training set %s, %u threads, with the search's index: %.2f s\n",
            from_cache ? "loaded from the cache" : "computed and cached",
            g_get_num_processors (), embed_seconds);
  else
    printf ("the search's index of the random embeddings: %.2f s\n", embed_seconds);
  printf ("occlusion: %d×%d patches at a stride of %d\n", NN_EXPLAIN_OCCLUSION_PATCH,
          NN_EXPLAIN_OCCLUSION_PATCH, NN_EXPLAIN_OCCLUSION_STRIDE);
  for (size_t p = 0; p < n_parts; p++)
    {
      summarise (&parts[p], MAX (repeats, 1));
      printf ("%-20s median %7.3f ms   p90 %7.3f ms\n", parts[p].name, parts[p].median,
              parts[p].p90);
    }
  printf ("{\"threads\": %zu, \"updates\": %zu, \"embeddings\": %zu, \"embed_seconds\": %.3f",
          MAX (n_threads, 1), repeats, emb->n, embed_seconds);
  printf (", \"mnist\": %s, \"from_cache\": %s", ds != NULL ? "true" : "false",
          from_cache ? "true" : "false");
  for (size_t p = 0; p < n_parts; p++)
    printf (", \"%s_ms\": %.3f", parts[p].name, parts[p].median);
  printf ("}\n");

  for (size_t p = 0; p < n_parts; p++)
    g_free (parts[p].ms);
  return 0;
}
