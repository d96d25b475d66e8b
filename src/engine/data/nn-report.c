/* nn-report.c: one pass per split for counts and statistics, hashing for duplicates */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-report.h"

#include <math.h>
#include <string.h>

#include "nn-file.h"
#include "nn-json.h"

/* FNV-1a over an image: fast, and collisions are settled by comparing bytes. */
static guint64
hash_image (const guint8 *p,
            size_t        n)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

typedef struct
{
  const guint8 *pixels;
  size_t        size;
} ImageKey;

static guint
image_key_hash (gconstpointer key)
{
  const ImageKey *k = key;
  guint64 h = hash_image (k->pixels, k->size);

  return (guint) (h ^ (h >> 32));
}

static gboolean
image_key_equal (gconstpointer a,
                 gconstpointer b)
{
  const ImageKey *x = a, *y = b;

  return memcmp (x->pixels, y->pixels, x->size) == 0;
}

static char *
file_sha256 (const char  *path,
             GError     **error)
{
  g_autofree char *contents = NULL;
  gsize size;

  if (path == NULL)
    return g_strdup ("");
  if (!nn_file_read (path, NN_FILE_MAX_DATA, &contents, &size, error))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) contents, size);
}

static void
split_report (NnSplitReport    *r,
              const char       *name,
              const NnImageSet *set,
              size_t            n_classes,
              ImageKey         *keys,     /* (n_images), filled here */
              GHashTable       *seen)     /* ImageKey → first index + 1 */
{
  size_t in_size = set->rows * set->cols;
  double *sums = g_new0 (double, n_classes * in_size);
  double total, sum = 0, sum2 = 0;

  r->name = name;
  r->n_images = set->n_images;
  r->rows = set->rows;
  r->cols = set->cols;
  r->class_counts = g_new0 (guint32, n_classes);
  r->label_min = 255;
  r->label_max = 0;
  for (size_t i = 0; i < set->n_images; i++)
    {
      const guint8 *p = set->pixels + i * in_size;
      guint label = set->labels[i];
      double *s = sums + (size_t) MIN (label, n_classes - 1) * in_size;
      size_t lit = 0;
      gpointer first;

      r->label_min = MIN (r->label_min, label);
      r->label_max = MAX (r->label_max, label);
      if (label < n_classes)
        r->class_counts[label]++;
      for (size_t k = 0; k < in_size; k++)
        {
          r->histogram[p[k]]++;
          lit += p[k] != 0;
          s[k] += p[k];
        }
      r->n_blank += lit == 0;
      r->n_near_blank += lit < NN_REPORT_NEAR_BLANK;

      keys[i] = (ImageKey) { p, in_size };
      if (g_hash_table_lookup_extended (seen, &keys[i], NULL, &first))
        {
          if (r->n_duplicate_examples < NN_REPORT_MAX_EXAMPLES)
            {
              r->duplicate_examples[r->n_duplicate_examples][0] = GPOINTER_TO_UINT (first) - 1;
              r->duplicate_examples[r->n_duplicate_examples][1] = (guint32) i;
              r->n_duplicate_examples++;
            }
          r->n_duplicates++;
        }
      else
        g_hash_table_insert (seen, &keys[i], GUINT_TO_POINTER ((guint) i + 1));
    }

  total = (double) set->n_images * in_size;
  for (int v = 0; v < 256; v++)
    {
      sum += (double) r->histogram[v] * v;
      sum2 += (double) r->histogram[v] * v * v;
    }
  r->mean = total > 0 ? sum / total / 255.0 : 0;
  r->std = total > 0 ? sqrt (MAX (0.0, sum2 / total - (sum / total) * (sum / total))) / 255.0 : 0;

  r->class_means = g_new0 (float, n_classes * in_size);
  for (size_t c = 0; c < n_classes; c++)
    for (size_t k = 0; k < in_size; k++)
      if (r->class_counts[c] > 0)
        r->class_means[c * in_size + k] = (float) (sums[c * in_size + k] /
                                                   (255.0 * r->class_counts[c]));
  g_free (sums);
}

NnReport *
nn_report_new (const NnDataset  *ds,
               GError          **error)
{
  g_autoptr(NnReport) report = g_new0 (NnReport, 1);
  const NnImageSet *sets[2];
  g_autofree ImageKey *train_keys = NULL;
  g_autofree ImageKey *test_keys = NULL;
  g_autoptr(GHashTable) train_seen = NULL;
  g_autoptr(GHashTable) test_seen = NULL;

  g_return_val_if_fail (ds != NULL && ds->train != NULL && ds->test != NULL, NULL);

  sets[0] = ds->train;
  sets[1] = ds->test;
  report->dataset = g_strdup (ds->name);
  report->dir = g_strdup (ds->dir);
  report->n_classes = ds->n_classes;
  report->class_names = g_strdupv (ds->class_names);

  train_keys = g_new (ImageKey, MAX (ds->train->n_images, 1));
  test_keys = g_new (ImageKey, MAX (ds->test->n_images, 1));
  train_seen = g_hash_table_new (image_key_hash, image_key_equal);
  test_seen = g_hash_table_new (image_key_hash, image_key_equal);
  split_report (&report->splits[0], "train", sets[0], ds->n_classes, train_keys, train_seen);
  split_report (&report->splits[1], "test", sets[1], ds->n_classes, test_keys, test_seen);

  for (size_t i = 0; i < ds->test->n_images; i++)
    {
      gpointer first;

      if (g_hash_table_lookup_extended (train_seen, &test_keys[i], NULL, &first))
        {
          if (report->n_cross_examples < NN_REPORT_MAX_EXAMPLES)
            {
              report->cross_examples[report->n_cross_examples][0] = GPOINTER_TO_UINT (first) - 1;
              report->cross_examples[report->n_cross_examples][1] = (guint32) i;
              report->n_cross_examples++;
            }
          report->n_cross_duplicates++;
        }
    }

  for (int s = 0; s < 2; s++)
    for (int f = 0; f < 2; f++)
      {
        report->splits[s].sha256[f] = file_sha256 (ds->files[2 * s + f], error);
        if (report->splits[s].sha256[f] == NULL)
          return NULL;
      }
  return g_steal_pointer (&report);
}

void
nn_report_free (NnReport *report)
{
  if (report == NULL)
    return;
  for (int s = 0; s < 2; s++)
    {
      g_free (report->splits[s].class_counts);
      g_free (report->splits[s].class_means);
      g_free (report->splits[s].sha256[0]);
      g_free (report->splits[s].sha256[1]);
    }
  g_free (report->dataset);
  g_free (report->dir);
  g_strfreev (report->class_names);
  g_free (report);
}

char *
nn_report_to_text (const NnReport *r)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (r != NULL, NULL);

  g_string_append_printf (s, "Dataset     %s (%s)\n", r->dataset, r->dir);
  for (int i = 0; i < 2; i++)
    {
      const NnSplitReport *sp = &r->splits[i];

      g_string_append_printf (s, "%-11s %zu images of %zu×%zu, labels %u–%u, pixel mean %.4f, "
                              "std %.4f\n", i == 0 ? "Training" : "Test", sp->n_images, sp->rows,
                              sp->cols, sp->label_min, sp->label_max, sp->mean, sp->std);
      g_string_append_printf (s, "            %zu blank, %zu near-blank (< %d lit pixels), %zu "
                              "exact duplicates\n", sp->n_blank, sp->n_near_blank,
                              NN_REPORT_NEAR_BLANK, sp->n_duplicates);
      g_string_append_printf (s, "            sha256 %s (images)\n            sha256 %s (labels)\n",
                              sp->sha256[0], sp->sha256[1]);
    }
  g_string_append_printf (s, "Overlap     %zu test images also appear in the training set\n\n",
                          r->n_cross_duplicates);
  g_string_append_printf (s, "%-14s %8s %8s\n", "class", "train", "test");
  for (size_t c = 0; c < r->n_classes; c++)
    g_string_append_printf (s, "%-14s %8u %8u\n", r->class_names[c],
                            r->splits[0].class_counts[c], r->splits[1].class_counts[c]);
  return g_string_free (s, FALSE);
}

static void
write_uint_member (NnJsonWriter *w,
                   const char   *key,
                   guint64       value)
{
  nn_json_write_key (w, key);
  nn_json_write_uint (w, value);
}

static void
write_pairs (NnJsonWriter  *w,
             const guint32  pairs[][2],
             size_t         n)
{
  nn_json_write_begin_array (w, NN_JSON_INLINE);
  for (size_t i = 0; i < n; i++)
    {
      nn_json_write_begin_array (w, NN_JSON_INLINE);
      nn_json_write_uint (w, pairs[i][0]);
      nn_json_write_uint (w, pairs[i][1]);
      nn_json_write_end_array (w);
    }
  nn_json_write_end_array (w);
}

/* Every number through nn-json, so the report reads the same in every locale. */
static void
write_split_json (NnJsonWriter        *w,
                  const NnSplitReport *sp,
                  size_t               n_classes)
{
  size_t in_size = sp->rows * sp->cols;

  nn_json_write_begin_object (w, NN_JSON_INLINE);
  write_uint_member (w, "images", sp->n_images);
  write_uint_member (w, "rows", sp->rows);
  write_uint_member (w, "cols", sp->cols);
  write_uint_member (w, "label_min", sp->label_min);
  write_uint_member (w, "label_max", sp->label_max);
  write_uint_member (w, "blank", sp->n_blank);
  write_uint_member (w, "near_blank", sp->n_near_blank);
  write_uint_member (w, "duplicates", sp->n_duplicates);
  nn_json_write_key (w, "mean");
  nn_json_write_double (w, sp->mean);
  nn_json_write_key (w, "std");
  nn_json_write_double (w, sp->std);
  nn_json_write_key (w, "sha256_images");
  nn_json_write_string (w, sp->sha256[0]);
  nn_json_write_key (w, "sha256_labels");
  nn_json_write_string (w, sp->sha256[1]);
  nn_json_write_key (w, "duplicate_examples");
  write_pairs (w, sp->duplicate_examples, sp->n_duplicate_examples);
  nn_json_write_key (w, "class_counts");
  nn_json_write_begin_array (w, NN_JSON_INLINE);
  for (size_t c = 0; c < n_classes; c++)
    nn_json_write_uint (w, sp->class_counts[c]);
  nn_json_write_end_array (w);
  nn_json_write_key (w, "histogram");
  nn_json_write_begin_array (w, NN_JSON_INLINE);
  for (int v = 0; v < 256; v++)
    nn_json_write_uint (w, sp->histogram[v]);
  nn_json_write_end_array (w);
  nn_json_write_key (w, "class_means");
  nn_json_write_begin_array (w, NN_JSON_INLINE);
  for (size_t c = 0; c < n_classes; c++)
    {
      nn_json_write_begin_array (w, NN_JSON_INLINE);
      for (size_t k = 0; k < in_size; k++)
        nn_json_write_number_fmt (w, "%.4g", sp->class_means[c * in_size + k]);
      nn_json_write_end_array (w);
    }
  nn_json_write_end_array (w);
  nn_json_write_end_object (w);
}

char *
nn_report_to_json (const NnReport *r)
{
  GString *s;
  NnJsonWriter w;
  /* a folder name need not be UTF-8; JSON must be */
  g_autofree char *dir = NULL;

  g_return_val_if_fail (r != NULL, NULL);

  s = g_string_new (NULL);
  dir = g_utf8_make_valid (r->dir != NULL ? r->dir : "", -1);
  nn_json_writer_init (&w, s, TRUE);
  nn_json_write_begin_object (&w, NN_JSON_INLINE);
  nn_json_write_key (&w, "dataset");
  nn_json_write_string (&w, r->dataset);
  nn_json_write_key (&w, "dir");
  nn_json_write_string (&w, dir);
  nn_json_write_key (&w, "class_names");
  nn_json_write_begin_array (&w, NN_JSON_INLINE);
  for (size_t c = 0; c < r->n_classes; c++)
    nn_json_write_string (&w, r->class_names[c]);
  nn_json_write_end_array (&w);
  nn_json_write_key (&w, "train");
  write_split_json (&w, &r->splits[0], r->n_classes);
  nn_json_write_key (&w, "test");
  write_split_json (&w, &r->splits[1], r->n_classes);
  write_uint_member (&w, "cross_duplicates", r->n_cross_duplicates);
  nn_json_write_key (&w, "cross_examples");
  write_pairs (&w, r->cross_examples, r->n_cross_examples);
  nn_json_write_end_object (&w);
  return g_string_free (s, FALSE);
}
