/* test-model.c: model folders round-trip bit-exactly; damaged or mismatched files are refused;
 * the Hugging Face export holds the measured numbers */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "nn-dataset.h"
#include "nn-file.h"
#include "nn-export.h"
#include "nn-model.h"
#include "nn-safetensors.h"

static const char *const digits[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };

static NnModel *
make_model (const char *spec_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (spec_text, &error);
  NnNormalisation norm = { 0.125f, 0.3f };
  NnModel *model;
  NnRng rng;

  g_assert_no_error (error);
  model = nn_model_new (spec, 1, 28, 28, NULL, &norm, "mnist", digits, 2, &error);
  g_assert_no_error (error);
  nn_rng_init (&rng, 9);
  nn_network_init_params (model->net, &rng);
  model->training = (NnModelTraining) { .known = TRUE, .epochs = 3, .best_epoch = 2,
                                        .batch_size = 64, .optimizer = g_strdup ("adam"),
                                        .learning_rate = 1e-3, .rotation_degrees = 10,
                                        .validation_size = 5000, .seed = 7, .n_train = 55000 };
  return model;
}

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("digit-lab-model-XXXXXX", &error);

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
        remove_tree (path);
      else
        g_remove (path);
    }
  g_rmdir (dir);
}

static void
assert_same_weights (NnModel *a,
                     NnModel *b)
{
  g_assert_cmpmem (nn_network_get_params (a->net),
                   sizeof (float) * nn_network_get_n_params (a->net),
                   nn_network_get_params (b->net),
                   sizeof (float) * nn_network_get_n_params (b->net));
}

static void
test_model_round_trip (void)
{
  g_autoptr(NnModel) model = make_model (NN_SPEC_REFERENCE);
  g_autoptr(NnModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  float image[28 * 28], p1[10], p2[10];

  model->test_accuracy = 0.5;
  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_no_error (error);

  /* the folder or the weights file names the model */
  loaded = nn_model_load (weights, 1, &error);
  g_assert_no_error (error);
  assert_same_weights (model, loaded);
  g_assert_cmpfloat (loaded->norm.mean, ==, model->norm.mean);
  g_assert_cmpfloat (loaded->norm.std, ==, model->norm.std);
  g_assert_cmpstr (loaded->dataset, ==, "mnist");
  g_assert_cmpuint (loaded->n_classes, ==, 10);
  g_assert_cmpstr (loaded->class_names[7], ==, "7");
  g_assert_cmpfloat (loaded->test_accuracy, ==, 0.5);
  g_assert_true (loaded->training.known);
  g_assert_cmpuint (loaded->training.best_epoch, ==, 2);
  g_assert_cmpstr (loaded->training.optimizer, ==, "adam");

  for (int i = 0; i < 28 * 28; i++)
    image[i] = (float) ((i * 7) % 13) / 12.0f;
  nn_model_predict_image (model, image, p1);
  nn_model_predict_image (loaded, image, p2);
  g_assert_cmpmem (p1, sizeof p1, p2, sizeof p2);

  g_clear_pointer (&loaded, nn_model_free);
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);

  /* so does its config.json, which a file chooser can pick inside the folder */
  g_clear_pointer (&loaded, nn_model_free);
  loaded = nn_model_load (config, 1, &error);
  g_assert_no_error (error);
  assert_same_weights (model, loaded);
  remove_tree (dir);
}

/* The recipe's later fields travel in config.json's training record; a record without them (every
 * model saved before) reads as the recipe it was: constant rate, rotation only, no smoothing. */
static void
test_model_training_extras (void)
{
  g_autoptr(NnModel) model = make_model (NN_SPEC_REFERENCE);
  g_autoptr(NnModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *text = NULL;
  NnTrainExtras defaults;

  /* no extras set: none written, defaults read */
  nn_train_extras_init (&model->training.extras);
  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config_path, &text, NULL, NULL));
  g_assert_null (strstr (text, "lr_schedule"));
  g_assert_null (strstr (text, "translate"));
  g_assert_null (strstr (text, "weight_decay"));
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);
  nn_train_extras_init (&defaults);
  g_assert_cmpmem (&loaded->training.extras, sizeof defaults, &defaults, sizeof defaults);
  g_assert_cmpfloat (loaded->training.weight_decay, ==, 0);
  /* no momentum without SGD; a file without one trained with SGD's only one then, 0.9 */
  g_assert_null (strstr (text, "momentum"));
  g_assert_cmpfloat (loaded->training.momentum, ==, 0.9);
  g_clear_pointer (&loaded, nn_model_unref);
  g_clear_pointer (&text, g_free);

  /* SGD's momentum round-trips */
  g_free (model->training.optimizer);
  model->training.optimizer = g_strdup ("sgd");
  model->training.momentum = 0.5;
  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config_path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"momentum\": 0.5"));
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (loaded->training.momentum, ==, 0.5);
  g_clear_pointer (&loaded, nn_model_unref);
  g_clear_pointer (&text, g_free);

  /* every field, exactly */
  model->training.weight_decay = 0.05;
  model->training.extras.translate = 0.125f;
  model->training.extras.scale = 0.1f;
  model->training.extras.shear_degrees = 7.5f;
  model->training.extras.elastic_alpha = 34;
  model->training.extras.elastic_sigma = 4.25f;
  model->training.extras.lr_schedule.kind = NN_LR_SCHEDULE_ONE_CYCLE;
  model->training.extras.lr_schedule.pct_start = 0.2;
  model->training.extras.lr_schedule.div_factor = 10;
  model->training.extras.lr_schedule.final_div_factor = 1e3;
  model->training.extras.label_smoothing = 0.1f;
  model->training.extras.train_on_all = TRUE;
  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config_path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"lr_schedule\": \"one-cycle\""));
  g_assert_nonnull (strstr (text, "\"train_on_all\": true"));
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (&loaded->training.extras, sizeof (NnTrainExtras), &model->training.extras,
                   sizeof (NnTrainExtras));
  g_assert_cmpfloat (loaded->training.weight_decay, ==, 0.05);
  remove_tree (dir);
}

/* The weights carry the configuration: the file alone, under any name, is the whole model, and a
 * safetensors file without it is refused in plain words. */
static void
test_model_single_file (void)
{
  g_autoptr(NnModel) model = make_model (NN_SPEC_REFERENCE);
  g_autoptr(NnModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *alone = g_build_filename (dir, "digits.safetensors", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *bare = g_build_filename (dir, "bare.safetensors", NULL);
  g_autofree char *bytes = NULL;
  gsize length;
  float w[2] = { 1, 2 };
  NnTensor t = { .name = "0.weight", .n_dims = 1, .shape = { 2 }, .data = w };

  model->test_accuracy = 0.25;
  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_true (g_file_get_contents (weights, &bytes, &length, NULL));
  g_assert_true (g_file_set_contents (alone, bytes, (gssize) length, NULL));
  g_remove (config);
  g_remove (weights);

  loaded = nn_model_load (alone, 1, &error);
  g_assert_no_error (error);
  assert_same_weights (model, loaded);
  g_assert_cmpfloat (loaded->norm.mean, ==, model->norm.mean);
  g_assert_cmpfloat (loaded->test_accuracy, ==, 0.25);
  g_assert_cmpstr (loaded->class_names[9], ==, "9");

  g_assert_true (nn_safetensors_save (bare, &t, 1, NULL, &error));
  g_clear_pointer (&loaded, nn_model_free);
  loaded = nn_model_load (bare, 1, &error);
  g_assert_null (loaded);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "carries no configuration"));
  remove_tree (dir);
}

/* Tensor names and shapes are PyTorch's for nn.Sequential over the same layers. */
static void
test_model_pytorch_names (void)
{
  g_autoptr(NnModel) model = make_model (NN_SPEC_REFERENCE);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(NnSafetensors) st = NULL;
  const NnTensor *t;

  g_assert_true (nn_model_save (model, dir, &error));
  st = nn_safetensors_load (weights, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_safetensors_get_n_tensors (st), ==, 8);
  t = nn_safetensors_lookup (st, "0.weight");
  g_assert_nonnull (t);
  g_assert_cmpuint (t->n_dims, ==, 4);
  g_assert_cmpuint (t->shape[0], ==, 32);
  g_assert_cmpuint (t->shape[1], ==, 1);
  g_assert_cmpuint (t->shape[2], ==, 3);
  t = nn_safetensors_lookup (st, "3.weight");
  g_assert_cmpuint (t->shape[0], ==, 64);
  g_assert_cmpuint (t->shape[1], ==, 32);
  t = nn_safetensors_lookup (st, "7.weight");
  g_assert_cmpuint (t->n_dims, ==, 2);
  g_assert_cmpuint (t->shape[0], ==, 128);
  g_assert_cmpuint (t->shape[1], ==, 3136);
  t = nn_safetensors_lookup (st, "9.bias");
  g_assert_cmpuint (t->shape[0], ==, 10);
  g_assert_cmpstr (nn_safetensors_get_metadata (st, "format"), ==, "pt");
  remove_tree (dir);
}

static void
expect_load_error (const char *dir,
                   const char *config,
                   const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);
  g_autoptr(NnModel) model = NULL;

  if (config != NULL)
    g_assert_true (g_file_set_contents (path, config, -1, NULL));
  model = nn_model_load (dir, 1, &error);
  g_assert_null (model);
  g_assert_nonnull (error);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("expected “%s” in “%s”", fragment, error->message);
}

static void
test_model_bad_files (void)
{
  g_autoptr(NnModel) model = make_model ("flatten dense(10)");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *good = NULL;
  g_autofree char *weights = NULL;
  gsize n_weights;

  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_true (g_file_get_contents (config_path, &good, NULL, NULL));

  expect_load_error (dir, "{ not json", NULL);
  expect_load_error (dir, "[]", "object");
  {
    g_autofree char *v = g_strdup (good);
    char *p = strstr (v, "\"format_version\": 1");

    p[strlen ("\"format_version\": ")] = '9';
    expect_load_error (dir, v, "version");
  }
  {
    /* an architecture the weights do not fit */
    GString *v = g_string_new (good);

    g_string_replace (v, "flatten dense(10)", "flatten dense(16) relu dense(10)", 1);
    expect_load_error (dir, v->str, "tensor");
    g_string_free (v, TRUE);
  }
  {
    /* a different input size changes the weight shapes */
    GString *v = g_string_new (good);

    g_string_replace (v, "[1, 28, 28]", "[1, 20, 20]", 1);
    expect_load_error (dir, v->str, NULL);
    g_string_free (v, TRUE);
  }
  {
    GString *v = g_string_new (good);

    g_string_replace (v, "\"class_names\": [\"0\", ", "\"class_names\": [", 1);
    expect_load_error (dir, v->str, "class names");
    g_string_free (v, TRUE);
  }

  /* truncated weights */
  g_assert_true (g_file_set_contents (config_path, good, -1, NULL));
  g_assert_true (g_file_get_contents (weights_path, &weights, &n_weights, NULL));
  g_assert_true (g_file_set_contents (weights_path, weights, n_weights / 2, NULL));
  expect_load_error (dir, NULL, NULL);

  /* a missing file */
  g_remove (weights_path);
  expect_load_error (dir, NULL, "model.safetensors");
  expect_load_error ("/nonexistent/model", NULL, "does not exist");
  remove_tree (dir);
}

static void
test_model_export (void)
{
  g_autoptr(NnModel) model = make_model (NN_SPEC_REFERENCE);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *out = g_build_filename (dir, "hub", NULL);
  g_autofree char *card_path = g_build_filename (out, "README.md", NULL);
  g_autofree char *card = NULL;
  g_autoptr(NnEvaluation) ev = NULL;
  /* a made-up evaluation with distinctive numbers: 7 of 8 right */
  float probs[8 * 10] = { 0 };
  guint8 labels[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

  for (int i = 0; i < 8; i++)
    probs[i * 10 + (i == 7 ? 1 : i)] = 1.0f;
  ev = nn_evaluation_new (probs, labels, 8, 10);
  g_assert_true (nn_export_hugging_face (model, ev, NULL, out, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (card_path, &card, NULL, NULL));

  g_assert_true (g_str_has_prefix (card, "---\nlicense: cc-by-sa-3.0\n"));
  g_assert_nonnull (strstr (card, "datasets:\n  - mnist\n"));
  g_assert_nonnull (strstr (card, "model-index:"));
  g_assert_nonnull (strstr (card, "value: 0.8750"));
  g_assert_nonnull (strstr (card, "87.50% accuracy"));
  g_assert_nonnull (strstr (card, "nn.Conv2d(1, 32, 3, padding=1),  # 0"));
  g_assert_nonnull (strstr (card, "nn.Linear(3136, 128),  # 7"));
  g_assert_nonnull (strstr (card, "model, config = train.load_model(\".\")"));
  {
    /* train.py beside it, executable, and a re-export over the folder is allowed */
    g_autofree char *script = g_build_filename (out, "train.py", NULL);

    g_assert_true (g_file_test (script, G_FILE_TEST_IS_EXECUTABLE));
    g_assert_true (nn_export_hugging_face (model, ev, NULL, out, &error));
    g_assert_no_error (error);
  }
  g_assert_nonnull (strstr (card, "| 7 | 0.0000 | 0.0000 | 0.0000 | 1 |"));
  g_assert_nonnull (strstr (card, "Yann LeCun and Corinna Cortes"));
  {
    g_autoptr(NnModel) back = nn_model_load (out, 1, &error);

    g_assert_no_error (error);
    g_assert_nonnull (back);
  }
  remove_tree (dir);
}

/* ---- nn_model_check_input and nn_model_check_dataset ---- */

static NnDataset *
make_dataset (const char        *name,
              size_t             rows,
              size_t             cols,
              const char *const *class_names)
{
  NnDataset *ds = nn_dataset_new ();

  ds->name = g_strdup (name);
  ds->class_names = g_strdupv ((char **) class_names);
  ds->n_classes = g_strv_length (ds->class_names);
  ds->train = nn_image_set_new (3, rows, cols);
  ds->test = nn_image_set_new (2, rows, cols);
  return ds;
}

static void
test_model_check_input (void)
{
  g_autoptr(NnModel) model = make_model ("flatten dense(10)");
  g_autoptr(GError) error = NULL;

  g_assert_true (nn_model_check_input (model, 1, 28, 28, &error));
  g_assert_no_error (error);
  g_assert_false (nn_model_check_input (model, 1, 32, 32, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "1×28×28"));
  g_assert_nonnull (strstr (error->message, "1×32×32"));
  g_clear_error (&error);
  g_assert_false (nn_model_check_input (model, 3, 28, 28, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_false (nn_model_check_input (model, 1, 28, 27, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
}

static void
test_model_check_dataset (void)
{
  static const char *const fashion[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
                                         NULL };
  static const char *const five[] = { "0", "1", "2", "3", "4", NULL };
  g_autoptr(NnModel) model = make_model ("flatten dense(10)");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(NnDataset) ds = make_dataset ("mnist", 28, 28, digits);

    g_assert_true (nn_model_check_dataset (model, ds, &error));
    g_assert_no_error (error);
  }
  {
    /* the image size differs: the message names the dataset and both shapes */
    g_autoptr(NnDataset) ds = make_dataset ("big-digits", 32, 32, digits);

    g_assert_false (nn_model_check_dataset (model, ds, &error));
    g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
    g_assert_true (g_str_has_prefix (error->message, "big-digits does not fit this model"));
    g_clear_error (&error);
  }
  {
    g_autoptr(NnDataset) ds = make_dataset ("five-digits", 28, 28, five);

    g_assert_false (nn_model_check_dataset (model, ds, &error));
    g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
    g_assert_nonnull (strstr (error->message, "has 5 classes but the model tells 10 apart"));
    g_clear_error (&error);
  }
  {
    /* ten classes of the same size, but clothes, not digits */
    g_autoptr(NnDataset) ds = make_dataset ("fashion-mnist", 28, 28, fashion);

    g_assert_false (nn_model_check_dataset (model, ds, &error));
    g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
    g_assert_nonnull (strstr (error->message, "fashion-mnist has other classes"));
    g_assert_nonnull (strstr (error->message, "trained on mnist"));
    g_clear_error (&error);
  }
  {
    /* a dataset with only a test split is checked on it alone */
    g_autoptr(NnDataset) ds = make_dataset ("mnist", 28, 28, digits);

    g_clear_pointer (&ds->train, nn_image_set_unref);
    g_assert_true (nn_model_check_dataset (model, ds, &error));
    g_assert_no_error (error);
  }
}

/* ---- saving a folder as a unit ---- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char **
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static void
assert_dir_holds (const char *dir,
                  const char *expected)
{
  g_auto(GStrv) names = list_dir (dir);
  g_autofree char *all = g_strjoinv (" ", names);

  g_assert_cmpstr (all, ==, expected);
}

/* The files of a saved model, to compare byte for byte after a failed save. */
typedef struct
{
  char  *config;
  gsize  config_length;
  char  *weights;
  gsize  weights_length;
} SavedFiles;

static void
saved_files_read (SavedFiles *f,
                  const char *dir)
{
  g_autofree char *c = g_build_filename (dir, "config.json", NULL);
  g_autofree char *w = g_build_filename (dir, "model.safetensors", NULL);

  g_assert_true (g_file_get_contents (c, &f->config, &f->config_length, NULL));
  g_assert_true (g_file_get_contents (w, &f->weights, &f->weights_length, NULL));
}

static void
saved_files_assert_same (SavedFiles *f,
                         const char *dir,
                         NnModel    *model)
{
  SavedFiles now = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) loaded = NULL;

  saved_files_read (&now, dir);
  g_assert_cmpmem (now.config, now.config_length, f->config, f->config_length);
  g_assert_cmpmem (now.weights, now.weights_length, f->weights, f->weights_length);
  g_free (now.config);
  g_free (now.weights);
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);
  assert_same_weights (model, loaded);
}

static void
saved_files_clear (SavedFiles *f)
{
  g_free (f->config);
  g_free (f->weights);
}

static NnModel *
make_other_model (const char *spec_text)
{
  NnModel *model = make_model (spec_text);
  NnRng rng;

  nn_rng_init (&rng, 12345);
  nn_network_init_params (model->net, &rng);
  return model;
}

static void
test_model_save_replaces (void)
{
  g_autoptr(NnModel) a = make_model ("flatten dense(10)");
  g_autoptr(NnModel) b = make_other_model ("flatten dense(10)");
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = make_tmp_dir ();
  g_autofree char *dir = g_build_filename (parent, "model", NULL);
  g_autofree char *readme = g_build_filename (dir, "README.md", NULL);
  g_autofree char *stray = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *link = g_build_filename (parent, "link", NULL);
  g_autofree char *file = g_build_filename (parent, "file", NULL);
  g_autofree char *nested = g_build_filename (parent, "a", "b", "model", NULL);
  g_autofree char *slash = g_strconcat (dir, "/", NULL);
  g_autoptr(NnModel) loaded = NULL;
  SavedFiles before = { 0 };

  /* a new folder, then a new model over it: the second one loads, nothing else is left */
  g_assert_true (nn_model_save (a, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (readme, "card", -1, NULL));
  g_assert_true (nn_model_save (b, slash, &error));
  g_assert_no_error (error);
  assert_dir_holds (parent, "model");
  assert_dir_holds (dir, "config.json model.safetensors");
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);
  assert_same_weights (b, loaded);

  /* where folders cannot be exchanged, the old one is renamed aside and removed */
  g_setenv ("DIGIT_LAB_SAVE_WITHOUT_EXCHANGE", "1", TRUE);
  g_assert_true (nn_model_save (a, dir, &error));
  g_assert_no_error (error);
  assert_dir_holds (parent, "model");
  g_clear_pointer (&loaded, nn_model_free);
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);
  assert_same_weights (a, loaded);
  g_assert_true (nn_model_save (b, dir, &error));
  g_assert_no_error (error);
  g_unsetenv ("DIGIT_LAB_SAVE_WITHOUT_EXCHANGE");
  assert_dir_holds (parent, "model");

  /* a folder with something else in it is never swapped away */
  saved_files_read (&before, dir);
  g_assert_true (g_file_set_contents (stray, "mine", -1, NULL));
  g_assert_false (nn_model_save (a, dir, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "“notes.txt”, which is not part of a model"));
  g_clear_error (&error);
  saved_files_assert_same (&before, dir, b);
  assert_dir_holds (parent, "model");
  g_remove (stray);

  /* nor a folder in place of one of the model's files */
  g_assert_cmpint (g_mkdir (readme, 0755), ==, 0);
  g_assert_false (nn_model_save (a, dir, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_clear_error (&error);
  g_rmdir (readme);

  /* a symbolic link and a file are refused */
  g_assert_cmpint (symlink (dir, link), ==, 0);
  g_assert_false (nn_model_save (a, link, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_false (nn_model_save (a, file, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_clear_error (&error);
  saved_files_assert_same (&before, dir, b);

  /* missing parents are created */
  g_assert_true (nn_model_save (a, nested, &error));
  g_assert_no_error (error);
  g_clear_pointer (&loaded, nn_model_free);
  loaded = nn_model_load (nested, 1, &error);
  g_assert_no_error (error);
  assert_same_weights (a, loaded);

  saved_files_clear (&before);
  g_remove (link);
  g_remove (file);
  remove_tree (parent);
}

static gboolean
run_quietly (const char *const *argv)
{
  int status = -1;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

/* Fills the file system of dir until only `leave` bytes are free. */
static void
fill_until (const char *dir,
            guint64     leave)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);
  static char zeros[4096];
  struct statvfs info;
  guint64 free_bytes, n;
  int fd;

  g_assert_cmpint (statvfs (dir, &info), ==, 0);
  free_bytes = (guint64) info.f_bavail * info.f_frsize;
  g_assert_cmpuint (free_bytes, >=, leave);
  n = free_bytes - leave;
  fd = open (path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  g_assert_cmpint (fd, >=, 0);
  while (n > 0)
    {
      ssize_t w = write (fd, zeros, MIN (n, sizeof zeros));

      g_assert_cmpint (w, >, 0);
      n -= (guint64) w;
    }
  close (fd);
}

/* A full disk while writing either file leaves the old model loading bit for bit, and no
 * temporary folder behind (a 200 KB tmpfs; skipped where mounting is not allowed). */
static void
test_model_save_disk_full (void)
{
  g_autoptr(NnModel) a = make_model ("flatten dense(10)");
  g_autoptr(NnModel) b = make_other_model ("flatten dense(10)");
  g_autoptr(GError) error = NULL;
  g_autofree char *mnt = make_tmp_dir ();
  g_autofree char *dir = g_build_filename (mnt, "model", NULL);
  g_autofree char *filler = g_build_filename (mnt, "filler", NULL);
  const char *mount_argv[] = { "mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mnt, NULL };
  const char *umount_argv[] = { "umount", mnt, NULL };
  SavedFiles before = { 0 };
  guint64 weights_pages;

  if (!run_quietly (mount_argv))
    {
      g_test_skip ("cannot mount a tmpfs here (not root?)");
      g_rmdir (mnt);
      return;
    }
  g_assert_true (nn_model_save (a, dir, &error));
  g_assert_no_error (error);
  saved_files_read (&before, dir);
  weights_pages = (before.weights_length + 4095) / 4096;

  /* no room for the new weights */
  fill_until (mnt, 4096);
  g_assert_false (nn_model_save (b, dir, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_test_message ("weights do not fit: %s", error->message);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_clear_error (&error);
  saved_files_assert_same (&before, dir, a);
  assert_dir_holds (mnt, "filler model");

  /* room for the new weights but not for config.json */
  g_remove (filler);
  fill_until (mnt, weights_pages * 4096);
  g_assert_false (nn_model_save (b, dir, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_test_message ("config.json does not fit: %s", error->message);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_clear_error (&error);
  saved_files_assert_same (&before, dir, a);
  assert_dir_holds (mnt, "filler model");

  /* with room again, the save goes through */
  g_remove (filler);
  g_assert_true (nn_model_save (b, dir, &error));
  g_assert_no_error (error);
  assert_dir_holds (mnt, "model");
  {
    g_autoptr(NnModel) loaded = nn_model_load (dir, 1, &error);

    g_assert_no_error (error);
    assert_same_weights (b, loaded);
  }
  saved_files_clear (&before);
  remove_tree (dir);
  g_assert_true (run_quietly (umount_argv));
  g_rmdir (mnt);
}

/* A read-only folder: the save fails and the old model is untouched. */
static void
test_model_save_read_only (void)
{
  g_autoptr(NnModel) a = make_model ("flatten dense(10)");
  g_autoptr(NnModel) b = make_other_model ("flatten dense(10)");
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = make_tmp_dir ();
  g_autofree char *dir = g_build_filename (parent, "model", NULL);
  const char *mount_argv[] = { "mount", "--bind", "-o", "ro", parent, parent, NULL };
  const char *remount_argv[] = { "mount", "-o", "remount,bind,ro", parent, NULL };
  const char *umount_argv[] = { "umount", parent, NULL };
  SavedFiles before = { 0 };

  g_assert_true (nn_model_save (a, dir, &error));
  g_assert_no_error (error);
  saved_files_read (&before, dir);
  if (!run_quietly (mount_argv))
    {
      g_test_skip ("cannot bind-mount a folder read-only here (not root?)");
      saved_files_clear (&before);
      remove_tree (parent);
      return;
    }
  /* older mount(8) binds read-write and needs a remount to make the bind read-only */
  if (access (parent, W_OK) == 0 || g_file_set_contents (dir, "", 0, NULL))
    run_quietly (remount_argv);

  g_assert_false (nn_model_save (b, dir, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO);
  g_test_message ("read-only: %s", error->message);
  g_clear_error (&error);
  saved_files_assert_same (&before, dir, a);
  assert_dir_holds (parent, "model");
  g_assert_true (run_quietly (umount_argv));

  saved_files_clear (&before);
  remove_tree (parent);
}

/* A folder whose config.json is not the one inside its weights is two models, not one. */
static void
test_model_embedded_config (void)
{
  g_autoptr(NnModel) model = make_model ("flatten dense(10)");
  g_autoptr(NnModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *good = NULL;
  GString *v;

  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_true (g_file_get_contents (config_path, &good, NULL, NULL));

  /* the same configuration written differently (members reordered, spaces) is the same */
  v = g_string_new (good);
  g_string_replace (v, "\"dataset\": \"mnist\",", "", 1);
  g_string_replace (v, "{\n", "{\n\"dataset\"  :  \"mnist\",\n", 1);
  g_assert_true (g_file_set_contents (config_path, v->str, -1, NULL));
  loaded = nn_model_load (dir, 1, &error);
  g_assert_no_error (error);
  g_string_free (v, TRUE);

  /* other statistics */
  v = g_string_new (good);
  g_string_replace (v, "\"mean\": 0.125", "\"mean\": 0.5", 1);
  g_assert_true (g_file_set_contents (config_path, v->str, -1, NULL));
  g_clear_pointer (&loaded, nn_model_free);
  loaded = nn_model_load (dir, 1, &error);
  g_assert_null (loaded);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "(“normalization”)"));
  g_clear_error (&error);
  g_string_free (v, TRUE);

  /* another dataset's names */
  v = g_string_new (good);
  g_string_replace (v, "\"dataset\": \"mnist\"", "\"dataset\": \"digits\"", 1);
  g_assert_true (g_file_set_contents (config_path, v->str, -1, NULL));
  loaded = nn_model_load (dir, 1, &error);
  g_assert_null (loaded);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "do not belong to the same model"));
  g_clear_error (&error);
  g_string_free (v, TRUE);
  remove_tree (dir);
}

/* A model is shared by reference; a copy is independent of the original and equal to it. */
static void
test_model_ref_copy (void)
{
  g_autoptr(GError) error = NULL;
  NnModel *model = make_model ("conv(4,3,pad=1) relu maxpool(2) flatten dense(10)");
  g_autoptr(NnModel) copy = NULL;
  g_autofree char *a = NULL, *b = NULL;
  size_t n;

  model->test_accuracy = 0.5;
  g_assert_true (nn_model_ref (model) == model);
  nn_model_unref (model);
  copy = nn_model_copy (model, 1, &error);
  g_assert_no_error (error);
  g_assert_true (copy != model && copy->net != model->net);
  n = nn_network_get_n_params (model->net);
  g_assert_cmpuint (nn_network_get_n_params (copy->net), ==, n);
  g_assert_cmpmem (nn_network_get_params (copy->net), n * sizeof (float),
                   nn_network_get_params (model->net), n * sizeof (float));
  g_assert_true (copy->training.optimizer != model->training.optimizer);
  a = nn_model_config_to_json (model);
  b = nn_model_config_to_json (copy);
  g_assert_cmpstr (a, ==, b);
  /* the copy outlives its original */
  nn_model_free (model);
  g_assert_cmpstr (copy->training.optimizer, ==, "adam");
  g_assert_cmpstr (copy->class_names[9], ==, "9");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model/round-trip", test_model_round_trip);
  g_test_add_func ("/engine/model/training-extras", test_model_training_extras);
  g_test_add_func ("/engine/model/single-file", test_model_single_file);
  g_test_add_func ("/engine/model/pytorch-names", test_model_pytorch_names);
  g_test_add_func ("/engine/model/bad-files", test_model_bad_files);
  g_test_add_func ("/engine/model/export", test_model_export);
  g_test_add_func ("/engine/model/check-input", test_model_check_input);
  g_test_add_func ("/engine/model/check-dataset", test_model_check_dataset);
  g_test_add_func ("/engine/model/save-replaces", test_model_save_replaces);
  g_test_add_func ("/engine/model/save-disk-full", test_model_save_disk_full);
  g_test_add_func ("/engine/model/save-read-only", test_model_save_read_only);
  g_test_add_func ("/engine/model/embedded-config", test_model_embedded_config);
  g_test_add_func ("/engine/model/ref-copy", test_model_ref_copy);
  return g_test_run ();
}
