/* nn-dataset.c: loading the four IDX files of a dataset folder, pixel statistics, splits */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-dataset.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "nn-idx.h"
#include "nn-rng.h"

G_DEFINE_QUARK (nn-dataset-error-quark, nn_dataset_error)

static const char *const fashion_names[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL,
};

NnImageSet *
nn_image_set_new (size_t n_images,
                  size_t rows,
                  size_t cols)
{
  NnImageSet *set;

  g_return_val_if_fail (rows == 0 || cols <= G_MAXSIZE / rows, NULL);
  g_return_val_if_fail (rows * cols == 0 || n_images <= G_MAXSIZE / (rows * cols), NULL);

  set = g_new0 (NnImageSet, 1);
  set->ref_count = 1;
  set->n_images = n_images;
  set->rows = rows;
  set->cols = cols;
  set->pixels = g_new0 (guint8, MAX (n_images * rows * cols, 1));
  set->labels = g_new0 (guint8, MAX (n_images, 1));
  return set;
}

NnImageSet *
nn_image_set_ref (NnImageSet *set)
{
  g_return_val_if_fail (set != NULL, NULL);

  g_atomic_int_inc (&set->ref_count);
  return set;
}

void
nn_image_set_unref (NnImageSet *set)
{
  if (set == NULL || !g_atomic_int_dec_and_test (&set->ref_count))
    return;
  g_free (set->pixels);
  g_free (set->labels);
  g_free (set);
}

NnImageSet *
nn_image_set_load (const char  *images_path,
                   const char  *labels_path,
                   size_t       n_classes,
                   GError     **error)
{
  g_autoptr(NnImageSet) set = NULL;
  size_t n_labels;

  g_return_val_if_fail (images_path != NULL && labels_path != NULL, NULL);
  g_return_val_if_fail (n_classes >= 1 && n_classes <= 256, NULL);

  set = g_new0 (NnImageSet, 1);
  set->ref_count = 1;

  set->pixels = nn_idx_load_images (images_path, &set->n_images, &set->rows, &set->cols, error);
  if (set->pixels == NULL)
    return NULL;
  set->labels = nn_idx_load_labels (labels_path, &n_labels, error);
  if (set->labels == NULL)
    return NULL;
  if (n_labels != set->n_images)
    {
      g_autofree char *a = g_path_get_basename (images_path);
      g_autofree char *b = g_path_get_basename (labels_path);

      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_COUNT_MISMATCH,
                   "%s holds %zu images but %s holds %zu labels", a, set->n_images, b, n_labels);
      return NULL;
    }
  for (size_t i = 0; i < n_labels; i++)
    if (set->labels[i] >= n_classes)
      {
        g_autofree char *b = g_path_get_basename (labels_path);

        g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_LABEL,
                     "%s: label %u of image %zu is not a class (0–%zu)", b, set->labels[i], i,
                     n_classes - 1);
        return NULL;
      }
  return g_steal_pointer (&set);
}

/* The first variant of an MNIST file name in dir that is a regular file, else the first that
 * is there at all (a folder, a FIFO, a link to a folder) so that reading it says what is wrong,
 * else NULL. A link to nothing, or a loop of links, is an error here. */
static char *
find_file (const char  *dir,
           const char  *prefix,
           const char  *kind,
           GError     **error)
{
  const char *const forms[] = { "%s-%s", "%s-%s.gz", "%s.%s", "%s.%s.gz" };
  g_autofree char *present = NULL;

  for (size_t i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *name = g_strdup_printf (forms[i], prefix, kind);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf info;

      if (g_stat (path, &info) == 0)
        {
          if (S_ISREG (info.st_mode))
            return g_steal_pointer (&path);
          if (present == NULL)
            present = g_steal_pointer (&path);
        }
      else if (present == NULL && g_lstat (path, &info) == 0)
        {
          int saved = errno;

          /* there, but g_stat failed: a link to nothing (ENOENT) or a loop of links (ELOOP) */
          g_set_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE,
                       saved == ENOENT ? "%s is a link to a file that does not exist"
                                       : "%s cannot be read: %s", path, g_strerror (saved));
          return NULL;
        }
    }
  if (present == NULL)
    g_set_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE,
                 "%s has no %s-%s (or .gz) file", dir, prefix, kind);
  return g_steal_pointer (&present);
}

NnDataset *
nn_dataset_load_dir (const char  *dir,
                     GError     **error)
{
  static const struct { const char *prefix, *kind; } names[4] = {
    { "train-images", "idx3-ubyte" }, { "train-labels", "idx1-ubyte" },
    { "t10k-images", "idx3-ubyte" }, { "t10k-labels", "idx1-ubyte" },
  };
  g_autoptr(NnDataset) ds = NULL;
  g_autofree char *base = NULL;
  g_autofree char *lower = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE,
                   g_file_test (dir, G_FILE_TEST_EXISTS) ? "%s is not a folder"
                                                         : "The dataset folder %s does not exist",
                   dir);
      return NULL;
    }
  ds = nn_dataset_new ();
  ds->dir = g_strdup (dir);
  for (int i = 0; i < 4; i++)
    {
      ds->files[i] = find_file (dir, names[i].prefix, names[i].kind, error);
      if (ds->files[i] == NULL)
        return NULL;
    }

  base = g_path_get_basename (dir);
  lower = g_ascii_strdown (base, -1);
  ds->n_classes = 10;
  if (strstr (lower, "fashion") != NULL)
    {
      ds->kind = NN_DATASET_FASHION_MNIST;
      ds->name = g_strdup ("fashion-mnist");
      ds->class_names = g_strdupv ((char **) fashion_names);
    }
  else
    {
      ds->kind = NN_DATASET_MNIST;
      ds->name = g_strdup ("mnist");
      ds->class_names = g_new0 (char *, 11);
      for (int k = 0; k < 10; k++)
        ds->class_names[k] = g_strdup_printf ("%d", k);
    }

  ds->train = nn_image_set_load (ds->files[0], ds->files[1], ds->n_classes, error);
  if (ds->train == NULL)
    return NULL;
  ds->test = nn_image_set_load (ds->files[2], ds->files[3], ds->n_classes, error);
  if (ds->test == NULL)
    return NULL;
  if (ds->train->rows != ds->test->rows || ds->train->cols != ds->test->cols)
    {
      g_set_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISMATCH,
                   "Training images are %zu×%zu but test images are %zu×%zu", ds->train->rows,
                   ds->train->cols, ds->test->rows, ds->test->cols);
      return NULL;
    }
  return g_steal_pointer (&ds);
}

NnDataset *
nn_dataset_new (void)
{
  NnDataset *ds = g_new0 (NnDataset, 1);

  ds->ref_count = 1;
  return ds;
}

NnDataset *
nn_dataset_ref (NnDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);

  g_atomic_int_inc (&ds->ref_count);
  return ds;
}

void
nn_dataset_unref (NnDataset *ds)
{
  if (ds == NULL || !g_atomic_int_dec_and_test (&ds->ref_count))
    return;
  g_free (ds->name);
  g_free (ds->dir);
  g_strfreev (ds->class_names);
  nn_image_set_unref (ds->train);
  nn_image_set_unref (ds->test);
  for (int i = 0; i < 4; i++)
    g_free (ds->files[i]);
  g_free (ds);
}

void
nn_image_set_mean_std (const NnImageSet *set,
                       const guint32    *indices,
                       size_t            n_indices,
                       double           *mean,
                       double           *std)
{
  size_t in_size = set->rows * set->cols;
  size_t n = indices != NULL ? n_indices : set->n_images;
  guint64 hist[256] = { 0 };
  double total, sum = 0, sum2 = 0, m;

  /* a histogram makes the sums exact and independent of order */
  for (size_t i = 0; i < n; i++)
    {
      const guint8 *p = set->pixels + (size_t) (indices != NULL ? indices[i] : i) * in_size;

      for (size_t k = 0; k < in_size; k++)
        hist[p[k]]++;
    }
  total = (double) n * in_size;
  for (int v = 0; v < 256; v++)
    {
      sum += (double) hist[v] * v;
      sum2 += (double) hist[v] * v * v;
    }
  if (total == 0)
    {
      *mean = *std = 0;
      return;
    }
  m = sum / total;
  *mean = m / 255.0;
  *std = sqrt (MAX (0.0, sum2 / total - m * m)) / 255.0;
}

static int
compare_u32 (const void *a,
             const void *b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

void
nn_split_indices (size_t   n,
                  size_t   n_val,
                  guint64  seed,
                  guint32 *train_idx,
                  guint32 *val_idx)
{
  g_autofree guint32 *perm = NULL;
  NnRng rng;

  g_return_if_fail (n_val <= n && n <= G_MAXUINT32);

  perm = g_new (guint32, MAX (n, 1));
  for (size_t i = 0; i < n; i++)
    perm[i] = (guint32) i;
  nn_rng_init (&rng, seed ^ G_GUINT64_CONSTANT (0x5851F42D4C957F2D));
  nn_rng_shuffle (&rng, perm, n);
  memcpy (val_idx, perm, sizeof (guint32) * n_val);
  memcpy (train_idx, perm + n_val, sizeof (guint32) * (n - n_val));
  qsort (val_idx, n_val, sizeof (guint32), compare_u32);
  qsort (train_idx, n - n_val, sizeof (guint32), compare_u32);
}
