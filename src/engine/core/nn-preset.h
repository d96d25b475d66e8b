/* nn-preset.h: named recipes — an architecture with the training settings it was made for */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-trainer.h"

G_BEGIN_DECLS

#define NN_PRESET_ERROR (nn_preset_error_quark ())
GQuark nn_preset_error_quark (void);

typedef enum
{
  NN_PRESET_ERROR_UNKNOWN,
} NnPresetError;

/* Every preset's name, in the order a list shows them; NULL-terminated. The architecture presets
 * of nn-spec.h ("reference", "small", …) are recipes too: their architecture with the default
 * settings. */
const char *const *nn_preset_names       (void);
/* One line saying what the preset is for, or NULL for an unknown name. */
const char        *nn_preset_description (const char    *name);
/* Sets config's architecture and training settings to the preset's, leaving the run's own
 * (seed, threads, validation split, progress, checkpoint path) as they are. */
gboolean           nn_preset_apply       (const char    *name,
                                          NnTrainConfig *config,
                                          GError       **error);

G_END_DECLS
