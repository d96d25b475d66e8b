/* test-train-script.c: export's train.py with PyTorch — the same split, the same predictions,
 * and torchrun with two processes writing a model the CLI evaluates */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "nn-dataset.h"
#include "nn-export.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-trainer.h"

/* Probabilities from PyTorch and from the engine may differ by float32 rounding (sums in
 * another order, another convolution algorithm); this is far below anything a prediction
 * could turn on. */
#define PROB_TOLERANCE 1e-4

#define N_TRAIN 3000
#define N_TEST 1000

static char *python;        /* one with torch, or NULL */
static char *subset_dir;    /* the first images of MNIST, as IDX files (test gzipped) */

static gboolean
python_has_torch (const char *candidate)
{
  const char *argv[] = { candidate, "-c", "import torch", NULL };
  int status;

  return g_spawn_sync (NULL, (char **) argv, NULL,
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                       NULL, &status, NULL) &&
         g_spawn_check_wait_status (status, NULL);
}

/* Runs argv; returns its exit status' success, with stdout (nullable) and stderr kept. */
static gboolean
run (const char *const *argv,
     char              **out,
     char              **err)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out,
                               err, &status, &error));
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL);
}

static gboolean
skip_without_torch (void)
{
  if (python != NULL && subset_dir != NULL)
    return FALSE;
  if (python == NULL)
    g_test_skip ("PyTorch is not installed (apt install python3-torch): train.py is not run");
  else
    g_test_skip ("MNIST is not downloaded (digit-lab-cli fetch, or DIGIT_LAB_MNIST_DIR)");
  return TRUE;
}

static void
write_idx (const char   *path,
           const guint8 *data,
           const guint   *dims,
           guint          n_dims,
           gboolean       compress)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  guint8 magic[4] = { 0, 0, 0x08, (guint8) n_dims };
  size_t n = 1;

  g_byte_array_append (bytes, magic, 4);
  for (guint i = 0; i < n_dims; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);

      g_byte_array_append (bytes, (const guint8 *) &be, 4);
      n *= dims[i];
    }
  g_byte_array_append (bytes, data, (guint) n);
  if (compress)
    {
      gzFile gz = gzopen (path, "wb");

      g_assert_nonnull (gz);
      g_assert_cmpint (gzwrite (gz, bytes->data, bytes->len), ==, (int) bytes->len);
      g_assert_cmpint (gzclose (gz), ==, Z_OK);
    }
  else
    g_assert_true (g_file_set_contents (path, (const char *) bytes->data, bytes->len, NULL));
}

/* The first N_TRAIN training and N_TEST test images of MNIST in a folder of their own. */
static char *
make_subset (void)
{
  const char *mnist = g_getenv ("DIGIT_LAB_MNIST_DIR");
  g_autofree char *fallback = g_build_filename (g_get_user_cache_dir (), "digit-lab", "mnist",
                                                NULL);
  g_autoptr(NnDataset) ds = nn_dataset_load_dir (mnist != NULL ? mnist : fallback, NULL);
  g_autoptr(GError) error = NULL;
  char *dir;
  struct { const char *name; NnImageSet *set; guint n; gboolean gz; } parts[] = {
    { "train", NULL, N_TRAIN, FALSE }, { "t10k", NULL, N_TEST, TRUE },
  };

  if (ds == NULL || ds->train->n_images < N_TRAIN || ds->test->n_images < N_TEST)
    return NULL;
  parts[0].set = ds->train;
  parts[1].set = ds->test;
  dir = g_dir_make_tmp ("digit-lab-train-py-XXXXXX", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      const guint image_dims[] = { parts[i].n, 28, 28 };
      const guint label_dims[] = { parts[i].n };
      g_autofree char *images = g_strdup_printf ("%s/%s-images-idx3-ubyte%s", dir,
                                                 parts[i].name, parts[i].gz ? ".gz" : "");
      g_autofree char *labels = g_strdup_printf ("%s/%s-labels-idx1-ubyte%s", dir,
                                                 parts[i].name, parts[i].gz ? ".gz" : "");

      write_idx (images, parts[i].set->pixels, image_dims, 3, parts[i].gz);
      write_idx (labels, parts[i].set->labels, label_dims, 1, parts[i].gz);
    }
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
        g_unlink (path);
    }
  g_rmdir (dir);
}

/* The model exported with train.py, and PyTorch's probabilities for the subset's test images
 * compared with the engine's. Returns the export folder. */
static char *
export_and_compare (NnModel    *model,
                    NnDataset  *subset,
                    const char *what)
{
  const char *script =
    "import sys, torch\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "import train\n"
    "torch.set_num_threads(1)\n"
    "model, config = train.load_model(sys.argv[1])\n"
    "images, labels = train.load_split(sys.argv[2], 't10k')\n"
    "norm = (config['normalization']['mean'], config['normalization']['std'])\n"
    "_, _, probs = train.evaluate(model, images, labels, norm, torch.device('cpu'))\n"
    "open(sys.argv[3], 'wb').write(train._float32_bytes(probs))\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(NnEvaluation) ev = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-export-XXXXXX", &error);
  g_autofree char *out = NULL;
  g_autofree char *probs_path = NULL;
  g_autofree char *bytes = NULL;
  g_autofree char *err = NULL;
  g_autofree float *mine = NULL;
  const NnImageSet *test = subset->test;
  gsize length;
  double worst = 0;

  g_assert_no_error (error);
  out = g_build_filename (dir, "model", NULL);
  probs_path = g_build_filename (dir, "probs.f32", NULL);
  ev = nn_evaluate_images (model->net, test, NULL, 0, &model->norm);
  g_assert_true (nn_export_hugging_face (model, ev, test, out, &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { python, "-c", script, out, subset_dir, probs_path, NULL };

    if (!run (argv, NULL, &err))
      g_error ("PyTorch could not run the exported %s:\n%s", what, err);
  }
  g_assert_true (g_file_get_contents (probs_path, &bytes, &length, NULL));
  g_assert_cmpuint (length, ==, sizeof (float) * test->n_images * model->n_classes);
  mine = g_new (float, model->n_classes);
  for (size_t i = 0; i < test->n_images; i++)
    {
      float x[28 * 28];
      const float *theirs = (const float *) bytes + i * model->n_classes;

      for (size_t p = 0; p < 28 * 28; p++)
        x[p] = test->pixels[i * 28 * 28 + p] / 255.0f;
      nn_model_predict_image (model, x, mine);
      for (size_t k = 0; k < model->n_classes; k++)
        worst = MAX (worst, fabs ((double) mine[k] - (double) theirs[k]));   /* x86: LE */
    }
  g_test_message ("%s: PyTorch's probabilities differ from the engine's by at most %.3g over %zu "
                  "images", what, worst, test->n_images);
  g_assert_cmpfloat (worst, <=, PROB_TOLERANCE);
  g_unlink (probs_path);
  return g_steal_pointer (&dir);
}

/* train.py's validation split is the engine's: the same permutation from the same seed. */
static void
test_split (void)
{
  const char *script =
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('train', sys.argv[1])\n"
    "train = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(train)\n"
    "_, val = train.split_indices(1000, 100, 123456789012345)\n"
    "print(' '.join(map(str, val)))\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GString) want = g_string_new (NULL);
  guint32 train_idx[900], val_idx[100];

  if (skip_without_torch ())
    return;
  dir = g_dir_make_tmp ("digit-lab-split-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "train.py", NULL);
  g_assert_true (g_file_set_contents (path, nn_export_train_script, -1, NULL));
  nn_split_indices (1000, 100, G_GUINT64_CONSTANT (123456789012345), train_idx, val_idx);
  for (guint i = 0; i < 100; i++)
    g_string_append_printf (want, "%s%u", i > 0 ? " " : "", val_idx[i]);
  g_string_append_c (want, '\n');
  {
    const char *argv[] = { python, "-c", script, path, NULL };

    if (!run (argv, &out, &err))
      g_error ("train.py's split failed:\n%s", err);
  }
  g_assert_cmpstr (out, ==, want->str);
  remove_tree (dir);
}

/* The bundled model, and a small network of every layer kind trained a little by the engine:
 * PyTorch built by train.py from config.json gives the same probabilities. */
static void
test_predictions (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) subset = NULL;
  g_autoptr(NnModel) bundled = NULL;
  g_autoptr(NnModel) small = NULL;
  g_autofree char *dir = NULL;
  NnTrainConfig config;
  NnTrainer *trainer;

  if (skip_without_torch ())
    return;
  subset = nn_dataset_load_dir (subset_dir, &error);
  g_assert_no_error (error);

  bundled = nn_model_load (DL_TEST_MODEL_DIR, 1, &error);
  g_assert_no_error (error);
  dir = export_and_compare (bundled, subset, "bundled model");
  remove_tree (dir);
  g_clear_pointer (&dir, g_free);

  nn_train_config_init (&config);
  g_free (config.spec);
  /* every kind of the layer table: strided and 5×5 convolutions, batch norm after a
   * convolution and after a dense layer, global average pooling */
  config.spec = g_strdup ("conv(8,5,pad=2) batchnorm relu maxpool(2) conv(16,3,stride=2) tanh "
                          "conv(16,3,pad=1) relu gap flatten dropout(0.25) dense(32) batchnorm "
                          "relu dense(10)");
  config.epochs = 1;
  config.validation_size = 500;
  config.n_threads = 2;
  config.evaluate_test = FALSE;
  trainer = nn_trainer_new (&config, subset, &error);
  g_assert_no_error (error);
  g_assert_true (nn_trainer_run (trainer, NULL, NULL, &error));
  g_assert_no_error (error);
  small = nn_trainer_dup_best_model (trainer, 1, &error);
  g_assert_no_error (error);
  nn_trainer_free (trainer);
  nn_train_config_clear (&config);
  dir = export_and_compare (small, subset, "every layer kind");
  remove_tree (dir);
}

/* torchrun, two processes on loopback (gloo): a few dozen batches of the exported recipe, then
 * the model it wrote opens in the CLI with the accuracy PyTorch measured. */
static void
test_torchrun (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) subset = NULL;
  g_autoptr(NnModel) bundled = NULL;
  g_autoptr(NnModel) trained = NULL;
  g_autoptr(NnEvaluation) ev = NULL;
  g_autoptr(NnJsonNode) root = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *exported = NULL;
  g_autofree char *script = NULL;
  g_autofree char *output = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  double accuracy;

  if (skip_without_torch ())
    return;
  subset = nn_dataset_load_dir (subset_dir, &error);
  g_assert_no_error (error);
  bundled = nn_model_load (DL_TEST_MODEL_DIR, 1, &error);
  g_assert_no_error (error);
  dir = g_dir_make_tmp ("digit-lab-torchrun-XXXXXX", &error);
  g_assert_no_error (error);
  exported = g_build_filename (dir, "export", NULL);
  output = g_build_filename (dir, "trained", NULL);
  script = g_build_filename (exported, "train.py", NULL);
  ev = nn_evaluate_images (bundled->net, subset->test, NULL, 0, &bundled->norm);
  g_assert_true (nn_export_hugging_face (bundled, ev, subset->test, exported, &error));
  g_assert_no_error (error);
  {
    /* --redirects and --tee: torchrun's default of 0 fails under Python 3.11 with PyTorch 1.13
     * (Debian 12); 1 (stdout to its log and the console) works with every version */
    const char *argv[] = { python, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node=2", "--redirects", "1", "--tee", "1", script,
                           "--data", subset_dir, "--output", output, "--epochs", "1",
                           "--max-batches", "30", "--validation-size", "500", "--device", "cpu",
                           NULL };

    if (!run (argv, &out, &err))
      g_error ("torchrun train.py failed:\n%s\n%s", out, err);
  }
  /* Digit Lab opens it (config.json against the copy in the weights, every tensor) */
  trained = nn_model_load (output, 1, &error);
  g_assert_no_error (error);
  g_assert_true (trained->training.known);
  g_assert_cmpuint (trained->training.epochs, ==, 1);
  g_assert_cmpuint (trained->training.validation_size, ==, 500);
  g_assert_cmpuint (trained->training.n_train, ==, N_TRAIN - 500);
  g_assert_nonnull (trained->training.hardware);
  g_assert_nonnull (strstr (trained->training.hardware, "2 processes"));
  {
    const char *cli = g_getenv ("DIGIT_LAB_CLI");
    const char *argv[] = { cli, "evaluate", "--data", subset_dir, "--json", output, NULL };
    g_autofree char *json = NULL;
    g_autofree char *cli_err = NULL;
    const NnJsonNode *node;

    g_assert_nonnull (cli);
    if (!run (argv, &json, &cli_err))
      g_error ("digit-lab-cli evaluate failed on train.py's model:\n%s", cli_err);
    root = nn_json_parse (json, strlen (json), &error);
    g_assert_no_error (error);
    node = nn_json_object_get (root, "accuracy");
    g_assert_nonnull (node);
    accuracy = nn_json_node_get_number (node);
  }
  g_test_message ("two processes, 30 batches of 2x32: test accuracy %.4f (PyTorch said %.4f)",
                  accuracy, trained->test_accuracy);
  /* a few dozen batches learn something; both measure the same predictions */
  g_assert_cmpfloat (accuracy, >, 0.5);
  g_assert_cmpfloat (fabs (accuracy - trained->test_accuracy), <=, 1.0 / N_TEST);
  remove_tree (dir);
}

/* Bad input to train.py: one line on stderr that says what, and a failing exit status. */
static void
test_hostile (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *script = NULL;
  g_autofree char *config = NULL;
  const guint8 truncated[] = { 0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3 };
  const char *const cases[][3] = {
    /* what is in the data folder, the config's layers, the message it must give */
    { "truncated", NULL, "holds 3 bytes of data, its header says 7840" },
    { "gzip", NULL, "is not a readable gzip file" },
    { "good", "[{\"type\": \"conv3d\"}]", "does not know the layer kind 'conv3d'" },
  };

  if (skip_without_torch ())
    return;
  dir = g_dir_make_tmp ("digit-lab-hostile-py-XXXXXX", &error);
  g_assert_no_error (error);
  script = g_build_filename (dir, "train.py", NULL);
  config = g_build_filename (dir, "config.json", NULL);
  g_assert_true (g_file_set_contents (script, nn_export_train_script, -1, NULL));
  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *data = g_build_filename (dir, cases[c][0], NULL);
      g_autofree char *images = g_build_filename (data, "train-images-idx3-ubyte", NULL);
      g_autofree char *gz = g_build_filename (data, "train-images-idx3-ubyte.gz", NULL);
      g_autofree char *json = g_strdup_printf ("{\"format_version\": 1, \"input_shape\": [1, 28, 28], "
                                               "\"num_classes\": 10, \"layers\": %s, "
                                               "\"training\": {\"validation_size\": 100}}",
                                               cases[c][1] != NULL ? cases[c][1] : "[]");
      g_autofree char *output = g_build_filename (dir, "out", NULL);
      g_autofree char *err = NULL;
      const char *argv[] = { python, script, "--data", data, "--output", output, NULL };
      const char *source = g_strcmp0 (cases[c][0], "good") == 0 ? subset_dir : data;

      argv[3] = source;
      g_mkdir (data, 0755);
      if (g_strcmp0 (cases[c][0], "truncated") == 0)
        g_assert_true (g_file_set_contents (images, (const char *) truncated, sizeof truncated,
                                            NULL));
      else if (g_strcmp0 (cases[c][0], "gzip") == 0)
        g_assert_true (g_file_set_contents (gz, "\x1f\x8b\x08\x00 not gzip", -1, NULL));
      g_assert_true (g_file_set_contents (config, json, -1, NULL));
      g_assert_false (run (argv, NULL, &err));
      g_assert_true (g_str_has_prefix (err, "train.py: "));
      g_assert_cmpuint (strchr (err, '\n') - err, ==, strlen (err) - 1);   /* one line */
      if (strstr (err, cases[c][2]) == NULL)
        g_error ("train.py said “%s”, not “%s”", err, cases[c][2]);
      g_assert_false (g_file_test (output, G_FILE_TEST_EXISTS));
    }
  remove_tree (dir);
}

/* The recipe's SGD momentum reaches train.py's optimiser; a config.json from before it was
 * recorded trains with 0.9, as the engine then did. No dataset needed. */
static void
test_momentum (void)
{
  const char *script =
    "import json, sys, torch\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "import train\n"
    "for name in sys.argv[2:]:\n"
    "    recipe = json.load(open(name))['training']\n"
    "    assert not set(recipe) - train.RECIPE_FIELDS - train.RECORD_FIELDS\n"
    "    opt = train.OPTIMIZERS[recipe['optimizer']]([torch.nn.Parameter(torch.zeros(2))], recipe)\n"
    "    sys.stderr.write('%s %r\\n' % (type(opt).__name__, opt.param_groups[0]['momentum']))\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnModel) loaded = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *model_dir = NULL;
  g_autofree char *train_py = NULL;
  g_autofree char *config = NULL;
  g_autofree char *old_config = NULL;
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GString) old_text = NULL;
  const char *names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  NnNormalisation norm = { 0.1f, 0.3f };

  if (python == NULL)
    {
      g_test_skip ("PyTorch is not installed (apt install python3-torch): train.py is not run");
      return;
    }
  dir = g_dir_make_tmp ("digit-lab-momentum-XXXXXX", &error);
  g_assert_no_error (error);
  spec = nn_spec_parse ("flatten dense(10)", &error);
  g_assert_no_error (error);
  model = nn_model_new (spec, 1, 28, 28, NULL, &norm, "mnist", names, 1, &error);
  g_assert_no_error (error);
  model->training = (NnModelTraining) { .known = TRUE, .epochs = 3, .best_epoch = 3,
                                        .batch_size = 64, .optimizer = g_strdup ("sgd"),
                                        .learning_rate = 0.01, .momentum = 0.5,
                                        .rotation_degrees = 10, .validation_size = 5000,
                                        .seed = 1, .n_train = 55000 };
  nn_train_extras_init (&model->training.extras);
  model_dir = g_build_filename (dir, "model", NULL);
  g_assert_true (nn_model_save (model, model_dir, &error));
  g_assert_no_error (error);
  /* config.json round-trips it */
  loaded = nn_model_load (model_dir, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (loaded->training.momentum, ==, 0.5);

  /* the same config without the momentum, as written before it was recorded */
  config = g_build_filename (model_dir, "config.json", NULL);
  g_assert_true (g_file_get_contents (config, &text, NULL, NULL));
  old_text = g_string_new (text);
  g_assert_cmpuint (g_string_replace (old_text, "\"momentum\": 0.5, ", "", 0), ==, 1);
  old_config = g_build_filename (dir, "old-config.json", NULL);
  g_assert_true (g_file_set_contents (old_config, old_text->str, -1, NULL));

  train_py = g_build_filename (dir, "train.py", NULL);
  g_assert_true (g_file_set_contents (train_py, nn_export_train_script, -1, NULL));
  {
    const char *argv[] = { python, "-c", script, dir, config, old_config, NULL };

    if (!run (argv, NULL, &err))
      g_error ("train.py's optimiser could not be made:\n%s", err);
  }
  g_assert_cmpstr (err, ==, "SGD 0.5\nSGD 0.9\n");
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  const char *const candidates[] = { "/usr/bin/python3", "python3" };
  int status;

  g_test_init (&argc, &argv, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (candidates) && python == NULL; i++)
    {
      g_autofree char *path = g_find_program_in_path (candidates[i]);

      if (path != NULL && python_has_torch (path))
        python = g_steal_pointer (&path);
    }
  /* CI installs PyTorch (scripts/deps.sh): there it must not be skipped */
  if (python == NULL && g_getenv ("CI") != NULL)
    g_error ("PyTorch is missing (scripts/deps.sh installs python3-torch)");
  if (python != NULL)
    subset_dir = make_subset ();
  g_test_add_func ("/cli/train-script/split", test_split);
  g_test_add_func ("/cli/train-script/predictions", test_predictions);
  g_test_add_func ("/cli/train-script/torchrun", test_torchrun);
  g_test_add_func ("/cli/train-script/hostile", test_hostile);
  g_test_add_func ("/cli/train-script/momentum", test_momentum);
  status = g_test_run ();
  if (subset_dir != NULL)
    remove_tree (subset_dir);
  g_free (subset_dir);
  g_free (python);
  return status;
}
