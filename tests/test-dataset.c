/* test-dataset.c: dataset folders, label checks, statistics, splits; and the real MNIST */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "nn-dataset.h"

static void
test_dataset_load_dir (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;

  fixture_write_split (dir, "train", 30, 6, 5, 10, TRUE, 1);
  fixture_write_split (dir, "t10k", 12, 6, 5, 10, FALSE, 2);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->kind, ==, NN_DATASET_MNIST);
  g_assert_cmpstr (ds->name, ==, "mnist");
  g_assert_cmpuint (ds->train->n_images, ==, 30);
  g_assert_cmpuint (ds->test->n_images, ==, 12);
  g_assert_cmpuint (ds->train->rows, ==, 6);
  g_assert_cmpuint (ds->train->labels[13], ==, 3);
  g_assert_cmpstr (ds->class_names[9], ==, "9");
  g_assert_true (g_str_has_suffix (ds->files[0], ".gz"));
  fixture_remove_dir (dir);
}

static void
test_dataset_fashion_and_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = fixture_dir ();
  g_autofree char *dir = g_build_filename (parent, "Fashion-MNIST", NULL);
  g_autoptr(NnDataset) ds = NULL;
  g_autofree char *test_labels = NULL;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  fixture_write_split (dir, "train", 20, 4, 4, 10, FALSE, 1);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE);
  g_assert_nonnull (strstr (error->message, "t10k-images"));
  g_clear_error (&error);

  fixture_write_split (dir, "t10k", 10, 4, 4, 10, FALSE, 2);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->kind, ==, NN_DATASET_FASHION_MNIST);
  g_assert_cmpstr (ds->name, ==, "fashion-mnist");
  g_assert_cmpstr (ds->class_names[9], ==, "Ankle boot");
  g_clear_pointer (&ds, nn_dataset_unref);

  /* a label that is not a class */
  {
    guint8 labels[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 10 };

    test_labels = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);
    g_assert_true (nn_idx_save_labels (test_labels, labels, 10, NULL));
    ds = nn_dataset_load_dir (dir, &error);
    g_assert_null (ds);
    g_assert_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_LABEL);
    g_clear_error (&error);
  }
  /* fewer labels than images */
  {
    guint8 labels[9] = { 0 };

    g_assert_true (nn_idx_save_labels (test_labels, labels, 9, NULL));
    ds = nn_dataset_load_dir (dir, &error);
    g_assert_null (ds);
    g_assert_error (error, NN_IDX_ERROR, NN_IDX_ERROR_COUNT_MISMATCH);
    g_clear_error (&error);
  }
  /* training and test images of different sizes */
  fixture_write_split (dir, "t10k", 10, 5, 4, 10, FALSE, 3);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISMATCH);
  g_clear_error (&error);

  ds = nn_dataset_load_dir ("/nonexistent/folder", &error);
  g_assert_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE);
  fixture_remove_dir (dir);
  g_rmdir (parent);
}

/* Names that are there but are not files: each a clear error, never a hang or a crash. */
static void
test_dataset_not_files (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *train_images = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  g_autofree char *test_labels = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);
  g_autofree char *loop_a = g_build_filename (dir, "t10k-labels-idx1-ubyte.gz", NULL);
  g_autofree char *loop_b = g_build_filename (dir, "loop", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;

  fixture_write_split (dir, "train", 20, 9, 7, 10, FALSE, 1);
  fixture_write_split (dir, "t10k", 10, 9, 7, 10, TRUE, 2);

  /* images that are not 28×28 are a dataset like any other */
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->train->rows, ==, 9);
  g_assert_cmpuint (ds->test->cols, ==, 7);
  g_clear_pointer (&ds, nn_dataset_unref);

  /* a folder under a file's name */
  g_assert_cmpint (g_remove (train_images), ==, 0);
  g_assert_cmpint (g_mkdir (train_images, 0755), ==, 0);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_IDX_ERROR, NN_IDX_ERROR_NOT_REGULAR);
  g_assert_nonnull (strstr (error->message, "train-images"));
  g_clear_error (&error);
  g_assert_cmpint (g_rmdir (train_images), ==, 0);

  /* a FIFO with no writer: refused at once, not waited on */
  g_assert_cmpint (mkfifo (train_images, 0644), ==, 0);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_IDX_ERROR, NN_IDX_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  g_assert_cmpint (g_remove (train_images), ==, 0);
  fixture_write_split (dir, "train", 20, 9, 7, 10, FALSE, 1);

  /* a link to nothing */
  g_assert_cmpint (g_remove (loop_a), ==, 0);
  g_assert_cmpint (symlink ("nowhere", test_labels), ==, 0);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE);
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_clear_error (&error);
  g_assert_cmpint (g_remove (test_labels), ==, 0);

  /* a loop of links */
  g_assert_cmpint (symlink ("loop", loop_a), ==, 0);
  g_assert_cmpint (symlink ("t10k-labels-idx1-ubyte.gz", loop_b), ==, 0);
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE);
  g_clear_error (&error);

  /* a file where the folder should be */
  ds = nn_dataset_load_dir (train_images, &error);
  g_assert_null (ds);
  g_assert_error (error, NN_DATASET_ERROR, NN_DATASET_ERROR_MISSING_FILE);
  g_assert_nonnull (strstr (error->message, "not a folder"));
  g_clear_error (&error);
  fixture_remove_dir (dir);
}

/* Threads share datasets by reference: the last unref frees, from whichever thread. */
static gpointer
drop_reference (gpointer data)
{
  NnDataset *ds = data;

  /* still whole while this thread holds it */
  g_assert_cmpuint (ds->train->pixels[5], ==, 77);
  nn_dataset_unref (ds);
  return NULL;
}

static void
test_dataset_shared (void)
{
  NnDataset *ds = nn_dataset_new ();
  NnImageSet *test;
  GThread *thread;

  ds->train = nn_image_set_new (2, 3, 4);
  ds->test = nn_image_set_new (1, 3, 4);
  ds->train->pixels[5] = 77;
  test = nn_image_set_ref (ds->test);
  g_assert_true (test == ds->test);
  thread = g_thread_new ("holder", drop_reference, nn_dataset_ref (ds));
  nn_dataset_unref (ds);
  g_thread_join (thread);
  /* the dataset is gone; the test images it shared live on */
  g_assert_cmpuint (test->n_images, ==, 1);
  test->pixels[11] = 1;
  nn_image_set_unref (test);
}

static void
test_dataset_mean_std (void)
{
  g_autoptr(NnImageSet) set = nn_image_set_new (50, 3, 4);
  guint32 subset[3] = { 4, 17, 33 };
  double mean, std, m = 0, m2 = 0;
  NnRng rng;

  nn_rng_init (&rng, 3);
  for (size_t i = 0; i < 50 * 12; i++)
    set->pixels[i] = (guint8) nn_rng_below (&rng, 256);
  nn_image_set_mean_std (set, subset, 3, &mean, &std);
  for (int s = 0; s < 3; s++)
    for (int k = 0; k < 12; k++)
      {
        double v = set->pixels[subset[s] * 12 + k] / 255.0;

        m += v / 36;
        m2 += v * v / 36;
      }
  g_assert_cmpfloat_with_epsilon (mean, m, 1e-12);
  g_assert_cmpfloat_with_epsilon (std, sqrt (m2 - m * m), 1e-9);
}

static void
test_dataset_split (void)
{
  guint32 train[70], val[30], train2[70], val2[30];
  gboolean seen[100] = { FALSE };

  nn_split_indices (100, 30, 5, train, val);
  nn_split_indices (100, 30, 5, train2, val2);
  g_assert_cmpmem (train, sizeof train, train2, sizeof train2);
  g_assert_cmpmem (val, sizeof val, val2, sizeof val2);
  for (int i = 0; i < 70; i++)
    seen[train[i]] = TRUE;
  for (int i = 0; i < 30; i++)
    {
      g_assert_false (seen[val[i]]);
      seen[val[i]] = TRUE;
    }
  for (int i = 0; i < 100; i++)
    g_assert_true (seen[i]);
  nn_split_indices (100, 30, 6, train2, val2);
  g_assert_true (memcmp (val, val2, sizeof val) != 0);
}

/* On the real files: the published class counts, and the statistics everyone quotes. */
static void
test_dataset_mnist_real (void)
{
  static const guint train_counts[10] = { 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851,
                                          5949 };
  static const guint test_counts[10] = { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 };
  const char *dir = g_getenv ("DIGIT_LAB_MNIST_DIR");
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = NULL;
  guint counts[2][10] = { { 0 } };
  double mean, std;

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("DIGIT_LAB_REQUIRE_MNIST") != NULL)
        g_error ("DIGIT_LAB_MNIST_DIR does not name the MNIST folder, but the real data is required");
      g_test_skip ("needs the real MNIST: set DIGIT_LAB_MNIST_DIR");
      return;
    }
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->train->n_images, ==, 60000);
  g_assert_cmpuint (ds->test->n_images, ==, 10000);
  for (size_t i = 0; i < 60000; i++)
    counts[0][ds->train->labels[i]]++;
  for (size_t i = 0; i < 10000; i++)
    counts[1][ds->test->labels[i]]++;
  for (int k = 0; k < 10; k++)
    {
      g_assert_cmpuint (counts[0][k], ==, train_counts[k]);
      g_assert_cmpuint (counts[1][k], ==, test_counts[k]);
    }
  nn_image_set_mean_std (ds->train, NULL, 0, &mean, &std);
  g_assert_cmpfloat_with_epsilon (mean, 0.1307, 1e-3);
  g_assert_cmpfloat_with_epsilon (std, 0.3081, 1e-3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dataset/load-dir", test_dataset_load_dir);
  g_test_add_func ("/engine/dataset/fashion-and-errors", test_dataset_fashion_and_errors);
  g_test_add_func ("/engine/dataset/not-files", test_dataset_not_files);
  g_test_add_func ("/engine/dataset/shared", test_dataset_shared);
  g_test_add_func ("/engine/dataset/mean-std", test_dataset_mean_std);
  g_test_add_func ("/engine/dataset/split", test_dataset_split);
  g_test_add_func ("/engine/dataset/mnist-real", test_dataset_mnist_real);
  return g_test_run ();
}
