/* nn-preset.c: named recipes — an architecture with the training settings it was made for */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-preset.h"

#include <string.h>

#include "nn-spec.h"

G_DEFINE_QUARK (nn-preset-error-quark, nn_preset_error)

typedef struct
{
  const char *name;
  const char *description;
  void      (*apply) (NnTrainConfig *config);
} Preset;

/* A small batch-norm network, one epoch under a one-cycle schedule with a large peak: a
 * network learning live in a lecture. Strided convolutions instead of pooling: 28×28 → 14×14 →
 * 7×7 in two steps of a quarter of the work of stride-1 convolutions and pools. No augmentation,
 * which one epoch has no time to profit from. */
static void
apply_quick (NnTrainConfig *config)
{
  config->epochs = 1;
  config->batch_size = 64;
  nn_optimizer_config_init (&config->optimizer, NN_OPTIMIZER_ADAM);
  config->optimizer.learning_rate = 0.03f;
  config->rotation_degrees = 0.0f;
  config->extras.lr_schedule.kind = NN_LR_SCHEDULE_ONE_CYCLE;
  config->extras.label_smoothing = 0.1f;
}

/* A deeper batch-norm network with affine augmentation, AdamW under a one-cycle schedule and
 * label smoothing; the best epoch is chosen on the validation split as always. */
static void
apply_accurate (NnTrainConfig *config)
{
  config->epochs = 15;
  config->batch_size = 128;
  nn_optimizer_config_init (&config->optimizer, NN_OPTIMIZER_ADAMW);
  config->optimizer.learning_rate = 0.003f;
  config->rotation_degrees = 10.0f;
  config->extras.translate = 0.1f;
  config->extras.scale = 0.1f;
  config->extras.lr_schedule.kind = NN_LR_SCHEDULE_ONE_CYCLE;
  config->extras.label_smoothing = 0.1f;
}

/* The order of nn_spec_preset_names (), with the two recipes of their own. */
static const Preset presets[] = {
  { "reference", "The default: two convolutions and two dense layers, Adam, 10 epochs, ±10° "
    "rotation", NULL },
  { "reference-dropout", "The reference network with dropout before its last layer", NULL },
  { "small", "Two narrow convolutions and one dense layer: fast, a little less accurate", NULL },
  { "mlp", "No convolutions: one hidden dense layer of 256 units", NULL },
  { "linear", "One dense layer on the pixels: the baseline every network must beat", NULL },
  { "quick", "A small batch-norm network, one epoch under a one-cycle schedule: a network "
    "learning live in seconds", apply_quick },
  { "accurate", "A deeper batch-norm network, affine augmentation, one-cycle AdamW and label "
    "smoothing for 15 epochs, aiming at the highest accuracy", apply_accurate },
};

const char *const *
nn_preset_names (void)
{
  return nn_spec_preset_names ();
}

static const Preset *
find (const char *name)
{
  for (size_t i = 0; i < G_N_ELEMENTS (presets); i++)
    if (strcmp (presets[i].name, name) == 0)
      return &presets[i];
  return NULL;
}

const char *
nn_preset_description (const char *name)
{
  const Preset *p;

  g_return_val_if_fail (name != NULL, NULL);

  p = find (name);
  return p != NULL ? p->description : NULL;
}

gboolean
nn_preset_apply (const char    *name,
                 NnTrainConfig *config,
                 GError       **error)
{
  const Preset *p;
  const char *spec;
  NnTrainConfig defaults;

  g_return_val_if_fail (name != NULL && config != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  p = find (name);
  spec = nn_spec_preset_lookup (name);
  if (p == NULL || spec == NULL)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) nn_preset_names ());

      g_set_error (error, NN_PRESET_ERROR, NN_PRESET_ERROR_UNKNOWN,
                   "There is no recipe called “%s” (there are %s)", name, list);
      return FALSE;
    }
  /* the recipe's settings are the defaults but for what the preset changes */
  nn_train_config_init (&defaults);
  g_free (config->spec);
  config->spec = g_strdup (spec);
  config->epochs = defaults.epochs;
  config->batch_size = defaults.batch_size;
  config->optimizer = defaults.optimizer;
  config->rotation_degrees = defaults.rotation_degrees;
  {
    gboolean train_on_all = config->extras.train_on_all;

    config->extras = defaults.extras;
    config->extras.train_on_all = train_on_all;
  }
  nn_train_config_clear (&defaults);
  if (p->apply != NULL)
    p->apply (config);
  return TRUE;
}
