/* test-model.c: model folders round-trip bit-exactly; damaged or mismatched files are refused;
 * the Hugging Face export holds the measured numbers */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

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
  g_assert_true (nn_export_hugging_face (model, ev, out, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (card_path, &card, NULL, NULL));

  g_assert_true (g_str_has_prefix (card, "---\nlicense: cc-by-sa-3.0\n"));
  g_assert_nonnull (strstr (card, "datasets:\n  - mnist\n"));
  g_assert_nonnull (strstr (card, "model-index:"));
  g_assert_nonnull (strstr (card, "value: 0.8750"));
  g_assert_nonnull (strstr (card, "87.50% accuracy"));
  g_assert_nonnull (strstr (card, "nn.Conv2d(1, 32, 3, padding=1),  # 0"));
  g_assert_nonnull (strstr (card, "nn.Linear(3136, 128),  # 7"));
  g_assert_nonnull (strstr (card, "load_state_dict(load_file(\"model.safetensors\"))"));
  g_assert_nonnull (strstr (card, "| 7 | 0.0000 | 0.0000 | 0.0000 | 1 |"));
  g_assert_nonnull (strstr (card, "Yann LeCun and Corinna Cortes"));
  {
    g_autoptr(NnModel) back = nn_model_load (out, 1, &error);

    g_assert_no_error (error);
    g_assert_nonnull (back);
  }
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model/round-trip", test_model_round_trip);
  g_test_add_func ("/engine/model/single-file", test_model_single_file);
  g_test_add_func ("/engine/model/pytorch-names", test_model_pytorch_names);
  g_test_add_func ("/engine/model/bad-files", test_model_bad_files);
  g_test_add_func ("/engine/model/export", test_model_export);
  return g_test_run ();
}
