/* test-preset.c: every recipe has a description and an architecture that builds; the "quick" and
 * "accurate" recipes set what they promise and train a few batches of MNIST-sized images */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "nn-preset.h"
#include "nn-spec.h"
#include "nn-trainer.h"

static void
test_preset_list (void)
{
  const char *const *names = nn_preset_names ();
  size_t n = 0;
  gboolean quick = FALSE, accurate = FALSE, reference = FALSE;

  for (; names[n] != NULL; n++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnSpec) spec = NULL;
      g_autofree NnLayer *layers = NULL;
      NnTrainConfig config;
      const char *description = nn_preset_description (names[n]);
      size_t n_params;

      g_assert_nonnull (description);
      g_assert_null (strchr (description, '\n'));
      g_assert_cmpuint (strlen (description), >, 20);
      nn_train_config_init (&config);
      g_assert_true (nn_preset_apply (names[n], &config, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (config.spec, ==, nn_spec_preset_lookup (names[n]));
      spec = nn_spec_parse (config.spec, &error);
      g_assert_no_error (error);
      layers = nn_network_plan (spec, 1, 28, 28, &n_params, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n_params, >, 0);
      nn_train_config_clear (&config);
      quick |= strcmp (names[n], "quick") == 0;
      accurate |= strcmp (names[n], "accurate") == 0;
      reference |= strcmp (names[n], "reference") == 0;
    }
  g_assert_true (quick && accurate && reference);
  g_assert_null (nn_preset_description ("fastest"));
}

/* "reference" is the default recipe itself; a preset leaves the run's own settings alone. */
static void
test_preset_apply (void)
{
  g_autoptr(GError) error = NULL;
  NnTrainConfig defaults, config;

  nn_train_config_init (&defaults);
  nn_train_config_init (&config);
  config.seed = 77;
  config.validation_size = 1234;
  config.n_threads = 3;
  g_assert_true (nn_preset_apply ("accurate", &config, &error));
  g_assert_cmpuint (config.seed, ==, 77);
  g_assert_cmpuint (config.validation_size, ==, 1234);
  g_assert_cmpuint (config.n_threads, ==, 3);
  g_assert_cmpint (config.optimizer.kind, ==, NN_OPTIMIZER_ADAMW);
  g_assert_cmpint (config.extras.lr_schedule.kind, ==, NN_LR_SCHEDULE_ONE_CYCLE);
  g_assert_cmpfloat (config.extras.translate, >, 0);
  g_assert_cmpfloat (config.extras.label_smoothing, >, 0);
  g_assert_nonnull (strstr (config.spec, "batchnorm"));

  g_assert_true (nn_preset_apply ("quick", &config, &error));
  g_assert_cmpuint (config.epochs, ==, 1);
  g_assert_cmpint (config.optimizer.kind, ==, NN_OPTIMIZER_ADAM);
  g_assert_cmpfloat (config.rotation_degrees, ==, 0);
  g_assert_cmpfloat (config.extras.translate, ==, 0);

  /* back to the reference: every training setting as nn_train_config_init gives it */
  g_assert_true (nn_preset_apply ("reference", &config, &error));
  g_assert_cmpstr (config.spec, ==, NN_SPEC_REFERENCE);
  g_assert_cmpuint (config.epochs, ==, defaults.epochs);
  g_assert_cmpuint (config.batch_size, ==, defaults.batch_size);
  g_assert_cmpmem (&config.optimizer, sizeof config.optimizer, &defaults.optimizer,
                   sizeof defaults.optimizer);
  g_assert_cmpfloat (config.rotation_degrees, ==, defaults.rotation_degrees);
  g_assert_cmpmem (&config.extras, sizeof config.extras, &defaults.extras,
                   sizeof defaults.extras);

  g_assert_false (nn_preset_apply ("fastest", &config, &error));
  g_assert_error (error, NN_PRESET_ERROR, NN_PRESET_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "quick"));
  nn_train_config_clear (&config);
  nn_train_config_clear (&defaults);
}

/* Random 28×28 digits of ten classes: enough for the recipes to run their batches. */
static NnDataset *
make_dataset (size_t n)
{
  NnDataset *ds = nn_dataset_new ();
  NnRng rng;

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup ("noise");
  ds->dir = g_strdup ("generated");
  ds->n_classes = 10;
  ds->class_names = g_new0 (char *, 11);
  for (int k = 0; k < 10; k++)
    ds->class_names[k] = g_strdup_printf ("%d", k);
  ds->train = nn_image_set_new (n, 28, 28);
  ds->test = nn_image_set_new (64, 28, 28);
  nn_rng_init (&rng, 5);
  for (size_t i = 0; i < n * 784; i++)
    ds->train->pixels[i] = (guint8) nn_rng_below (&rng, 256);
  for (size_t i = 0; i < 64 * 784; i++)
    ds->test->pixels[i] = (guint8) nn_rng_below (&rng, 256);
  for (size_t i = 0; i < n; i++)
    ds->train->labels[i] = (guint8) (i % 10);
  for (size_t i = 0; i < 64; i++)
    ds->test->labels[i] = (guint8) (i % 10);
  return ds;
}

/* Each new recipe, on 2 threads, for one short epoch: finite losses, a model with batch norms
 * that predicts. */
static void
test_preset_trains (void)
{
  const char *names[] = { "quick", "accurate" };
  g_autoptr(NnDataset) ds = make_dataset (320);

  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnTrainer) trainer = NULL;
      g_autoptr(NnModel) model = NULL;
      const NnEpochStats *history;
      NnTrainConfig config;
      guint n_epochs;

      nn_train_config_init (&config);
      g_assert_true (nn_preset_apply (names[i], &config, &error));
      config.epochs = 1;
      config.validation_size = 64;
      config.n_threads = 2;
      config.progress_every = 1;
      trainer = nn_trainer_new (&config, ds, &error);
      g_assert_no_error (error);
      g_assert_true (nn_trainer_run (trainer, NULL, NULL, &error));
      g_assert_no_error (error);
      history = nn_trainer_get_history (trainer, &n_epochs);
      g_assert_cmpuint (n_epochs, ==, 1);
      g_assert_true (isfinite (history[0].train_loss));
      g_assert_true (isfinite (history[0].val_loss));
      model = nn_trainer_dup_best_model (trainer, 1, &error);
      g_assert_no_error (error);
      g_assert_nonnull (model);
      nn_train_config_clear (&config);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/preset/list", test_preset_list);
  g_test_add_func ("/engine/preset/apply", test_preset_apply);
  g_test_add_func ("/engine/preset/trains", test_preset_trains);
  return g_test_run ();
}
