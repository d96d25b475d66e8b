/* test-hostile-checkpoint.c: damaged, forged and impossible checkpoints, files that are not
 * files, and training settings out of range — each refused with its exact error, none hangs */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "nn-checkpoint.h"
#include "nn-file.h"
#include "nn-trainer.h"

#define SPEC "flatten dense(4)"
#define OTHER_SPEC "flatten dense(8) relu dense(4)"
#define N_TRAIN_FILE 200

/* Every metadata key a version 2 checkpoint has. */
static const char *const keys[] = {
  "format", "version", "spec", "dataset", "n_train_file", "epochs", "batch_size", "optimizer",
  "learning_rate", "beta1", "beta2", "eps", "momentum", "weight_decay", "rotation_degrees",
  "validation_size", "seed", "progress_every", "evaluate_test", "epochs_done", "step", "rng",
  "best_epoch", "best_val_accuracy", "best_val_loss", "history", "n_params", "crc32",
};

/* the order in which the writer hashes the vectors */
static const char *const vector_names[] = { "params", "optimizer.m", "optimizer.v", "best_params" };

static struct
{
  char      *dir;
  NnDataset *dataset;
  char      *valid;          /* a checkpoint after 2 of 2 epochs of SPEC, with Adam */
  char      *other;          /* the same after 1 epoch of OTHER_SPEC */
  guint      n_files;
} fx;

static NnImageSet *
make_images (size_t  n,
             guint64 seed)
{
  NnImageSet *set = nn_image_set_new (n, 12, 12);
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t i = 0; i < n; i++)
    {
      set->labels[i] = (guint8) (i % 4);
      for (size_t p = 0; p < 144; p++)
        set->pixels[i * 144 + p] = (guint8) nn_rng_below (&rng, 60);
      for (size_t p = 0; p < 12; p++)
        set->pixels[i * 144 + 36 * (i % 4) + p] = 230;
    }
  return set;
}

static NnDataset *
make_dataset (const char *name,
              size_t      n_train)
{
  NnDataset *ds = nn_dataset_new ();

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup (name);
  ds->dir = g_strdup ("generated");
  ds->n_classes = 4;
  ds->class_names = g_new0 (char *, 5);
  for (int k = 0; k < 4; k++)
    ds->class_names[k] = g_strdup_printf ("class %d", k);
  ds->train = make_images (n_train, 1);
  ds->test = make_images (40, 2);
  return ds;
}

static void
small_config (NnTrainConfig *c)
{
  nn_train_config_init (c);
  g_free (c->spec);
  c->spec = g_strdup (SPEC);
  c->epochs = 2;
  c->batch_size = 32;
  c->validation_size = 40;
  c->rotation_degrees = 0;
  c->n_threads = 1;
  c->seed = 9;
}

static char *
new_path (const char *stem)
{
  return g_strdup_printf ("%s/%02u-%s", fx.dir, fx.n_files++, stem);
}

static void
write_checkpoint (const char *path,
                  const char *spec,
                  guint       epochs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;

  small_config (&c);
  g_free (c.spec);
  c.spec = g_strdup (spec);
  c.epochs = epochs;
  c.checkpoint_path = g_strdup (path);
  t = nn_trainer_new (&c, fx.dataset, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
expect_refused (const char *path,
                GQuark      domain,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = nn_trainer_new_from_checkpoint (path, fx.dataset, 1, &error);

  g_assert_null (t);
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
}

static void
expect_loads (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = nn_trainer_new_from_checkpoint (path, fx.dataset, 1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (t);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
write_bytes (const char   *path,
             const guint8 *data,
             gsize         length)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) length, &error));
  g_assert_no_error (error);
}

/* ---- rewriting the valid checkpoint one field at a time ------------------------------ */

typedef enum
{
  EDIT_NONE,
  EDIT_NAN_IN_M,
  EDIT_INF_IN_PARAMS,
  EDIT_NEGATIVE_IN_V,
  EDIT_FLIP_PARAM_BIT,        /* with the old checksum */
  EDIT_DROP_BEST,
  EDIT_DROP_V,
  EDIT_EXTRA_TENSOR,
} TensorEdit;

typedef struct
{
  const char *name;
  const char *key;            /* metadata to change, or NULL */
  const char *value;          /* its new value; NULL removes the key */
  TensorEdit  edit;
  GQuark    (*domain) (void);
  int         code;
} Case;

/* The valid checkpoint with one change, its checksum made right again unless the change is to
 * break it. */
static char *
rewrite (const char *src,
         const Case *cs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSafetensors) st = nn_safetensors_load (src, &error);
  g_autoptr(GPtrArray) kv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GBytes) bytes = NULL;
  NnTensor tensors[5];
  float extra[3] = { 1, 2, 3 };
  size_t n_tensors = 0, n_params;
  guint32 crc = (guint32) crc32 (0L, Z_NULL, 0);
  char *path = new_path (cs->name);
  gboolean new_crc = TRUE;

  g_assert_no_error (error);
  n_params = nn_safetensors_lookup (st, "params")->shape[0];
  for (size_t i = 0; i < G_N_ELEMENTS (vector_names); i++)
    {
      const NnTensor *t = nn_safetensors_lookup (st, vector_names[i]);

      g_assert_nonnull (t);
      if ((cs->edit == EDIT_DROP_BEST && i == 3) || (cs->edit == EDIT_DROP_V && i == 2))
        continue;
      tensors[n_tensors++] = *t;
    }
  switch (cs->edit)
    {
    case EDIT_NAN_IN_M:
      tensors[1].data[n_params / 2] = NAN;
      break;
    case EDIT_INF_IN_PARAMS:
      tensors[0].data[0] = -INFINITY;
      break;
    case EDIT_NEGATIVE_IN_V:
      tensors[2].data[3] = -1e-3f;
      break;
    case EDIT_FLIP_PARAM_BIT:
      {
        guint32 bits;

        memcpy (&bits, &tensors[0].data[7], 4);
        bits ^= 1u << 9;
        memcpy (&tensors[0].data[7], &bits, 4);
        new_crc = FALSE;
      }
      break;
    default:
      break;
    }
  for (size_t i = 0; i < n_tensors; i++)
    crc = (guint32) crc32 (crc, (const guint8 *) tensors[i].data, (uInt) (n_params * 4));
  if (cs->edit == EDIT_EXTRA_TENSOR)
    tensors[n_tensors++] = (NnTensor) { .name = (char *) "extra", .n_dims = 1, .shape = { 3 },
                                        .data = extra };

  for (size_t k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      const char *value = nn_safetensors_get_metadata (st, keys[k]);

      g_assert_nonnull (value);
      if (strcmp (keys[k], "crc32") == 0 && new_crc)
        value = NULL;
      if (g_strcmp0 (cs->key, keys[k]) == 0)
        {
          if (cs->value == NULL)
            continue;
          value = cs->value;
        }
      g_ptr_array_add (kv, g_strdup (keys[k]));
      g_ptr_array_add (kv, value != NULL ? g_strdup (value) : g_strdup_printf ("%08x", crc));
    }
  /* a key the valid file does not hold (a recipe field it leaves at its default) */
  if (cs->key != NULL && cs->value != NULL &&
      nn_safetensors_get_metadata (st, cs->key) == NULL)
    {
      g_ptr_array_add (kv, g_strdup (cs->key));
      g_ptr_array_add (kv, g_strdup (cs->value));
    }
  g_ptr_array_add (kv, NULL);
  bytes = nn_safetensors_serialize (tensors, n_tensors, (const char *const *) kv->pdata, &error);
  g_assert_no_error (error);
  write_bytes (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return path;
}

static void
test_rewritten (gconstpointer data)
{
  const Case *cs = data;
  g_autofree char *path = rewrite (fx.valid, cs);

  expect_refused (path, cs->domain (), cs->code);
}

#define CK(code) nn_checkpoint_error_quark, NN_CHECKPOINT_ERROR_##code

static const Case cases[] = {
  /* magic and version */
  { "format-missing", "format", NULL, EDIT_NONE, CK (NOT_CHECKPOINT) },
  { "format-other", "format", "pt", EDIT_NONE, CK (NOT_CHECKPOINT) },
  { "version-1", "version", "1", EDIT_NONE, CK (VERSION) },
  { "version-3", "version", "3", EDIT_NONE, CK (VERSION) },
  { "version-missing", "version", NULL, EDIT_NONE, CK (VERSION) },
  /* the random state */
  { "rng-all-zero", "rng",
    "0000000000000000 0000000000000000 0000000000000000 0000000000000000", EDIT_NONE,
    CK (BAD_VALUE) },
  { "rng-three-words", "rng", "0000000000000001 0000000000000002 0000000000000003", EDIT_NONE,
    CK (BAD_VALUE) },
  { "rng-not-hex", "rng", "000000000000000g 0000000000000001 0000000000000002 0000000000000003",
    EDIT_NONE, CK (BAD_VALUE) },
  { "rng-missing", "rng", NULL, EDIT_NONE, CK (BAD_VALUE) },
  /* counters */
  { "step-huge", "step", "18446744073709551615", EDIT_NONE, CK (BAD_VALUE) },
  { "step-off-by-one", "step", "11", EDIT_NONE, CK (BAD_VALUE) },
  { "step-negative", "step", "-1", EDIT_NONE, CK (BAD_VALUE) },
  { "step-too-long", "step", "184467440737095516150", EDIT_NONE, CK (BAD_VALUE) },
  { "epochs-done-beyond-plan", "epochs_done", "3", EDIT_NONE, CK (BAD_VALUE) },
  { "epochs-done-huge", "epochs_done", "4294967296", EDIT_NONE, CK (BAD_VALUE) },
  { "best-epoch-beyond-done", "best_epoch", "3", EDIT_NONE, CK (BAD_VALUE) },
  { "best-epoch-zero", "best_epoch", "0", EDIT_NONE, CK (BAD_VALUE) },
  { "best-accuracy-disagrees", "best_val_accuracy", "0.125", EDIT_NONE, CK (BAD_VALUE) },
  { "best-loss-nan", "best_val_loss", "nan", EDIT_NONE, CK (BAD_VALUE) },
  { "history-one-row", "history", "1 1 0.5 1 0.5 nan nan 1 1 1", EDIT_NONE, CK (BAD_VALUE) },
  { "history-nan-loss", "history",
    "1 nan 0.5 1 0.5 nan nan 1 1 1;2 1 0.5 1 0.5 nan nan 1 1 0", EDIT_NONE, CK (BAD_VALUE) },
  { "history-trailing-junk", "history",
    "1 1 0.5 1 0.5 nan nan 1 1 1;2 1 0.5 1 0.5 nan nan 1 1 0 x", EDIT_NONE, CK (BAD_VALUE) },
  { "history-accuracy-above-one", "history",
    "1 1 1.5 1 0.5 nan nan 1 1 1;2 1 0.5 1 0.5 nan nan 1 1 0", EDIT_NONE, CK (BAD_VALUE) },
  /* the recipe */
  { "epochs-zero", "epochs", "0", EDIT_NONE, CK (BAD_VALUE) },
  { "learning-rate-nan", "learning_rate", "nan", EDIT_NONE, CK (BAD_VALUE) },
  { "learning-rate-inf", "learning_rate", "inf", EDIT_NONE, CK (BAD_VALUE) },
  { "learning-rate-zero", "learning_rate", "0", EDIT_NONE, CK (BAD_VALUE) },
  { "learning-rate-words", "learning_rate", "fast", EDIT_NONE, CK (BAD_VALUE) },
  { "batch-size-zero", "batch_size", "0", EDIT_NONE, CK (BAD_VALUE) },
  { "batch-size-huge", "batch_size", "100000", EDIT_NONE, CK (BAD_VALUE) },
  { "validation-whole-file", "validation_size", "200", EDIT_NONE, CK (BAD_VALUE) },
  { "rotation-huge", "rotation_degrees", "1e9", EDIT_NONE, CK (BAD_VALUE) },
  { "rotation-nan", "rotation_degrees", "nan", EDIT_NONE, CK (BAD_VALUE) },
  { "beta2-one", "beta2", "1", EDIT_NONE, CK (BAD_VALUE) },
  { "translate-words", "translate", "far", EDIT_NONE, CK (BAD_VALUE) },
  { "translate-nan", "translate", "nan", EDIT_NONE, CK (BAD_VALUE) },
  { "elastic-sigma-zero", "elastic_sigma", "0", EDIT_NONE, CK (BAD_VALUE) },
  { "schedule-unknown", "lr_schedule", "linear", EDIT_NONE, CK (BAD_VALUE) },
  { "step-epochs-fractional", "lr_step_epochs", "1.5", EDIT_NONE, CK (BAD_VALUE) },
  { "floor-above-rate", "lr_min", "5", EDIT_NONE, CK (BAD_VALUE) },
  { "smoothing-high", "label_smoothing", "0.9", EDIT_NONE, CK (BAD_VALUE) },
  { "train-on-all-maybe", "train_on_all", "maybe", EDIT_NONE, CK (BAD_VALUE) },
  { "optimizer-unknown", "optimizer", "rmsprop", EDIT_NONE, CK (BAD_VALUE) },
  { "spec-broken", "spec", "flatten dense(", EDIT_NONE, CK (BAD_VALUE) },
  { "spec-missing", "spec", NULL, EDIT_NONE, CK (BAD_VALUE) },
  { "evaluate-test-two", "evaluate_test", "2", EDIT_NONE, CK (BAD_VALUE) },
  /* the vectors */
  { "nan-moment", NULL, NULL, EDIT_NAN_IN_M, CK (BAD_VALUE) },
  { "inf-weight", NULL, NULL, EDIT_INF_IN_PARAMS, CK (BAD_VALUE) },
  { "negative-second-moment", NULL, NULL, EDIT_NEGATIVE_IN_V, CK (BAD_VALUE) },
  { "flipped-bit", NULL, NULL, EDIT_FLIP_PARAM_BIT, CK (CORRUPT) },
  { "checksum-missing", "crc32", NULL, EDIT_NONE, CK (CORRUPT) },
  { "checksum-wrong", "crc32", "01234567", EDIT_NONE, CK (CORRUPT) },
  { "best-params-missing", NULL, NULL, EDIT_DROP_BEST, CK (CORRUPT) },
  { "second-moment-missing", NULL, NULL, EDIT_DROP_V, CK (CORRUPT) },
  { "extra-tensor", NULL, NULL, EDIT_EXTRA_TENSOR, CK (CORRUPT) },
  { "n-params-disagrees", "n_params", "581", EDIT_NONE, CK (CORRUPT) },
  { "n-params-zero", "n_params", "0", EDIT_NONE, CK (BAD_VALUE) },
  /* another dataset or network */
  { "dataset-other", "dataset", "digits", EDIT_NONE, CK (MISMATCH) },
  /* 190 images give the same 5 batches an epoch, so only the dataset disagrees */
  { "train-file-other", "n_train_file", "190", EDIT_NONE, CK (MISMATCH) },
  { "spec-ten-classes", "spec", "flatten dense(10)", EDIT_NONE, CK (MISMATCH) },
};

/* The rewriting itself keeps a checkpoint valid: each case fails for its own change only. */
static void
test_rewrite_unchanged (void)
{
  static const Case unchanged = { "unchanged", NULL, NULL, EDIT_NONE, CK (BAD_VALUE) };
  g_autofree char *path = rewrite (fx.valid, &unchanged);

  expect_loads (fx.valid);
  expect_loads (path);
}

/* ---- whole files ---------------------------------------------------------------------- */

static void
test_missing_file (void)
{
  g_autofree char *path = g_build_filename (fx.dir, "no-such-checkpoint", NULL);

  expect_refused (path, NN_FILE_ERROR, NN_FILE_ERROR_NOT_FOUND);
}

static void
test_dev_zero (void)
{
  if (!g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/zero here");
      return;
    }
  expect_refused ("/dev/zero", NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
}

/* A FIFO with no writer: opening it must neither block nor read. */
static void
test_fifo (void)
{
  g_autofree char *path = new_path ("fifo");

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  expect_refused (path, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
}

/* Writing never puts a file in the place of a FIFO, a device or a link */
static void
test_write_over_non_file (void)
{
  g_autofree char *fifo = new_path ("write-fifo");
  g_autofree char *link = new_path ("write-link");
  g_autofree char *target = new_path ("write-target");
  g_autoptr(GBytes) bytes = g_bytes_new_static ("x", 1);
  const char *paths[] = { fifo, link, "/dev/null", fx.dir };
  GStatBuf info;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);
  for (size_t i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (nn_checkpoint_write (paths[i], bytes, &error));
      g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
    }
  g_assert_cmpint (g_lstat (fifo, &info), ==, 0);
  g_assert_true (S_ISFIFO (info.st_mode));
  g_assert_cmpint (g_lstat (link, &info), ==, 0);
  g_assert_true (S_ISLNK (info.st_mode));
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat ("/dev/null", &info), ==, 0);
  g_assert_true (S_ISCHR (info.st_mode));
}

static void
test_directory (void)
{
  expect_refused (fx.dir, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
}

static void
test_empty_file (void)
{
  g_autofree char *path = new_path ("empty");

  write_bytes (path, (const guint8 *) "", 0);
  expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_CORRUPT);
}

static void
test_text_file (void)
{
  g_autofree char *path = new_path ("text");

  write_bytes (path, (const guint8 *) "not a checkpoint at all", 23);
  expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT);
}

/* A safetensors length of 1 byte, and one of 2^60 bytes. */
static void
test_bad_length (void)
{
  g_autoptr(GBytes) valid = read_bytes (fx.valid);
  gsize size;
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (valid, &size), g_bytes_get_size (valid));
  g_autofree char *one = new_path ("length-one");
  g_autofree char *huge = new_path ("length-huge");

  memset (data, 0, 8);
  data[0] = 1;
  write_bytes (one, data, size);
  expect_refused (one, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT);
  data[0] = 0;
  data[7] = 0x10;
  write_bytes (huge, data, size);
  expect_refused (huge, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT);
}

/* The header's bytes replaced by ones that are not JSON. */
static void
test_header_not_json (void)
{
  g_autoptr(GBytes) valid = read_bytes (fx.valid);
  gsize size;
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (valid, &size), g_bytes_get_size (valid));
  g_autofree char *path = new_path ("header-not-json");
  guint64 header_len = 0;

  for (int b = 7; b >= 0; b--)
    header_len = (header_len << 8) | data[b];
  memset (data + 8, 'x', header_len);
  write_bytes (path, data, size);
  expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT);
}

/* A model's weights are a safetensors file, not a checkpoint. */
static void
test_model_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = new_path ("model.safetensors");
  float w[4] = { 1, 2, 3, 4 };
  NnTensor t = { .name = (char *) "0.weight", .n_dims = 1, .shape = { 4 }, .data = w };
  const char *meta[] = { "format", "pt", NULL };

  g_assert_true (nn_safetensors_save (path, &t, 1, meta, &error));
  g_assert_no_error (error);
  expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT);
}

/* Cut at every byte of the length, across the header, and across the vectors. */
static void
test_truncated (void)
{
  g_autoptr(GBytes) valid = read_bytes (fx.valid);
  gsize size;
  const guint8 *data = g_bytes_get_data (valid, &size);
  g_autofree char *path = new_path ("truncated");
  guint64 header_len = 0;
  guint n_cuts = 0;

  for (int b = 7; b >= 0; b--)
    header_len = (header_len << 8) | data[b];
  for (gsize cut = 0; cut < size; cut += cut < 9 ? 1 : cut < 8 + header_len ? 37 : 211)
    {
      write_bytes (path, data, cut);
      expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_CORRUPT);
      n_cuts++;
    }
  write_bytes (path, data, size - 1);
  expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_CORRUPT);
  g_test_message ("%u cuts of a %" G_GSIZE_FORMAT "-byte checkpoint", n_cuts + 1, size);
  g_assert_cmpuint (n_cuts, >, 30);
}

static void
test_appended (void)
{
  g_autoptr(GBytes) valid = read_bytes (fx.valid);
  gsize size = g_bytes_get_size (valid);
  g_autofree guint8 *data = g_malloc0 (size + 4);
  g_autofree char *path = new_path ("appended");

  memcpy (data, g_bytes_get_data (valid, NULL), size);
  write_bytes (path, data, size + 4);
  expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_CORRUPT);
}

/* A valid checkpoint of another architecture: its header says so before any vector is read. */
static void
test_other_network (void)
{
  static const Case relabel = { "relabelled-spec", "spec", SPEC, EDIT_NONE, CK (MISMATCH) };
  g_autofree char *path = rewrite (fx.other, &relabel);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) other_ds = make_dataset ("hostile", 300);
  g_autoptr(NnTrainer) t = NULL;

  expect_loads (fx.other);
  expect_refused (path, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_MISMATCH);
  t = nn_trainer_new_from_checkpoint (fx.valid, other_ds, 1, &error);
  g_assert_null (t);
  g_assert_error (error, NN_CHECKPOINT_ERROR, NN_CHECKPOINT_ERROR_MISMATCH);
}

static void
test_resume_threads (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = nn_trainer_new_from_checkpoint (fx.valid, fx.dataset,
                                                           NN_TRAIN_MAX_THREADS + 1, &error);

  g_assert_null (t);
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
}

/* ---- training settings ---------------------------------------------------------------- */

typedef struct
{
  const char *name;
  void      (*change) (NnTrainConfig *c);
} ConfigCase;

static void lr_nan (NnTrainConfig *c) { c->optimizer.learning_rate = NAN; }
static void lr_zero (NnTrainConfig *c) { c->optimizer.learning_rate = 0; }
static void lr_negative (NnTrainConfig *c) { c->optimizer.learning_rate = -1e-3; }
static void lr_ten (NnTrainConfig *c) { c->optimizer.learning_rate = 10; }
static void lr_inf (NnTrainConfig *c) { c->optimizer.learning_rate = INFINITY; }
static void epochs_zero (NnTrainConfig *c) { c->epochs = 0; }
static void epochs_many (NnTrainConfig *c) { c->epochs = NN_TRAIN_MAX_EPOCHS + 1; }
static void batch_zero (NnTrainConfig *c) { c->batch_size = 0; }
static void batch_huge (NnTrainConfig *c) { c->batch_size = NN_TRAIN_MAX_BATCH_SIZE + 1; }
static void batch_beyond_images (NnTrainConfig *c) { c->batch_size = N_TRAIN_FILE - 40 + 1; }
static void validation_zero (NnTrainConfig *c) { c->validation_size = 0; }
static void validation_all (NnTrainConfig *c) { c->validation_size = N_TRAIN_FILE; }
static void validation_more (NnTrainConfig *c) { c->validation_size = G_MAXUINT; }
static void rotation_nan (NnTrainConfig *c) { c->rotation_degrees = NAN; }
static void rotation_negative (NnTrainConfig *c) { c->rotation_degrees = -1; }
static void rotation_181 (NnTrainConfig *c) { c->rotation_degrees = 181; }
static void rotation_inf (NnTrainConfig *c) { c->rotation_degrees = INFINITY; }
static void threads_many (NnTrainConfig *c) { c->n_threads = NN_TRAIN_MAX_THREADS + 1; }
static void momentum_one (NnTrainConfig *c) { c->optimizer.momentum = 1; }
static void beta1_negative (NnTrainConfig *c) { c->optimizer.beta1 = -0.1; }
static void beta2_one (NnTrainConfig *c) { c->optimizer.beta2 = 1; }
static void eps_zero (NnTrainConfig *c) { c->optimizer.eps = 0; }
static void weight_decay_nan (NnTrainConfig *c) { c->optimizer.weight_decay = NAN; }
static void optimizer_unknown (NnTrainConfig *c) { c->optimizer.kind = (NnOptimizerKind) 7; }

static const ConfigCase config_cases[] = {
  { "learning-rate-nan", lr_nan },
  { "learning-rate-zero", lr_zero },
  { "learning-rate-negative", lr_negative },
  { "learning-rate-ten", lr_ten },
  { "learning-rate-inf", lr_inf },
  { "epochs-zero", epochs_zero },
  { "epochs-many", epochs_many },
  { "batch-zero", batch_zero },
  { "batch-huge", batch_huge },
  { "batch-beyond-images", batch_beyond_images },
  { "validation-zero", validation_zero },
  { "validation-all", validation_all },
  { "validation-more", validation_more },
  { "rotation-nan", rotation_nan },
  { "rotation-negative", rotation_negative },
  { "rotation-181", rotation_181 },
  { "rotation-inf", rotation_inf },
  { "threads-many", threads_many },
  { "momentum-one", momentum_one },
  { "beta1-negative", beta1_negative },
  { "beta2-one", beta2_one },
  { "eps-zero", eps_zero },
  { "weight-decay-nan", weight_decay_nan },
  { "optimizer-unknown", optimizer_unknown },
};

static void
test_bad_config (gconstpointer data)
{
  const ConfigCase *cc = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;

  small_config (&c);
  g_assert_true (nn_train_config_check (&c, N_TRAIN_FILE, &error));
  g_assert_no_error (error);
  cc->change (&c);
  g_assert_false (nn_train_config_check (&c, N_TRAIN_FILE, &error));
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
  g_clear_error (&error);
  t = nn_trainer_new (&c, fx.dataset, &error);
  nn_train_config_clear (&c);
  g_assert_null (t);
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
  g_test_message ("%s", error->message);
}

/* The biggest batch the images allow still trains. */
static void
test_config_edges (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTrainer) t = NULL;
  NnTrainConfig c;

  small_config (&c);
  c.batch_size = N_TRAIN_FILE - 40;
  c.rotation_degrees = 180;
  c.epochs = 1;
  t = nn_trainer_new (&c, fx.dataset, &error);
  nn_train_config_clear (&c);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (t, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
remove_fixtures (void)
{
  g_autoptr(GDir) d = g_dir_open (fx.dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (fx.dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (fx.dir);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  fx.dir = g_dir_make_tmp ("digit-lab-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  fx.dataset = make_dataset ("hostile", N_TRAIN_FILE);
  fx.valid = new_path ("valid.ckpt");
  fx.other = new_path ("other.ckpt");
  write_checkpoint (fx.valid, SPEC, 2);
  write_checkpoint (fx.other, OTHER_SPEC, 1);

  g_test_add_func ("/engine/hostile-checkpoint/rewrite-unchanged", test_rewrite_unchanged);
  g_test_add_func ("/engine/hostile-checkpoint/file/missing", test_missing_file);
  g_test_add_func ("/engine/hostile-checkpoint/file/dev-zero", test_dev_zero);
  g_test_add_func ("/engine/hostile-checkpoint/file/fifo", test_fifo);
  g_test_add_func ("/engine/hostile-checkpoint/file/directory", test_directory);
  g_test_add_func ("/engine/hostile-checkpoint/file/write-over-non-file", test_write_over_non_file);
  g_test_add_func ("/engine/hostile-checkpoint/file/empty", test_empty_file);
  g_test_add_func ("/engine/hostile-checkpoint/file/text", test_text_file);
  g_test_add_func ("/engine/hostile-checkpoint/file/bad-length", test_bad_length);
  g_test_add_func ("/engine/hostile-checkpoint/file/header-not-json", test_header_not_json);
  g_test_add_func ("/engine/hostile-checkpoint/file/model", test_model_file);
  g_test_add_func ("/engine/hostile-checkpoint/file/truncated", test_truncated);
  g_test_add_func ("/engine/hostile-checkpoint/file/appended", test_appended);
  g_test_add_func ("/engine/hostile-checkpoint/mismatch/other-network", test_other_network);
  g_test_add_func ("/engine/hostile-checkpoint/resume-threads", test_resume_threads);
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/engine/hostile-checkpoint/field/%s",
                                               cases[i].name);

      g_test_add_data_func (name, &cases[i], test_rewritten);
    }
  for (size_t i = 0; i < G_N_ELEMENTS (config_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/engine/hostile-checkpoint/config/%s",
                                               config_cases[i].name);

      g_test_add_data_func (name, &config_cases[i], test_bad_config);
    }
  g_test_add_func ("/engine/hostile-checkpoint/config/edges", test_config_edges);

  status = g_test_run ();
  remove_fixtures ();
  nn_dataset_unref (fx.dataset);
  g_free (fx.valid);
  g_free (fx.other);
  g_free (fx.dir);
  return status;
}
