/* test-cli.c: digit-lab-cli end to end on a generated dataset — train, evaluate, predict,
 * export, resume, the run store — and one clear line on stderr with a non-zero status for bad
 * input */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "cli-helpers.h"
#include "fixtures.h"
#include "nn-json.h"
#include "nn-png.h"

static char *work_dir;
static char *data_dir;
static const char *runs_dir;      /* DIGIT_LAB_RUNS_DIR for the program, when not NULL */

/* The CLI in work_dir, with the generated dataset as its MNIST and runs_dir as its run store */
static void
cli (Run        *r,
     const char *first,
     ...)
{
  const char *env[] = { "DIGIT_LAB_DATA_DIR", data_dir, runs_dir != NULL ? "DIGIT_LAB_RUNS_DIR"
                                                                         : NULL, runs_dir, NULL };
  va_list args;

  va_start (args, first);
  cli_run_va (r, work_dir, env, first, args);
  va_end (args);
}

static void
test_cli_train_evaluate_predict_export (void)
{
  g_auto(Run) train = { 0 };
  g_auto(Run) eval = { 0 };
  g_auto(Run) predict = { 0 };
  g_auto(Run) export = { 0 };
  g_auto(Run) resume = { 0 };
  g_autofree char *png = g_build_filename (work_dir, "digit.png", NULL);
  g_autofree char *card = g_build_filename (work_dir, "hub", "README.md", NULL);
  g_autofree char *card_text = NULL;
  g_auto(GStrv) lines = NULL;
  guint8 pixels[40 * 30];

  cli (&train, "train", "--arch", "flatten dense(10)", "--epochs", "2", "--batch-size", "16",
       "--validation", "40", "--output", "model", "--checkpoint", "ckpt.safetensors", "--json",
       NULL);
  g_assert_cmpstr (train.err, ==, "");
  g_assert_cmpint (train.status, ==, 0);
  /* every stdout line is a JSON object with an event */
  lines = g_strsplit (g_strstrip (train.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 5);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnJsonNode) node = nn_json_parse (lines[i], strlen (lines[i]), &error);

      g_assert_no_error (error);
      g_assert_nonnull (nn_json_object_get (node, "event"));
    }
  g_assert_true (g_str_has_prefix (lines[0], "{\"event\":\"start\""));
  g_assert_nonnull (strstr (train.out, "{\"event\":\"epoch\",\"epoch\":2,"));

  cli (&eval, "evaluate", "model", "--mistakes", "3", NULL);
  g_assert_cmpint (eval.status, ==, 0);
  g_assert_nonnull (strstr (eval.out, "Test accuracy"));
  g_assert_nonnull (strstr (eval.out, "Confusion matrix"));
  g_assert_nonnull (strstr (eval.out, "macro average"));

  for (size_t i = 0; i < sizeof pixels; i++)
    pixels[i] = (i % 40 > 15 && i % 40 < 22) ? 10 : 245;
  g_assert_true (nn_png_save_gray (png, pixels, 40, 30, 40, NULL));
  cli (&predict, "predict", "--model", "model", "--json", png, NULL);
  g_assert_cmpint (predict.status, ==, 0);
  g_assert_nonnull (strstr (predict.out, "\"probabilities\":["));

  cli (&export, "export", "--model", "model", "hub", NULL);
  g_assert_cmpint (export.status, ==, 0);
  g_assert_true (g_file_get_contents (card, &card_text, NULL, NULL));
  g_assert_nonnull (strstr (card_text, "model-index:"));

  /* resuming a finished run for one more epoch */
  cli (&resume, "train", "--resume", "ckpt.safetensors", "--epochs", "3", "--output", "model2",
       NULL);
  g_assert_cmpint (resume.status, ==, 0);
  g_assert_nonnull (strstr (resume.out, "3/3"));
}

/* The recipe's later options reach the trainer and the model's config.json */
static void
test_cli_train_recipe (void)
{
  g_auto(Run) train = { 0 };
  g_autofree char *config_path = g_build_filename (work_dir, "recipe-model", "config.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(NnJsonNode) config = NULL;
  const NnJsonNode *training;
  const char *schedule = NULL;
  double value;
  gint64 images;

  cli (&train, "train", "--arch", "flatten dense(10)", "--epochs", "2", "--batch-size", "16",
       "--validation", "40", "--optimizer", "adamw", "--weight-decay", "0.05",
       "--lr-schedule", "one-cycle", "--warmup-fraction", "0.25", "--learning-rate", "0.01",
       "--label-smoothing", "0.1", "--translate", "0.1", "--scale", "0.1", "--shear", "5",
       "--elastic-alpha", "8", "--elastic-sigma", "3", "--train-on-all", "--no-record",
       "--output", "recipe-model", NULL);
  g_assert_cmpstr (train.err, ==, "");
  g_assert_cmpint (train.status, ==, 0);
  g_assert_nonnull (strstr (train.out, "Regularise  weight decay 0.05 (decoupled), one-cycle lr"));
  g_assert_nonnull (strstr (train.out, "Augment     rotation ±10°, shift ±0.1 of the size"));
  g_assert_nonnull (strstr (train.out, "Train on    all training images"));

  g_assert_true (g_file_get_contents (config_path, &text, NULL, NULL));
  config = nn_json_parse (text, strlen (text), NULL);
  g_assert_nonnull (config);
  training = nn_json_object_get (config, "training");
  g_assert_nonnull (training);
  g_assert_true (nn_json_object_get_string_member (training, "optimizer", &schedule, NULL));
  g_assert_cmpstr (schedule, ==, "adamw");
  g_assert_true (nn_json_object_get_string_member (training, "lr_schedule", &schedule, NULL));
  g_assert_cmpstr (schedule, ==, "one-cycle");
  g_assert_true (nn_json_object_get_double_member (training, "lr_pct_start", &value, NULL));
  g_assert_cmpfloat (value, ==, 0.25);
  g_assert_true (nn_json_object_get_double_member (training, "weight_decay", &value, NULL));
  g_assert_cmpfloat (value, ==, 0.05);
  g_assert_true (nn_json_object_get_double_member (training, "label_smoothing", &value, NULL));
  g_assert_cmpfloat_with_epsilon (value, 0.1, 1e-7);
  g_assert_true (nn_json_object_get_double_member (training, "elastic_sigma", &value, NULL));
  g_assert_cmpfloat (value, ==, 3);
  g_assert_true (nn_json_node_get_bool (nn_json_object_get (training, "train_on_all")));
  /* the validation images were trained on too */
  g_assert_true (nn_json_object_get_int_member (training, "train_images", &images, NULL));
  g_assert_cmpint (images, ==, 200);
  /* a step schedule's settings are not written for another schedule */
  g_assert_null (nn_json_object_get (training, "lr_gamma"));
}

/* Without --model, predict uses the model the app bundles (from the source tree here, as the
 * program runs from the build tree) */
static void
test_cli_predict_bundled_model (void)
{
  g_auto(Run) predict = { 0 };
  g_autofree char *png = g_build_filename (work_dir, "bundled.png", NULL);
  guint8 pixels[40 * 30];

  for (size_t i = 0; i < sizeof pixels; i++)
    pixels[i] = (i % 40 > 15 && i % 40 < 22) ? 10 : 245;
  g_assert_true (nn_png_save_gray (png, pixels, 40, 30, 40, NULL));
  cli (&predict, "predict", "--json", "bundled.png", NULL);
  g_assert_cmpstr (predict.err, ==, "");
  g_assert_cmpint (predict.status, ==, 0);
  /* a vertical bar is a one to the bundled network */
  g_assert_true (g_str_has_prefix (predict.out, "{\"file\":\"bundled.png\",\"class\":1,"));
}

static void
test_cli_errors (void)
{
  g_auto(Run) a = { 0 };
  g_auto(Run) b = { 0 };
  g_auto(Run) c = { 0 };
  g_auto(Run) d = { 0 };
  g_auto(Run) e = { 0 };
  g_auto(Run) f = { 0 };
  g_autofree char *junk = g_build_filename (work_dir, "junk.png", NULL);

  cli (&a, "train", "--arch", "conv(8,3) relu", "--epochs", "1", "--validation", "20", NULL);
  assert_one_line_error (&a, "dense layer");
  cli (&b, "train", "--data", "/nonexistent", NULL);
  assert_one_line_error (&b, "does not exist");
  cli (&c, "evaluate", "/nonexistent/model", NULL);
  assert_one_line_error (&c, "does not exist");
  g_assert_true (g_file_set_contents (junk, "definitely not a PNG", -1, NULL));
  cli (&d, "predict", "--model", "model", junk, NULL);
  assert_one_line_error (&d, "not a PNG");
  cli (&e, "train", "--learning-rate", "-1", NULL);
  assert_one_line_error (&e, "--learning-rate takes a number in (0, 10)");
  cli (&f, "frobnicate", NULL);
  g_assert_cmpint (f.status, ==, 2);
}

/* The value of a string member of a JSON text, or NULL (also when it is null). */
static char *
json_member (const char *text,
             const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnJsonNode) node = nn_json_parse (text, strlen (text), &error);
  const NnJsonNode *value;

  g_assert_no_error (error);
  value = nn_json_object_get (node, key);
  g_assert_nonnull (value);
  return nn_json_node_get_kind (value) == NN_JSON_STRING
           ? g_strdup (nn_json_node_get_string (value)) : NULL;
}

/* train records a run unless --no-record; runs lists, shows, exports and removes it */
static void
test_cli_runs (void)
{
  g_autofree char *store = g_build_filename (work_dir, "runs-store", NULL);
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Run) train = { 0 };
  g_auto(Run) unrecorded = { 0 };
  g_auto(Run) list = { 0 };
  g_auto(Run) list2 = { 0 };
  g_auto(Run) show = { 0 };
  g_auto(Run) csv = { 0 };
  g_auto(Run) bad = { 0 };
  g_auto(Run) bad2 = { 0 };
  g_auto(Run) bad3 = { 0 };
  g_auto(Run) removed = { 0 };
  g_auto(Run) empty = { 0 };

  runs_dir = store;
  cli (&train, "train", "--arch", "flatten dense(10)", "--epochs", "2", "--batch-size", "16",
       "--validation", "40", "--output", "runs-model", "--name", "tiny", "--json", NULL);
  g_assert_cmpstr (train.err, ==, "");
  g_assert_cmpint (train.status, ==, 0);
  lines = g_strsplit (train.out, "\n", -1);
  id = json_member (lines[0], "run");
  g_assert_nonnull (id);
  g_assert_cmpuint (strlen (id), ==, 20);

  cli (&unrecorded, "train", "--arch", "flatten dense(10)", "--epochs", "1", "--batch-size",
       "16", "--validation", "40", "--output", "runs-model-2", "--no-record", "--json", NULL);
  g_assert_cmpint (unrecorded.status, ==, 0);
  g_assert_nonnull (strstr (unrecorded.out, "\"run\":null"));

  /* one JSON line: the recorded run, finished, two epochs */
  cli (&list, "runs", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  g_assert_cmpint (strchr (list.out, '\n') - list.out, ==, (long) strlen (list.out) - 1);
  g_free (status);
  status = json_member (list.out, "status");
  g_assert_cmpstr (status, ==, "finished");
  g_assert_nonnull (strstr (list.out, "\"epochs\":2,"));
  g_assert_nonnull (strstr (list.out, "\"name\":\"tiny\""));

  cli (&show, "runs", "show", "last", NULL);
  g_assert_cmpint (show.status, ==, 0);
  g_assert_nonnull (strstr (show.out, id));
  cli (&csv, "runs", "export", id, "--csv", "-", NULL);
  g_assert_cmpint (csv.status, ==, 0);
  g_assert_true (g_str_has_prefix (csv.out, "epoch,train_loss,"));
  g_assert_nonnull (strstr (csv.out, "\n2,"));

  cli (&bad, "runs", "show", NULL);
  assert_one_line_error (&bad, "runs show needs one RUN");
  g_assert_cmpint (bad.status, ==, 2);
  cli (&bad2, "runs", "rename", id, NULL);
  g_assert_cmpint (bad2.status, ==, 2);
  cli (&bad3, "runs", "show", "19990101", NULL);
  assert_one_line_error (&bad3, "There is no run");

  cli (&removed, "runs", "remove", id, NULL);
  g_assert_cmpint (removed.status, ==, 0);
  cli (&list2, "runs", "--json", NULL);
  g_assert_cmpstr (list2.out, ==, "");
  cli (&empty, "runs", NULL);
  g_assert_nonnull (strstr (empty.out, "0 runs"));
  runs_dir = NULL;
}

static const NnJsonNode *
member_of_kind (const NnJsonNode *obj,
                const char       *key,
                NnJsonKind        kind)
{
  const NnJsonNode *value = nn_json_object_get (obj, key);

  if (value == NULL || nn_json_node_get_kind (value) != kind)
    g_error ("“%s” is missing or of another kind", key);
  return value;
}

/* Trained on the validation images too, nothing calls a figure held out: the JSON events, the
 * run record, the runs list, the text and the model card */
static void
test_cli_train_on_all (void)
{
  g_autofree char *store = g_build_filename (work_dir, "all-store", NULL);
  g_autofree char *id = NULL;
  g_autofree char *run_json = NULL;
  g_autofree char *card = NULL;
  g_autofree char *config = NULL;
  g_autofree char *card_path = g_build_filename (work_dir, "all-hub", "README.md", NULL);
  g_autofree char *config_path = g_build_filename (work_dir, "all-model", "config.json", NULL);
  g_autoptr(NnJsonNode) run = NULL;
  g_autoptr(NnJsonNode) listed = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Run) train = { 0 };
  g_auto(Run) text = { 0 };
  g_auto(Run) list = { 0 };
  g_auto(Run) show = { 0 };
  g_auto(Run) export = { 0 };
  const NnJsonNode *epochs;
  guint n_epoch_events = 0;

  runs_dir = store;
  cli (&train, "train", "--arch", "flatten dense(10)", "--epochs", "2", "--batch-size", "16",
       "--validation", "40", "--train-on-all", "--output", "all-model", "--json", NULL);
  g_assert_cmpstr (train.err, ==, "");
  g_assert_cmpint (train.status, ==, 0);
  lines = g_strsplit (g_strstrip (train.out), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(NnJsonNode) node = nn_json_parse (lines[i], strlen (lines[i]), NULL);
      const char *event = nn_json_node_get_string (member_of_kind (node, "event",
                                                                   NN_JSON_STRING));

      if (strcmp (event, "start") == 0)
        {
          g_assert_true (nn_json_node_get_bool (member_of_kind (node, "train_on_all",
                                                                NN_JSON_BOOL)));
          /* nothing held out; all 200 images trained on */
          g_assert_cmpfloat (nn_json_node_get_number (member_of_kind (node, "validation",
                                                                      NN_JSON_NUMBER)), ==, 0);
          g_assert_cmpfloat (nn_json_node_get_number (member_of_kind (node, "train",
                                                                      NN_JSON_NUMBER)), ==, 200);
          id = g_strdup (nn_json_node_get_string (member_of_kind (node, "run",
                                                                  NN_JSON_STRING)));
        }
      else if (strcmp (event, "epoch") == 0)
        {
          member_of_kind (node, "val_loss", NN_JSON_NULL);
          member_of_kind (node, "val_accuracy", NN_JSON_NULL);
          member_of_kind (node, "train_accuracy", NN_JSON_NUMBER);
          member_of_kind (node, "test_accuracy", NN_JSON_NUMBER);
          n_epoch_events++;
        }
      else if (strcmp (event, "saved") == 0)
        {
          g_assert_true (nn_json_node_get_bool (member_of_kind (node, "train_on_all",
                                                                NN_JSON_BOOL)));
          g_assert_cmpfloat (nn_json_node_get_number (member_of_kind (node, "best_epoch",
                                                                      NN_JSON_NUMBER)), ==, 2);
        }
    }
  g_assert_cmpuint (n_epoch_events, ==, 2);
  g_assert_nonnull (id);

  /* the run record: no validation figure in any epoch, nor a best one */
  {
    g_autofree char *path = g_build_filename (store, id, "run.json", NULL);

    g_assert_true (g_file_get_contents (path, &run_json, NULL, NULL));
  }
  run = nn_json_parse (run_json, strlen (run_json), NULL);
  g_assert_nonnull (run);
  g_assert_true (nn_json_node_get_bool (member_of_kind (member_of_kind (run, "recipe",
                                                                        NN_JSON_OBJECT),
                                                        "train_on_all", NN_JSON_BOOL)));
  member_of_kind (run, "best_val_accuracy", NN_JSON_NULL);
  epochs = member_of_kind (run, "epochs", NN_JSON_ARRAY);
  g_assert_cmpuint (nn_json_array_get_length (epochs), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      member_of_kind (nn_json_array_get_element (epochs, i), "val_loss", NN_JSON_NULL);
      member_of_kind (nn_json_array_get_element (epochs, i), "val_accuracy", NN_JSON_NULL);
    }

  /* the runs list reads the record back as it is, not damaged */
  cli (&list, "runs", "--json", NULL);
  g_assert_cmpint (list.status, ==, 0);
  listed = nn_json_parse (list.out, strlen (list.out), NULL);
  g_assert_nonnull (listed);
  g_assert_cmpstr (nn_json_node_get_string (member_of_kind (listed, "status", NN_JSON_STRING)),
                   ==, "finished");
  g_assert_true (nn_json_node_get_bool (member_of_kind (listed, "train_on_all", NN_JSON_BOOL)));
  member_of_kind (listed, "best_val_accuracy", NN_JSON_NULL);
  cli (&show, "runs", "show", id, NULL);
  g_assert_cmpint (show.status, ==, 0);
  g_assert_nonnull (strstr (show.out, "no validation figure is held out"));
  g_assert_null (strstr (show.out, "nan"));

  /* the text output names no validation figure and says what was kept */
  cli (&text, "train", "--arch", "flatten dense(10)", "--epochs", "1", "--batch-size", "16",
       "--validation", "40", "--train-on-all", "--no-record", "--output", "all-model-2", NULL);
  g_assert_cmpint (text.status, ==, 0);
  g_assert_nonnull (strstr (text.out, "200 training (the 40 validation images included)"));
  g_assert_nonnull (strstr (text.out, "Last epoch 1 saved to all-model-2 (trained on the "
                                      "validation images too: no held-out validation figure)"));
  g_assert_null (strstr (text.out, "by validation accuracy"));
  g_assert_null (strstr (text.out, "nan"));

  /* config.json has no validation accuracy; the card says how the epochs were chosen */
  g_assert_true (g_file_get_contents (config_path, &config, NULL, NULL));
  g_assert_null (strstr (config, "validation_accuracy"));
  cli (&export, "export", "--model", "all-model", "all-hub", NULL);
  g_assert_cmpint (export.status, ==, 0);
  g_assert_true (g_file_get_contents (card_path, &card, NULL, NULL));
  g_assert_nonnull (strstr (card, "It was trained on all 200 training images, the validation "
                                  "split included, for 2 epochs, a number chosen on the "
                                  "validation split by an earlier run; there is no held-out "
                                  "validation figure."));
  g_assert_nonnull (strstr (card, "| validation | none held out: the 40 validation images "
                                  "(seed 1) were trained on too"));
  g_assert_null (strstr (card, "validation accuracy"));
  g_assert_null (strstr (card, "held out of the training set"));
  runs_dir = NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  work_dir = g_dir_make_tmp ("digit-lab-cli-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (work_dir, "data", NULL);
  g_mkdir (data_dir, 0755);
  fixture_write_split (data_dir, "train", 200, 28, 28, 10, TRUE, 1);
  fixture_write_split (data_dir, "t10k", 50, 28, 28, 10, FALSE, 2);

  g_test_add_func ("/cli/train-evaluate-predict-export", test_cli_train_evaluate_predict_export);
  g_test_add_func ("/cli/errors", test_cli_errors);
  g_test_add_func ("/cli/train-recipe", test_cli_train_recipe);
  g_test_add_func ("/cli/predict-bundled-model", test_cli_predict_bundled_model);
  g_test_add_func ("/cli/runs", test_cli_runs);
  g_test_add_func ("/cli/train-on-all", test_cli_train_on_all);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", work_dir);

    /* the CLI wrote nested folders; the shell removes them in one go */
    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", work_dir);
  }
  g_free (data_dir);
  g_free (work_dir);
  return status;
}
